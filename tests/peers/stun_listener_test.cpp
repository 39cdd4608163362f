// STUN on polyport's own UDP listeners, asked by coturn's turnutils_stunclient: a `stun://`
// listener of `polyport serve`, and an echo listener with udp_stun_reply that answers Binding
// requests on its socket while its peers still get their echo.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/udp_peer.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

command_result stunclient(std::uint16_t port) {
  // turnutils_stunclient waits forever for an answer: `timeout` bounds it.
  return run_command({"timeout", "5", "turnutils_stunclient", "-L", "127.0.0.1", "-p", std::to_string(port), "127.0.0.1"});
}

TEST(stun_listener, polyport_serve_stun_answers_turnutils_stunclient) {
  ASSERT_TRUE(has_program("turnutils_stunclient", "coturn"));
  served server({"stun://127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().front().transport, "udp");
  auto outcome = stunclient(server.port());
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("UDP reflexive addr: 127.0.0.1:"), std::string::npos) << outcome.output;
}

TEST(stun_listener, udp_stun_reply_answers_stun_and_leaves_the_rest_to_the_protocol) {
  ASSERT_TRUE(has_program("turnutils_stunclient", "coturn"));
  served server({"echo://127.0.0.1:0;transport=udp;udp_stun_reply=true"});
  ASSERT_TRUE(server.ready());
  auto outcome = stunclient(server.port());
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("UDP reflexive addr: 127.0.0.1:"), std::string::npos) << outcome.output;
  auto echoed = run_command({POLYPORT_BINARY, "send", "echo://127.0.0.1:" + std::to_string(server.port()) + ";transport=udp",
                             "not stun"});
  EXPECT_EQ(echoed.exit_code, 0) << echoed.output;
  EXPECT_NE(echoed.output.find("not stun"), std::string::npos) << echoed.output;
}

}  // namespace
}  // namespace polyport::testing
