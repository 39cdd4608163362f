// polyport's TLS client against OpenSSL's s_server (a TLS server that is not ours): bytes go both
// ways, the certificate verifies with tls_cacertfile and fails without it, with a clear error.
//
// s_server exits when its stdin ends; here stdin is the test's pipe, held open until the test
// stops it (PEERS.md's read-write FIFO does the same for a shell), and what the test writes to
// it, s_server sends to the client.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "peers/security_recorder.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;


class openssl_s_server : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("openssl", "openssl"));
    client_.register_protocol("echo", recorder_);
    start_s_server({});
    ASSERT_TRUE(s_server_) << "openssl s_server did not start: " << startup_output_;
  }

  // s_server prints ACCEPT once it listens. The port was free a moment ago; if something took it
  // since, s_server exits at once and another port is tried.
  void start_s_server(const std::vector<std::string>& more) {
    for (int attempt = 0; attempt < 5 && !s_server_; ++attempt) {
      port_ = free_port();
      std::vector<std::string> argv{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_),
                                    "-cert", identity_.certfile, "-key", identity_.keyfile};
      argv.insert(argv.end(), more.begin(), more.end());
      auto started = std::make_unique<child_process>(argv, true);
      std::string seen;
      for (auto line = started->read_line(10s); line; line = started->read_line(10s)) {
        seen += *line + "\n";
        if (*line == "ACCEPT") {
          s_server_ = std::move(started);
          break;
        }
      }
      startup_output_ += seen;
    }
  }

  std::string url(const std::string& more) const {
    return "echo://127.0.0.1:" + std::to_string(port_) + ";transport=tls;connect_timeout=10000" + more;
  }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
  std::shared_ptr<security_recorder> recorder_ = std::make_shared<security_recorder>();
  runtime client_{runtime_options{.workers = 1}};
  std::unique_ptr<child_process> s_server_;
  std::string startup_output_;
  std::uint16_t port_ = 0;
};

TEST_F(openssl_s_server, bytes_flow_both_ways_with_tls_cacertfile) {
  auto conn = client_.connect(url(";tls_cacertfile=" + identity_.certfile)).get();
  ASSERT_TRUE(conn) << conn.error().message;

  conn->send("hello from polyport\n");
  auto seen = s_server_->wait_for_line("hello from polyport", 10s);
  ASSERT_TRUE(seen) << "s_server did not print what polyport sent";

  s_server_->write_stdin("hello from s_server\n");
  EXPECT_TRUE(recorder_->wait_for("hello from s_server\n", 10s)) << "polyport received: " << recorder_->received();

  auto securities = recorder_->securities();
  ASSERT_EQ(securities.size(), 1u);
  EXPECT_EQ(securities[0].rfind("TLSv1.3", 0), 0u) << securities[0];
  conn->close();
}

TEST_F(openssl_s_server, verifies_by_name_with_tls_cacertfile) {
  auto conn = client_.connect("echo://localhost:" + std::to_string(port_) +
                              ";transport=tls;connect_timeout=10000;tls_cacertfile=" + identity_.certfile)
                  .get();
  ASSERT_TRUE(conn) << conn.error().message;
  conn->send("by name\n");
  EXPECT_TRUE(s_server_->wait_for_line("by name", 10s));
  conn->close();
}

TEST_F(openssl_s_server, negotiates_tls_1_2_when_the_client_asks_for_it) {
  auto conn = client_.connect(url(";tls_versions=tlsv1.2;tls_cacertfile=" + identity_.certfile)).get();
  ASSERT_TRUE(conn) << conn.error().message;
  conn->send("over 1.2\n");
  EXPECT_TRUE(s_server_->wait_for_line("over 1.2", 10s));
  auto securities = recorder_->securities();
  ASSERT_EQ(securities.size(), 1u);
  EXPECT_EQ(securities[0].rfind("TLSv1.2", 0), 0u) << securities[0];
  conn->close();
}

TEST_F(openssl_s_server, without_the_ca_verification_fails_with_a_clear_error) {
  auto conn = client_.connect(url("")).get();
  EXPECT_TRUE(refused_as_untrusted(conn, *recorder_));
}

TEST_F(openssl_s_server, a_ca_that_did_not_sign_the_certificate_fails_verification) {
  temp_dir other_dir;
  auto other = write_test_identity(other_dir, "other-");
  auto conn = client_.connect(url(";tls_cacertfile=" + other.certfile)).get();
  EXPECT_TRUE(refused_as_untrusted(conn, *recorder_));
}

TEST_F(openssl_s_server, tls_verify_false_connects_without_the_ca) {
  auto conn = client_.connect(url(";tls_verify=false")).get();
  ASSERT_TRUE(conn) << conn.error().message;
  conn->send("unverified\n");
  EXPECT_TRUE(s_server_->wait_for_line("unverified", 10s));
  conn->close();
}

}  // namespace
}  // namespace polyport::testing
