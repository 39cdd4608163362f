// The contract of `polyport fetch`: prints the body (with -i the status line and headers
// first) and exits 0; exit 1 with one line on stderr for a 4xx/5xx, a refused connection or a
// certificate that does not verify; exit 2 for a bad URL or header.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

command_result fetch(std::vector<std::string> arguments) {
  std::vector<std::string> argv{POLYPORT_BINARY, "fetch"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return run_command(argv);
}

TEST(cli_fetch, prints_the_body_and_with_include_the_head) {
  served server({"http://127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto body = fetch({url});
  EXPECT_EQ(body.exit_code, 0) << body.output;
  EXPECT_EQ(body.output, "hello");
  auto whole = fetch({"-i", "-H", "X-Tag: one", url});
  EXPECT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_TRUE(whole.output.starts_with("HTTP/1.1 200 OK\r\n")) << whole.output;
  EXPECT_NE(whole.output.find("\r\nContent-Length: 5\r\n"), std::string::npos) << whole.output;
  EXPECT_TRUE(whole.output.ends_with("\r\n\r\nhello")) << whole.output;
}

TEST(cli_fetch, https_verifies_against_a_given_ca_or_fails_with_exit_1) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  served server({"http://127.0.0.1:0;transport=https;tls_certfile=" + identity.certfile +
                 ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto trusted = fetch({url + ";tls_cacertfile=" + identity.certfile});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.output;
  EXPECT_EQ(trusted.output, "hello");
  auto unverified = fetch({url});
  EXPECT_EQ(unverified.exit_code, 1) << unverified.output;
  EXPECT_NE(unverified.output.find("certificate"), std::string::npos) << unverified.output;
}

TEST(cli_fetch, a_4xx_prints_the_body_and_exits_1) {
  served server({"http://127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  auto refused = fetch({"-X", "DELETE", "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("polyport: HTTP 405 Method Not Allowed"), std::string::npos) << refused.output;
}

TEST(cli_fetch, cannot_connect_is_exit_1_and_bad_input_exit_2) {
  auto refused = fetch({"--timeout", "3000", "http://127.0.0.1:" + std::to_string(free_port()) + "/"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("Connection refused"), std::string::npos) << refused.output;
  auto bad_url = fetch({"ftp://127.0.0.1:21/"});
  EXPECT_EQ(bad_url.exit_code, 2) << bad_url.output;
  EXPECT_NE(bad_url.output.find("http:// or https://"), std::string::npos) << bad_url.output;
  auto bad_header = fetch({"-H", "no colon", "http://127.0.0.1:1/"});
  EXPECT_EQ(bad_header.exit_code, 2) << bad_header.output;
}

}  // namespace
}  // namespace polyport::testing
