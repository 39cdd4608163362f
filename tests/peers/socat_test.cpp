// socat as a client that is not ours, against `polyport serve`: echo round trips over tcp, a
// unix socket and TLS (verified with the test CA), and a clean end when socat's input ends.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

class socat_client : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("socat", "socat"));
    server_ = std::make_unique<served>(std::vector<std::string>{
        "echo://127.0.0.1:0;transport=tcp", "echo://" + socket_path_ + ";transport=unix",
        "echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity_.certfile + ";tls_keyfile=" + identity_.keyfile});
    ASSERT_TRUE(server_->ready());
  }

  // Sends lines through `socat - <address>` and expects each back; then ends socat's input: the
  // echo sees the end and closes, and socat exits 0.
  void expect_round_trips(const std::string& address, const std::vector<std::string>& lines) {
    child_process socat({"socat", "-", address}, true);
    for (const auto& text : lines) {
      socat.write_stdin(text + "\n");
      auto echoed = socat.wait_for_line(text, 10s);
      ASSERT_TRUE(echoed) << "no echo of \"" << text << "\" through socat " << address;
      EXPECT_EQ(*echoed, text);
    }
    socat.close_stdin();
    EXPECT_EQ(socat.wait_exit(10s), 0) << socat.read_all(1s);
  }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
  std::string socket_path_ = dir_.file("echo.sock");
  std::unique_ptr<served> server_;
};

TEST_F(socat_client, echoes_over_tcp) {
  expect_round_trips("TCP:127.0.0.1:" + std::to_string(server_->port(0)), {"hello socat", "second line"});
}

TEST_F(socat_client, echoes_over_the_unix_socket) {
  expect_round_trips("UNIX-CONNECT:" + socket_path_, {"hello over unix", "again"});
}

TEST_F(socat_client, echoes_over_tls_verified_with_the_ca) {
  expect_round_trips("OPENSSL:127.0.0.1:" + std::to_string(server_->port(2)) + ",cafile=" + identity_.certfile,
                     {"hello over tls", "and more"});
}

TEST_F(socat_client, refuses_tls_with_a_ca_that_did_not_sign_the_certificate) {
  temp_dir other_dir;
  auto other = write_test_identity(other_dir, "other-");
  child_process socat(
      {"socat", "-", "OPENSSL:127.0.0.1:" + std::to_string(server_->port(2)) + ",cafile=" + other.certfile}, true);
  std::string output = socat.read_all(10s);
  EXPECT_NE(socat.wait_exit(10s), 0) << output;
  EXPECT_NE(output.find("certificate verify failed"), std::string::npos) << output;
}

TEST_F(socat_client, carries_a_large_transfer_over_tcp_intact) {
  // Many lines, written before any is read back: under a pipe buffer each way, so no deadlock.
  std::vector<std::string> lines;
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    lines.push_back("line " + std::to_string(i) + " " + std::string(20, static_cast<char>('a' + i % 26)));
    all += lines.back() + "\n";
  }
  child_process socat({"socat", "-", "TCP:127.0.0.1:" + std::to_string(server_->port(0))}, true);
  socat.write_stdin(all);
  for (const auto& expected : lines) {
    auto line = socat.read_line(10s);
    ASSERT_TRUE(line) << "the echo stopped before \"" << expected << "\"";
    ASSERT_EQ(*line, expected);
  }
  socat.close_stdin();
  EXPECT_EQ(socat.wait_exit(10s), 0);
}

}  // namespace
}  // namespace polyport::testing
