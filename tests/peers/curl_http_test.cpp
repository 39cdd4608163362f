// curl against `polyport serve http://...` and https: the hello page, HEAD, keep-alive reuse of
// one connection for several URLs, and the status of an oversized header.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

TEST(curl_http, hello_page_over_http_and_https) {
  ASSERT_TRUE(has_program("curl", "curl"));
  temp_dir dir;
  auto identity = write_test_identity(dir);
  served server({"http://127.0.0.1:0", "http://127.0.0.1:0;transport=https;tls_certfile=" + identity.certfile +
                                           ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().at(0).transport, "http");
  EXPECT_EQ(server.listeners().at(1).transport, "https");
  auto plain = run_command({"curl", "-sS", "http://127.0.0.1:" + std::to_string(server.port(0)) + "/"});
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output, "hello");
  auto secure = run_command(
      {"curl", "-sS", "--cacert", identity.certfile, "https://localhost:" + std::to_string(server.port(1)) + "/"});
  EXPECT_EQ(secure.exit_code, 0) << secure.output;
  EXPECT_EQ(secure.output, "hello");
}

TEST(curl_http, keep_alive_serves_several_urls_on_one_connection) {
  ASSERT_TRUE(has_program("curl", "curl"));
  served server({"http://127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto result = run_command({"curl", "-sS", "-v", base + "a", base + "b", base + "c"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Re-using existing connection"), std::string::npos) << result.output;
  std::size_t pages = 0;
  for (auto at = result.output.find("hello"); at != std::string::npos; at = result.output.find("hello", at + 1)) {
    ++pages;
  }
  EXPECT_EQ(pages, 3u) << result.output;
}

TEST(curl_http, head_and_errors_have_their_status) {
  ASSERT_TRUE(has_program("curl", "curl"));
  served server({"http://127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto head = run_command({"curl", "-sS", "-I", url});
  EXPECT_NE(head.output.find("HTTP/1.1 200 OK"), std::string::npos) << head.output;
  EXPECT_NE(head.output.find("Content-Length: 5"), std::string::npos) << head.output;
  auto post = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-d", "x", url});
  EXPECT_EQ(post.output, "405");
  auto huge = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + std::string(9000, 'a'), url});
  EXPECT_EQ(huge.output, "431");
}

}  // namespace
}  // namespace polyport::testing
