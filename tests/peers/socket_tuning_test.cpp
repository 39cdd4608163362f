// TCP keepalive options as the kernel reports them: `ss` (iproute2) shows a server connection's
// keepalive timer, and `polyport serve` URLs set it. Without the options there is no timer.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

// The `ss` line of the established connection whose local port is `port`, with its timers.
std::string socket_line(std::uint16_t port) {
  auto listed = run_command({"ss", "-tnoH", "state", "established", "( sport = :" + std::to_string(port) + " )"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  return listed.output;
}

TEST(socket_tuning, keepalive_options_reach_the_kernel) {
  ASSERT_TRUE(has_program("ss", "iproute2"));
  served server({"echo://127.0.0.1:0;transport=tcp;keepalive_idle=77;keepalive_interval=7;keepalive_count=3",
                 "echo://127.0.0.1:0;transport=tcp"});
  ASSERT_TRUE(server.ready());
  auto tuned = raw_client::tcp("127.0.0.1", server.port(0));
  auto plain = raw_client::tcp("127.0.0.1", server.port(1));
  ASSERT_TRUE(tuned && plain);
  // A round trip each, so the server has accepted both connections.
  ASSERT_TRUE(tuned->send_all("a\n") && plain->send_all("b\n"));
  ASSERT_EQ(tuned->read_exactly(2), "a\n");
  ASSERT_EQ(plain->read_exactly(2), "b\n");

  std::string with_options = socket_line(server.port(0));
  // e.g. "timer:(keepalive,1min16sec,0)": armed at 77 s when the connection went quiet.
  EXPECT_NE(with_options.find("timer:(keepalive,1min1"), std::string::npos) << with_options;
  EXPECT_EQ(socket_line(server.port(1)).find("keepalive"), std::string::npos) << socket_line(server.port(1));
}

}  // namespace
}  // namespace polyport::testing
