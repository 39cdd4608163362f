// `polyport serve` when the machine is not as it expects: an address already taken (exit 1, and
// listeners already started are undone), a unix socket path owned by a live process, by a dead
// one, or by a plain file; and a signal arriving while connections are mid-handshake.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

command_result serve(const std::vector<std::string>& urls) {
  std::vector<std::string> argv{POLYPORT_BINARY, "serve", "--workers", "1"};
  argv.insert(argv.end(), urls.begin(), urls.end());
  return run_command(argv);
}

// Runs `polyport serve` expecting it to fail at once; a serve that runs instead is stopped.
command_result serve_expecting_failure(const std::vector<std::string>& urls) {
  std::vector<std::string> argv{POLYPORT_BINARY, "serve", "--workers", "1"};
  argv.insert(argv.end(), urls.begin(), urls.end());
  child_process process(argv, true);
  command_result outcome;
  outcome.exit_code = process.wait_exit(5s).value_or(-1);
  outcome.output = process.read_all(1s);
  return outcome;
}

TEST(cli_serve_lifecycle, an_address_in_use_exits_1_and_undoes_the_listeners_before_it) {
  silent_listener holder;  // another program's socket on the port
  ASSERT_NE(holder.port(), 0);
  temp_dir dir;
  std::string path = dir.file("first.sock");
  auto outcome = serve_expecting_failure({"echo://" + path + ";transport=unix",
                                          "echo://127.0.0.1:" + std::to_string(holder.port()) + ";transport=tcp"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("Address already in use"), std::string::npos) << outcome.output;
  EXPECT_FALSE(std::filesystem::exists(path)) << "the first listener's socket file is left behind";
}

// Listen sockets share their port with SO_REUSEPORT (one per acceptor), which would also let a
// second polyport of the same user bind it and silently take half the connections.
TEST(cli_serve_lifecycle, a_port_another_polyport_listens_on_is_in_use) {
  served holder({"echo://127.0.0.1:0;transport=tcp"});
  ASSERT_TRUE(holder.ready());
  auto outcome = serve_expecting_failure({"echo://127.0.0.1:" + std::to_string(holder.port()) + ";transport=tcp"});
  EXPECT_EQ(outcome.exit_code, 1) << "the second serve started on a port in use: " << outcome.output;
  EXPECT_NE(outcome.output.find("Address already in use"), std::string::npos) << outcome.output;
}

TEST(cli_serve_lifecycle, a_unix_path_a_live_server_accepts_on_is_not_taken_over) {
  temp_dir dir;
  std::string path = dir.file("shared.sock");
  served first({"echo://" + path + ";transport=unix"});
  ASSERT_TRUE(first.ready());
  auto second = serve({"echo://" + path + ";transport=unix"});
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("another process is accepting on it"), std::string::npos) << second.output;
  auto client = raw_client::unix_socket(path);
  ASSERT_TRUE(client) << "the second serve removed the first one's socket";
  ASSERT_TRUE(client->send_all("still mine"));
  EXPECT_EQ(client->read_exactly(10), "still mine");
}

TEST(cli_serve_lifecycle, a_stale_socket_file_of_a_killed_server_is_reclaimed) {
  temp_dir dir;
  std::string path = dir.file("stale.sock");
  {
    served killed({"echo://" + path + ";transport=unix"});
    ASSERT_TRUE(killed.ready());
    killed.process().signal(SIGKILL);
    ASSERT_TRUE(killed.process().wait_exit(10s));
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << "SIGKILL cannot clean up: the file should remain";
  served again({"echo://" + path + ";transport=unix"});
  ASSERT_TRUE(again.ready());
  auto client = raw_client::unix_socket(path);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_all("reclaimed"));
  EXPECT_EQ(client->read_exactly(9), "reclaimed");
}

TEST(cli_serve_lifecycle, a_plain_file_at_the_unix_path_is_left_alone) {
  temp_dir dir;
  std::string path = dir.file("precious.txt");
  std::ofstream(path) << "keep me";
  auto outcome = serve({"echo://" + path + ";transport=unix"});
  EXPECT_NE(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("not a socket"), std::string::npos) << outcome.output;
  std::ifstream kept(path);
  std::string contents;
  std::getline(kept, contents);
  EXPECT_EQ(contents, "keep me");
}

TEST(cli_serve_lifecycle, idle_timeout_covers_a_tls_handshake_that_never_starts) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  served server({"echo://127.0.0.1:0;transport=tls;idle_timeout=500;tls_certfile=" + identity.certfile +
                 ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  auto silent = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(silent);
  EXPECT_TRUE(silent->closed_by_peer(15s)) << "a client that never sends a ClientHello holds its slot";
}

TEST(cli_serve_lifecycle, sigterm_exits_0_with_handshakes_and_echoes_in_flight) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  std::string path = dir.file("busy.sock");
  served server({"echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile + ";tls_keyfile=" +
                     identity.keyfile,
                 "echo://" + path + ";transport=unix", "echo://127.0.0.1:0;transport=tcp"});
  ASSERT_TRUE(server.ready());
  auto mid_handshake = raw_client::tcp("127.0.0.1", server.port(0));
  ASSERT_TRUE(mid_handshake);
  ASSERT_TRUE(mid_handshake->send_all(std::string("\x16\x03\x01", 3)));  // the start of a ClientHello
  auto over_unix = raw_client::unix_socket(path);
  ASSERT_TRUE(over_unix);
  auto over_tcp = raw_client::tcp("127.0.0.1", server.port(2));
  ASSERT_TRUE(over_tcp);
  // A large write whose echo is still being sent when the signal arrives.
  ASSERT_TRUE(over_tcp->send_all(std::string(64 * 1024, 'z')));

  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().wait_exit(10s), 0);
  EXPECT_TRUE(mid_handshake->closed_by_peer(5s));
  EXPECT_TRUE(over_unix->closed_by_peer(5s));
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace polyport::testing
