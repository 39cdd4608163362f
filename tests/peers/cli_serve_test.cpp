// The contract of `polyport serve` (DESIGN.md §9): one `listening ...` line per listener, options
// from the URL taking effect, exit code 2 for bad input before anything listens, and a clean
// exit 0 on SIGINT and SIGTERM.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

bool has_listening_line(const std::string& output) {
  return output.find("listening") != std::string::npos;
}

void expect_echo(raw_client& client, const std::string& text) {
  ASSERT_TRUE(client.send_all(text));
  EXPECT_EQ(client.read_exactly(text.size()), text);
}

TEST(cli_serve, prints_the_tcp_ipv4_line_with_the_real_port) {
  served server({"echo://127.0.0.1:0;transport=tcp"});
  ASSERT_TRUE(server.ready());
  auto line = server.listeners().at(0);
  EXPECT_EQ(line.scheme, "echo");
  EXPECT_EQ(line.transport, "tcp");
  EXPECT_TRUE(std::regex_match(line.where, std::regex(R"(127\.0\.0\.1:[1-9][0-9]*)"))) << line.where;
  auto client = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(client);
  expect_echo(*client, "hello over tcp");
}

TEST(cli_serve, prints_the_tcp_ipv6_line_in_brackets) {
  served server({"echo://[::1]:0;transport=tcp"});
  ASSERT_TRUE(server.ready());
  auto line = server.listeners().at(0);
  EXPECT_EQ(line.transport, "tcp");
  EXPECT_TRUE(std::regex_match(line.where, std::regex(R"(\[::1\]:[1-9][0-9]*)"))) << line.where;
  auto client = raw_client::tcp("::1", server.port());
  ASSERT_TRUE(client);
  expect_echo(*client, "hello over ipv6");
}

TEST(cli_serve, prints_the_tls_line) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  served server({"echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile +
                 ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  auto line = server.listeners().at(0);
  EXPECT_EQ(line.scheme, "echo");
  EXPECT_EQ(line.transport, "tls");
  EXPECT_TRUE(std::regex_match(line.where, std::regex(R"(127\.0\.0\.1:[1-9][0-9]*)"))) << line.where;
}

TEST(cli_serve, prints_the_unix_line_with_the_socket_path) {
  temp_dir dir;
  std::string path = dir.file("echo.sock");
  served server({"echo://" + path + ";transport=unix"});
  ASSERT_TRUE(server.ready());
  auto line = server.listeners().at(0);
  EXPECT_EQ(line.transport, "unix");
  EXPECT_EQ(line.where, path);
  auto client = raw_client::unix_socket(path);
  ASSERT_TRUE(client);
  expect_echo(*client, "hello over unix");
}

TEST(cli_serve, prints_one_line_per_url_in_order) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  served server({"echo://127.0.0.1:0;transport=tcp", "echo://" + dir.file("a.sock") + ";transport=unix",
                 "echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile + ";tls_keyfile=" + identity.keyfile});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().at(0).transport, "tcp");
  EXPECT_EQ(server.listeners().at(1).transport, "unix");
  EXPECT_EQ(server.listeners().at(2).transport, "tls");
  EXPECT_NE(server.port(0), server.port(2));
}

TEST(cli_serve, with_no_url_starts_the_demo_set_on_loopback) {
  served server({});
  ASSERT_TRUE(server.ready()) << "the demo uses the fixed ports 5315 and 5316; are they taken?";
  const auto& lines = server.listeners();
  EXPECT_EQ(lines.at(0).transport, "tcp");
  EXPECT_EQ(lines.at(0).where, "127.0.0.1:5315");
  EXPECT_EQ(lines.at(1).transport, "tls");
  EXPECT_EQ(lines.at(1).where, "127.0.0.1:5316");
  EXPECT_EQ(lines.at(2).transport, "unix");
  EXPECT_TRUE(std::filesystem::exists(lines.at(2).where)) << lines.at(2).where;
  auto client = raw_client::unix_socket(lines.at(2).where);
  ASSERT_TRUE(client);
  expect_echo(*client, "demo");
  server.process().signal(SIGINT);
  EXPECT_EQ(server.process().wait_exit(10s), 0);
  EXPECT_FALSE(std::filesystem::exists(lines.at(2).where)) << "the demo's socket file is left behind";
}

struct bad_input {
  std::vector<std::string> urls;
  std::string message;
};

class cli_serve_bad_input : public ::testing::TestWithParam<bad_input> {};

TEST_P(cli_serve_bad_input, exits_2_with_a_message_naming_the_problem) {
  std::vector<std::string> argv{POLYPORT_BINARY, "serve", "--workers", "1"};
  argv.insert(argv.end(), GetParam().urls.begin(), GetParam().urls.end());
  auto outcome = run_command(argv);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find(GetParam().message), std::string::npos) << outcome.output;
  EXPECT_FALSE(has_listening_line(outcome.output)) << outcome.output;
}

INSTANTIATE_TEST_SUITE_P(
    urls, cli_serve_bad_input,
    ::testing::Values(bad_input{{"echo://127.0.0.1:99999;transport=tcp"}, "port out of range"},
                      bad_input{{"echo://127.0.0.1:0;transport=tcp;foo=1"}, "unknown option \"foo\""},
                      bad_input{{"echo://127.0.0.1:0;idle_timeout=abc"}, "invalid option \"idle_timeout=abc\""},
                      bad_input{{"echo://127.0.0.1:0;max_connections=0"}, "max_connections"},
                      bad_input{{"echo://127.0.0.1:0;transport=tls"}, "tls_certfile"},
                      bad_input{{"nosuchscheme://127.0.0.1:0;transport=tcp"}, "nosuchscheme"}));

TEST(cli_serve, a_bad_second_url_leaves_the_valid_first_one_not_listening) {
  temp_dir dir;
  std::string socket_path = dir.file("first.sock");
  std::uint16_t port = free_port();
  auto outcome = run_command({POLYPORT_BINARY, "serve", "--workers", "1",
                              "echo://127.0.0.1:" + std::to_string(port) + ";transport=tcp",
                              "echo://" + socket_path + ";transport=unix", "echo://127.0.0.1:0;bogus=1"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("unknown option \"bogus\""), std::string::npos) << outcome.output;
  EXPECT_FALSE(has_listening_line(outcome.output)) << outcome.output;
  EXPECT_FALSE(std::filesystem::exists(socket_path));
  EXPECT_FALSE(raw_client::tcp("127.0.0.1", port)) << "something listens on the first URL's port";
}

class cli_serve_signal : public ::testing::TestWithParam<int> {};

TEST_P(cli_serve_signal, exits_0_closes_connections_and_removes_the_socket_file) {
  temp_dir dir;
  std::string path = dir.file("echo.sock");
  served server({"echo://127.0.0.1:0;transport=tcp", "echo://" + path + ";transport=unix"});
  ASSERT_TRUE(server.ready());
  auto tcp_client = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(tcp_client);
  expect_echo(*tcp_client, "before the signal");
  ASSERT_TRUE(std::filesystem::exists(path));

  server.process().signal(GetParam());
  EXPECT_EQ(server.process().wait_exit(10s), 0);
  EXPECT_TRUE(tcp_client->closed_by_peer(5s));
  EXPECT_FALSE(std::filesystem::exists(path)) << "the unix socket file is left behind";
  EXPECT_FALSE(raw_client::tcp("127.0.0.1", server.port())) << "still accepting after the signal";
}

INSTANTIATE_TEST_SUITE_P(signals, cli_serve_signal, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGINT ? "sigint" : "sigterm");
                         });

TEST(cli_serve, accepts_every_listener_option_in_the_url) {
  served server({"echo://127.0.0.1:0;transport=tcp;max_connections=20000;idle_timeout=60000;backlog=128;"
                 "acceptors=2;nodelay=true;keepalive=true;sndbuf=65536;rcvbuf=65536;max_frame=1024;tcp_packet=raw"});
  ASSERT_TRUE(server.ready());
  auto client = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(client);
  expect_echo(*client, "options");
}

TEST(cli_serve, idle_timeout_in_the_url_closes_a_silent_client) {
  served server({"echo://127.0.0.1:0;transport=tcp;idle_timeout=500"});
  ASSERT_TRUE(server.ready());
  auto client = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(client);
  expect_echo(*client, "then silence");
  EXPECT_TRUE(client->closed_by_peer(15s)) << "idle_timeout=500 did not close the connection";
}

TEST(cli_serve, max_connections_in_the_url_refuses_the_connection_over_it) {
  served server({"echo://127.0.0.1:0;transport=tcp;max_connections=1"});
  ASSERT_TRUE(server.ready());
  auto first = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(first);
  expect_echo(*first, "first");  // accepted and counted before the second arrives

  auto second = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(second);  // the kernel completes it; polyport then refuses it
  second->send_all("second");
  EXPECT_TRUE(second->closed_by_peer(10s)) << "max_connections=1 let a second connection in";
  expect_echo(*first, "first is still served");
}

}  // namespace
}  // namespace polyport::testing
