// polyport's STUN server and client against coturn (PEERS.md): turnutils_stunclient reads its
// reflexive address from polyport's Binding responder, and `polyport stun` reads its mapped
// address from turnserver --stun-only, over IPv4 and IPv6. Here the responder runs on the test's own
// UDP socket (udp_stun_server); stun_listener_test asks polyport's UDP listeners.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/udp_peer.hpp"
#include "support/child_process.hpp"
#include "support/udp_stun_server.hpp"

namespace polyport::testing {
namespace {

command_result stunclient(const std::string& ip, std::uint16_t port) {
  // turnutils_stunclient waits forever for an answer: `timeout` bounds it.
  return run_command({"timeout", "5", "turnutils_stunclient", "-L", ip, "-p", std::to_string(port), ip});
}

command_result polyport_stun(const std::string& server, std::vector<std::string> flags = {}) {
  std::vector<std::string> argv{POLYPORT_BINARY, "stun"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(server);
  return run_command(argv);
}

TEST(stun_coturn, turnutils_stunclient_reads_its_reflexive_address_from_polyport) {
  ASSERT_TRUE(has_program("turnutils_stunclient", "coturn"));
  for (std::string ip : {"127.0.0.1", "::1"}) {
    udp_stun_server server(ip);
    ASSERT_TRUE(server.ok());
    auto outcome = stunclient(ip, server.port());
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
    // coturn prints IPv6 addresses without brackets: "::1:40661".
    endpoint reflexive = server.last_answered();
    std::string expected =
        "UDP reflexive addr: " + reflexive.address.to_string() + ":" + std::to_string(reflexive.port);
    EXPECT_NE(outcome.output.find(expected), std::string::npos) << "expected \"" << expected << "\" in:\n"
                                                                << outcome.output;
    EXPECT_GE(server.responder().answered(), 1U);
    EXPECT_EQ(server.responder().dropped(), 0U);
  }
}

TEST(stun_coturn, polyport_stun_reads_its_mapped_address_from_turnserver) {
  ASSERT_TRUE(has_program("turnserver", "coturn"));
  coturn_stun_server coturn;
  ASSERT_TRUE(coturn.ready());
  auto over_v4 = polyport_stun("127.0.0.1:" + std::to_string(coturn.port()));
  EXPECT_EQ(over_v4.exit_code, 0) << over_v4.output;
  EXPECT_TRUE(over_v4.output.starts_with("mapped 127.0.0.1:")) << over_v4.output;
  auto over_v6 = polyport_stun("[::1]:" + std::to_string(coturn.port()));
  EXPECT_EQ(over_v6.exit_code, 0) << over_v6.output;
  EXPECT_TRUE(over_v6.output.starts_with("mapped [::1]:")) << over_v6.output;
  auto by_name = polyport_stun("localhost:" + std::to_string(coturn.port()));
  EXPECT_EQ(by_name.exit_code, 0) << by_name.output;
  EXPECT_TRUE(by_name.output.starts_with("mapped 127.0.0.1:")) << by_name.output;
}

}  // namespace
}  // namespace polyport::testing
