// curl against `polyport serve http://...` and https: the hello page, HEAD, keep-alive reuse of
// one connection for several URLs, the status of an oversized header, and static files
// (`?root=DIR`): ranges, ETag, directories, `..` and a symbolic link out of the root.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

// The status code curl reports for `path` (sent as is: curl would otherwise resolve "..").
std::string status_of(const std::string& base, const std::string& path, std::vector<std::string> headers = {}) {
  std::vector<std::string> argv{"curl", "-sS", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}"};
  for (const auto& header : headers) {
    argv.push_back("-H");
    argv.push_back(header);
  }
  argv.push_back(base + path);
  return run_command(argv).output;
}

TEST(curl_http, static_root_serves_files_and_nothing_outside_it) {
  ASSERT_TRUE(has_program("curl", "curl"));
  temp_dir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("www/sub"));
  fs::create_directories(dir.file("www/docs"));
  fs::create_directories(dir.file("outside"));
  std::ofstream(dir.file("www/a.txt")) << "0123456789";
  std::ofstream(dir.file("www/docs/index.html")) << "<h1>index</h1>";
  std::ofstream(dir.file("outside/secret.txt")) << "secret";
  fs::create_symlink(dir.file("outside/secret.txt"), dir.file("www/link.txt"));
  served server({"http://127.0.0.1:0?root=" + dir.file("www")});
  ASSERT_TRUE(server.ready());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(run_command({"curl", "-sS", base + "/a.txt"}).output, "0123456789");
  EXPECT_EQ(run_command({"curl", "-sS", "-H", "Range: bytes=2-4", base + "/a.txt"}).output, "234");
  EXPECT_EQ(status_of(base, "/a.txt", {"Range: bytes=2-4"}), "206");
  EXPECT_EQ(status_of(base, "/a.txt", {"Range: bytes=50-"}), "416");
  auto head = run_command({"curl", "-sS", "-I", base + "/a.txt"}).output;
  auto at = head.find("ETag: ");
  ASSERT_NE(at, std::string::npos) << head;
  std::string etag = head.substr(at + 6, head.find('\r', at) - at - 6);
  EXPECT_EQ(status_of(base, "/a.txt", {"If-None-Match: " + etag}), "304");
  EXPECT_NE(head.find("Last-Modified: "), std::string::npos);
  EXPECT_EQ(status_of(base, "/sub/"), "403");
  EXPECT_EQ(status_of(base, "/sub"), "301");
  EXPECT_EQ(run_command({"curl", "-sS", base + "/docs/"}).output, "<h1>index</h1>");
  EXPECT_EQ(status_of(base, "/../outside/secret.txt"), "400");
  EXPECT_EQ(status_of(base, "/%2e%2e/outside/secret.txt"), "400");
  EXPECT_EQ(status_of(base, "/link.txt"), "404");
  EXPECT_EQ(status_of(base, "/missing"), "404");
}

}  // namespace
}  // namespace polyport::testing
