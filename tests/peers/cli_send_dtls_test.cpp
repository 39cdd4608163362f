// `polyport send` and `polyport serve` over dtls: the echo comes back over IPv4 and IPv6, and a
// certificate the client does not trust fails with one line and exit 1.

#include <gtest/gtest.h>

#include <string>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

command_result send(const std::string& url, const std::string& data) {
  return run_command({POLYPORT_BINARY, "send", "--timeout", "5000", url, data});
}

TEST(cli_send_dtls, prints_the_echo_over_dtls_from_both_address_families) {
  temp_dir dir;
  test_identity identity = write_test_identity(dir);
  std::string certificate = ";tls_certfile=" + identity.certfile + ";tls_keyfile=" + identity.keyfile;
  served server({"echo://127.0.0.1:0;transport=dtls" + certificate, "echo://[::1]:0;transport=dtls" + certificate});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().at(0).transport, "dtls");
  std::string trust = ";transport=dtls;tls_cacertfile=" + identity.certfile;
  auto over_v4 = send("echo://127.0.0.1:" + std::to_string(server.port(0)) + trust, "sealed");
  EXPECT_EQ(over_v4.exit_code, 0) << over_v4.output;
  EXPECT_EQ(over_v4.output, "sealed");
  auto over_v6 = send("echo://[::1]:" + std::to_string(server.port(1)) + trust, "six");
  EXPECT_EQ(over_v6.exit_code, 0) << over_v6.output;
  EXPECT_EQ(over_v6.output, "six");

  auto untrusted = send("echo://127.0.0.1:" + std::to_string(server.port(0)) + ";transport=dtls", "nope");
  EXPECT_EQ(untrusted.exit_code, 1) << untrusted.output;
  EXPECT_NE(untrusted.output.find("certificate verify failed"), std::string::npos) << untrusted.output;
  EXPECT_EQ(std::count(untrusted.output.begin(), untrusted.output.end(), '\n'), 1) << untrusted.output;
}

TEST(cli_serve_dtls, a_dtls_listener_without_a_certificate_is_refused_with_exit_2) {
  auto refused = run_command({POLYPORT_BINARY, "serve", "echo://127.0.0.1:0;transport=dtls"});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("tls_certfile is required for a DTLS server"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace polyport::testing
