// STUN on polyport's own UDP listeners, asked by coturn's turnutils_stunclient: a `stun://`
// listener of `polyport serve`, and an echo listener with udp_stun_reply that answers Binding
// requests on its socket while its peers still get their echo. And the other way: a listener
// asks coturn's turnserver for its own address (`polyport admin PATH stun N ...`).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
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

TEST(stun_listener, a_udp_listener_learns_its_own_address_from_turnserver) {
  ASSERT_TRUE(has_program("turnserver", "coturn"));
  coturn_stun_server coturn;
  ASSERT_TRUE(coturn.ready());
  temp_dir dir;
  std::string admin_path = dir.file("admin.sock");
  child_process server({POLYPORT_BINARY, "serve", "--workers", "2", "--admin", admin_path,
                        "echo://127.0.0.1:0;transport=udp", "echo://[::1]:0;transport=udp"});
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 2; ++i) {
    auto line = server.wait_for_line("listening echo udp");
    ASSERT_TRUE(line) << "polyport serve printed no echo listening line";
    ports.push_back(parse_listening_line(*line)->port);
  }
  ASSERT_TRUE(server.wait_for_line("listening admin unix " + admin_path));
  std::string coturn_port = std::to_string(coturn.port());
  // Listener 1 (IPv4) and 2 (IPv6), each asked from its own socket: the mapped port is the
  // listener's, not a fresh socket's. localhost names both families; the listener picks its own.
  auto v4 = run_command({POLYPORT_BINARY, "admin", admin_path, "stun", "1", "localhost:" + coturn_port});
  EXPECT_EQ(v4.exit_code, 0) << v4.output;
  EXPECT_NE(v4.output.find("mapped 127.0.0.1:" + std::to_string(ports[0]) + "\n"), std::string::npos) << v4.output;
  auto v6 = run_command({POLYPORT_BINARY, "admin", admin_path, "stun", "2", "[::1]:" + coturn_port});
  EXPECT_EQ(v6.exit_code, 0) << v6.output;
  EXPECT_NE(v6.output.find("mapped [::1]:" + std::to_string(ports[1]) + "\n"), std::string::npos) << v6.output;
  // The listener still echoes.
  auto echoed = run_command({POLYPORT_BINARY, "send", "echo://127.0.0.1:" + std::to_string(ports[0]) + ";transport=udp",
                             "after stun"});
  EXPECT_EQ(echoed.exit_code, 0) << echoed.output;
  EXPECT_NE(echoed.output.find("after stun"), std::string::npos) << echoed.output;
  // A port where nothing answers: a clear error within the admin client's wait.
  auto silent = run_command({POLYPORT_BINARY, "admin", admin_path, "stun", "1", "127.0.0.1:" + std::to_string(free_udp_port())});
  EXPECT_NE(silent.exit_code, 0);
  EXPECT_NE(silent.output.find("no answer from STUN server"), std::string::npos) << silent.output;
}

}  // namespace
}  // namespace polyport::testing
