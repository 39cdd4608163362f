// The contract of `polyport send` (DESIGN.md §9): prints the first reply and exits 0; one line
// on stderr and exit 1 when refused, timed out or the TLS certificate does not verify; exit 2
// for a bad URL.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

command_result send(const std::string& url, const std::string& data, std::vector<std::string> flags = {}) {
  std::vector<std::string> argv{POLYPORT_BINARY, "send"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(url);
  argv.push_back(data);
  return run_command(argv);
}

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  return lines;
}

std::string tcp_url(std::uint16_t port, const std::string& more = "") {
  return "echo://127.0.0.1:" + std::to_string(port) + ";transport=tcp" + more;
}

TEST(cli_send, prints_the_reply_over_tcp_and_exits_0) {
  served server({"echo://127.0.0.1:0;transport=tcp"});
  ASSERT_TRUE(server.ready());
  auto outcome = send(tcp_url(server.port()), "hello");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_EQ(outcome.output, "hello");
}

TEST(cli_send, prints_the_reply_over_udp_from_both_address_families) {
  served server({"echo://127.0.0.1:0;transport=udp", "echo://[::1]:0;transport=udp"});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().at(0).transport, "udp");
  auto over_v4 = send("echo://127.0.0.1:" + std::to_string(server.port(0)) + ";transport=udp", "datagram");
  EXPECT_EQ(over_v4.exit_code, 0) << over_v4.output;
  EXPECT_EQ(over_v4.output, "datagram");
  auto over_v6 = send("echo://[::1]:" + std::to_string(server.port(1)) + ";transport=udp", "six");
  EXPECT_EQ(over_v6.exit_code, 0) << over_v6.output;
  EXPECT_EQ(over_v6.output, "six");
}

TEST(cli_send, udp_to_a_closed_port_fails_with_one_line) {
  std::uint16_t port = 0;
  {
    served gone({"echo://127.0.0.1:0;transport=udp"});
    ASSERT_TRUE(gone.ready());
    port = gone.port();
  }
  auto outcome = send("echo://127.0.0.1:" + std::to_string(port) + ";transport=udp", "anyone?", {"--timeout", "2000"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_EQ(line_count(outcome.output), 1u) << outcome.output;
}

TEST(cli_send, prints_the_reply_over_ipv6_and_unix) {
  temp_dir dir;
  std::string path = dir.file("echo.sock");
  served server({"echo://[::1]:0;transport=tcp", "echo://" + path + ";transport=unix"});
  ASSERT_TRUE(server.ready());
  auto over_v6 = send("echo://[::1]:" + std::to_string(server.port(0)) + ";transport=tcp", "six");
  EXPECT_EQ(over_v6.exit_code, 0) << over_v6.output;
  EXPECT_EQ(over_v6.output, "six");
  auto over_unix = send("echo://" + path + ";transport=unix", "local");
  EXPECT_EQ(over_unix.exit_code, 0) << over_unix.output;
  EXPECT_EQ(over_unix.output, "local");
}

class cli_send_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<served>(std::vector<std::string>{
        "echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity_.certfile + ";tls_keyfile=" + identity_.keyfile});
    ASSERT_TRUE(server_->ready());
  }
  std::string url(const std::string& host, const std::string& more) const {
    return "echo://" + host + ":" + std::to_string(server_->port()) + ";transport=tls" + more;
  }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
  std::unique_ptr<served> server_;
};

TEST_F(cli_send_tls, without_the_ca_fails_verification_with_exit_1) {
  auto outcome = send(url("127.0.0.1", ""), "secret");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("certificate verify failed"), std::string::npos) << outcome.output;
  EXPECT_EQ(line_count(outcome.output), 1u) << outcome.output;
}

TEST_F(cli_send_tls, succeeds_with_tls_cacertfile_by_ip_and_by_name) {
  auto by_ip = send(url("127.0.0.1", ";tls_cacertfile=" + identity_.certfile), "by ip");
  EXPECT_EQ(by_ip.exit_code, 0) << by_ip.output;
  EXPECT_EQ(by_ip.output, "by ip");
  auto by_name = send(url("localhost", ";tls_cacertfile=" + identity_.certfile), "by name");
  EXPECT_EQ(by_name.exit_code, 0) << by_name.output;
  EXPECT_EQ(by_name.output, "by name");
}

TEST_F(cli_send_tls, succeeds_with_tls_verify_false) {
  auto outcome = send(url("127.0.0.1", ";tls_verify=false"), "unchecked");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_EQ(outcome.output, "unchecked");
}

TEST_F(cli_send_tls, a_certificate_for_another_name_fails_verification) {
  temp_dir other_dir;
  auto other = write_test_identity(other_dir, "other-");
  auto outcome = send(url("127.0.0.1", ";tls_cacertfile=" + other.certfile), "wrong ca");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("certificate verify failed"), std::string::npos) << outcome.output;
}

TEST(cli_send, tcp_packet_4_on_both_sides_round_trips) {
  served server({"echo://127.0.0.1:0;transport=tcp;tcp_packet=4"});
  ASSERT_TRUE(server.ready());
  auto outcome = send(tcp_url(server.port(), ";tcp_packet=4"), "framed");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_EQ(outcome.output, "framed");

  // The same server as a client that is not ours sees the 4-byte big-endian length prefix.
  auto raw = raw_client::tcp("127.0.0.1", server.port());
  ASSERT_TRUE(raw);
  std::string frame = std::string("\0\0\0\x03", 4) + "abc";
  ASSERT_TRUE(raw->send_all(frame));
  EXPECT_EQ(raw->read_exactly(frame.size()), frame);
}

TEST(cli_send, refused_exits_1_with_one_line) {
  auto outcome = send(tcp_url(free_port()), "nobody");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("refused"), std::string::npos) << outcome.output;
  EXPECT_EQ(line_count(outcome.output), 1u) << outcome.output;
}

TEST(cli_send, a_server_that_never_answers_times_out_with_exit_1) {
  silent_listener silent;
  ASSERT_NE(silent.port(), 0);
  auto started = std::chrono::steady_clock::now();
  auto outcome = send(tcp_url(silent.port()), "anyone?", {"--timeout", "1000"});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("1000 ms"), std::string::npos) << outcome.output;
  EXPECT_EQ(line_count(outcome.output), 1u) << outcome.output;
  EXPECT_GE(took, 900ms) << "gave up before the timeout";
  EXPECT_LT(took, 10s) << "the timeout was not applied";
}

TEST(cli_send, a_tls_handshake_that_never_answers_times_out_with_exit_1) {
  silent_listener silent;
  ASSERT_NE(silent.port(), 0);
  auto started = std::chrono::steady_clock::now();
  auto outcome = send("echo://127.0.0.1:" + std::to_string(silent.port()) + ";transport=tls;tls_verify=false", "x",
                      {"--timeout", "1000"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("timed out"), std::string::npos) << outcome.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "the timeout was not applied";
}

TEST(cli_send, bad_urls_exit_2_naming_the_problem) {
  auto bad_port = send("echo://127.0.0.1:99999;transport=tcp", "x");
  EXPECT_EQ(bad_port.exit_code, 2) << bad_port.output;
  EXPECT_NE(bad_port.output.find("port out of range"), std::string::npos) << bad_port.output;

  auto bad_option = send("echo://127.0.0.1:1;transport=tcp;foo=1", "x");
  EXPECT_EQ(bad_option.exit_code, 2) << bad_option.output;
  EXPECT_NE(bad_option.output.find("unknown option \"foo\""), std::string::npos) << bad_option.output;

  auto bad_value = send("echo://127.0.0.1:1;transport=tcp;idle_timeout=soon", "x");
  EXPECT_EQ(bad_value.exit_code, 2) << bad_value.output;
  EXPECT_NE(bad_value.output.find("idle_timeout"), std::string::npos) << bad_value.output;
}

TEST(cli_send, missing_arguments_exit_2) {
  auto outcome = run_command({POLYPORT_BINARY, "send", "echo://127.0.0.1:1;transport=tcp"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  auto no_verb = run_command({POLYPORT_BINARY});
  EXPECT_EQ(no_verb.exit_code, 2) << no_verb.output;
}

}  // namespace
}  // namespace polyport::testing
