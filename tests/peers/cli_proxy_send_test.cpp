// polyport behind polyport from the command line: `polyport send` with proxy_send to a
// `polyport serve` listener that requires a PROXY header, in clear and over TLS.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

command_result send(const std::string& url, const std::string& data) {
  return run_command({POLYPORT_BINARY, "send", url, data});
}

TEST(cli_proxy_send, send_with_proxy_send_reaches_a_listener_that_requires_the_header) {
  temp_dir dir;
  test_identity identity = write_test_identity(dir);
  served server({"echo://127.0.0.1:0;transport=tcp;proxy_protocol=v2",
                 "echo://127.0.0.1:0;transport=tls;proxy_protocol=v1;tls_certfile=" + identity.certfile +
                     ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  std::string tcp = "echo://127.0.0.1:" + std::to_string(server.port(0)) + ";transport=tcp";
  std::string tls = "echo://127.0.0.1:" + std::to_string(server.port(1)) + ";transport=tls;tls_cacertfile=" +
                    identity.certfile;

  auto v2 = send(tcp + ";proxy_send=v2;proxy_source=192.0.2.7:4000", "through v2");
  EXPECT_EQ(v2.exit_code, 0) << v2.output;
  EXPECT_EQ(v2.output, "through v2");
  auto v1 = send(tls + ";proxy_send=v1", "v1 then tls");
  EXPECT_EQ(v1.exit_code, 0) << v1.output;
  EXPECT_EQ(v1.output, "v1 then tls");

  auto without = send(tcp, "no header");
  EXPECT_EQ(without.exit_code, 1) << "the listener requires a PROXY header: " << without.output;
}

TEST(cli_proxy_send, a_listener_url_with_proxy_send_is_refused_before_anything_listens) {
  auto refused = run_command({POLYPORT_BINARY, "serve", "echo://127.0.0.1:0;transport=tcp;proxy_send=v2"});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("proxy_send and proxy_source are for outbound connections"), std::string::npos)
      << refused.output;
}

}  // namespace
}  // namespace polyport::testing
