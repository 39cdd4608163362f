// OpenSSL's s_client (a TLS client that is not ours) against polyport's TLS listener, started
// in-process: TLS 1.2 and 1.3 forced by the client, echoed data, certificate verification by
// -CAfile with -verify_return_error, and a refused version.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

// The echo, remembering the negotiated TLS version and cipher of every connection it opened.
class recording_echo : public echo_protocol {
 public:
  void on_open(connection& conn) override {
    std::lock_guard lock(mutex_);
    securities_.push_back(conn.security());
  }
  std::vector<std::string> securities() const {
    std::lock_guard lock(mutex_);
    return securities_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> securities_;
};

class openssl_s_client : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("openssl", "openssl"));
    server_.register_protocol("echo", echo_);
  }

  // Starts a TLS echo listener on 127.0.0.1 and returns its port.
  std::uint16_t listen(const std::string& more = "") {
    auto started = server_.listen("echo://127.0.0.1:0;transport=tls;tls_certfile=" + identity_.certfile +
                                  ";tls_keyfile=" + identity_.keyfile + more);
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    return started ? (*started)->local().port : 0;
  }

  std::unique_ptr<child_process> s_client(std::uint16_t port, const std::string& version, const std::string& cafile) {
    return std::make_unique<child_process>(
        std::vector<std::string>{"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), version,
                                 "-CAfile", cafile, "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet",
                                 "-no_ign_eof"},
        true);
  }

  // Sends a line through s_client and expects it back; then ends s_client's input so it exits.
  void expect_echo_through(child_process& client, const std::string& text) {
    client.write_stdin(text + "\n");
    auto line = client.wait_for_line(text, 10s);
    ASSERT_TRUE(line) << "the echo did not come back through s_client";
    EXPECT_EQ(*line, text);
    client.close_stdin();
    EXPECT_EQ(client.wait_exit(10s), 0);
  }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
  std::shared_ptr<recording_echo> echo_ = std::make_shared<recording_echo>();
  runtime server_{runtime_options{.workers = 1}};
};

TEST_F(openssl_s_client, echoes_over_tls_1_2_with_verification) {
  auto port = listen();
  auto client = s_client(port, "-tls1_2", identity_.certfile);
  expect_echo_through(*client, "hello over TLS 1.2");
  auto seen = echo_->securities();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("TLSv1.2", 0), 0u) << seen[0];
}

TEST_F(openssl_s_client, echoes_over_tls_1_3_with_verification) {
  auto port = listen();
  auto client = s_client(port, "-tls1_3", identity_.certfile);
  expect_echo_through(*client, "hello over TLS 1.3");
  auto seen = echo_->securities();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("TLSv1.3", 0), 0u) << seen[0];
}

TEST_F(openssl_s_client, carries_a_large_echo_intact) {
  auto port = listen();
  auto client = s_client(port, "-tls1_3", identity_.certfile);
  std::string long_line(30000, 'x');  // under a pipe buffer: the test writes all before reading
  long_line += "-end";
  expect_echo_through(*client, long_line);
}

TEST_F(openssl_s_client, keeps_echoing_across_tls_1_3_key_updates) {
  auto port = listen();
  auto client = s_client(port, "-tls1_3", identity_.certfile);
  client->write_stdin("before the update\n");
  ASSERT_TRUE(client->wait_for_line("before the update", 10s));
  // s_client's commands: "K" sends a KeyUpdate asking the server to update too, "k" one that does
  // not. s_client reads a command only at the start of what it reads: wait until it took it.
  client->write_stdin("K\n");
  ASSERT_TRUE(client->wait_for_line("KEYUPDATE", 10s));
  client->write_stdin("after K\n");
  ASSERT_TRUE(client->wait_for_line("after K", 10s)) << "no echo after a KeyUpdate that requests one back";
  client->write_stdin("k\n");
  ASSERT_TRUE(client->wait_for_line("KEYUPDATE", 10s));
  expect_echo_through(*client, "after k");
}

TEST_F(openssl_s_client, refuses_client_renegotiation_and_keeps_serving) {
  auto port = listen();
  auto renegotiating = s_client(port, "-tls1_2", identity_.certfile);
  renegotiating->write_stdin("first\n");
  ASSERT_TRUE(renegotiating->wait_for_line("first", 10s));
  renegotiating->write_stdin("R\n");  // s_client's command: renegotiate
  std::string output = renegotiating->read_all(10s);
  EXPECT_NE(output.find("no renegotiation"), std::string::npos) << output;

  auto next = s_client(port, "-tls1_2", identity_.certfile);
  expect_echo_through(*next, "the listener still serves");
}

TEST_F(openssl_s_client, fails_verification_against_another_ca) {
  auto port = listen();
  temp_dir other_dir;
  auto other = write_test_identity(other_dir, "other-");
  auto client = s_client(port, "-tls1_3", other.certfile);
  std::string output = client->read_all(10s);
  EXPECT_NE(client->wait_exit(10s), 0) << output;
  EXPECT_NE(output.find("verify error"), std::string::npos) << output;
  EXPECT_TRUE(echo_->securities().empty()) << "a connection opened although the client refused the certificate";
}

TEST_F(openssl_s_client, a_listener_limited_to_tls_1_3_refuses_tls_1_2) {
  auto port = listen(";tls_versions=tlsv1.3");
  auto refused = s_client(port, "-tls1_2", identity_.certfile);
  std::string output = refused->read_all(10s);
  EXPECT_NE(refused->wait_exit(10s), 0) << output;
  EXPECT_TRUE(echo_->securities().empty());

  auto accepted = s_client(port, "-tls1_3", identity_.certfile);
  expect_echo_through(*accepted, "1.3 still works");
}

}  // namespace
}  // namespace polyport::testing
