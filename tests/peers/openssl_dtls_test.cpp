// OpenSSL as the DTLS peer polyport did not write, both ways: `openssl s_client -dtls1_2`
// against a polyport dtls echo listener (IPv4 and IPv6, with the cookie exchange, close_notify
// at the end), and polyport's dtls client against `openssl s_server -dtls1_2 -listen` (bytes
// both ways; an untrusted certificate is refused with a clear error).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "peers/security_recorder.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/udp_peer.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;


class openssl_dtls : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(has_program("openssl", "openssl")); }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
};

TEST_F(openssl_dtls, s_client_echoes_through_a_polyport_dtls_listener_over_ipv4_and_ipv6) {
  auto echo = std::make_shared<security_recorder>(true);
  runtime server{runtime_options{.workers = 1}};
  server.register_protocol("echo", echo);
  for (std::string host : {"127.0.0.1", "[::1]"}) {
    auto started = server.listen("echo://" + host + ":0;transport=dtls;tls_certfile=" + identity_.certfile +
                                 ";tls_keyfile=" + identity_.keyfile);
    ASSERT_TRUE(started) << started.error().message;
    auto listener = *started;
    std::string ip = host == "[::1]" ? "::1" : host;
    child_process client({"openssl", "s_client", "-dtls1_2", "-connect", host + ":" + std::to_string(listener->local().port),
                          "-CAfile", identity_.certfile, "-verify_return_error", "-verify_ip", ip, "-quiet",
                          "-no_ign_eof"},
                         true);
    client.write_stdin("hello over dtls\n");
    auto line = client.wait_for_line("hello over dtls", 15s);
    ASSERT_TRUE(line) << "the echo did not come back through s_client over " << host;
    EXPECT_EQ(listener->stats().dtls_cookies_sent, 1u) << "s_client went through the cookie exchange";
    client.close_stdin();
    EXPECT_EQ(client.wait_exit(10s), 0);
    EXPECT_TRUE(eventually([&] { return listener->stats().closed_by(close_reason::peer_closed) == 1; }))
        << "s_client's close_notify did not close the connection";
    listener->stop();
  }
  auto securities = echo->securities();
  ASSERT_EQ(securities.size(), 2u);
  EXPECT_EQ(securities[0].rfind("DTLSv1.2", 0), 0u) << securities[0];
}

class openssl_s_server_dtls : public openssl_dtls {
 protected:
  void SetUp() override {
    openssl_dtls::SetUp();
    client_.register_protocol("echo", recorder_);
    // s_server prints ACCEPT once its socket is bound. A port taken meanwhile: try another.
    for (int attempt = 0; attempt < 5 && !s_server_; ++attempt) {
      port_ = free_udp_port();
      auto started = std::make_unique<child_process>(
          std::vector<std::string>{"openssl", "s_server", "-dtls1_2", "-listen", "-accept",
                                   "127.0.0.1:" + std::to_string(port_), "-cert", identity_.certfile, "-key",
                                   identity_.keyfile},
          true);
      if (started->wait_for_line("ACCEPT", 10s)) {
        s_server_ = std::move(started);
      }
    }
    ASSERT_TRUE(s_server_) << "openssl s_server -dtls1_2 did not start";
  }

  std::string url(const std::string& more) const {
    return "echo://127.0.0.1:" + std::to_string(port_) + ";transport=dtls;connect_timeout=10000" + more;
  }

  std::shared_ptr<security_recorder> recorder_ = std::make_shared<security_recorder>();
  runtime client_{runtime_options{.workers = 1}};
  std::unique_ptr<child_process> s_server_;
  std::uint16_t port_ = 0;
};

TEST_F(openssl_s_server_dtls, polyports_client_exchanges_bytes_both_ways) {
  auto conn = client_.connect(url(";tls_cacertfile=" + identity_.certfile)).get();
  ASSERT_TRUE(conn) << conn.error().message;
  conn->send("hello from polyport\n");
  ASSERT_TRUE(s_server_->wait_for_line("hello from polyport", 10s)) << "s_server did not print what polyport sent";
  s_server_->write_stdin("hello from s_server\n");
  EXPECT_TRUE(recorder_->wait_for("hello from s_server\n", 10s));
  auto securities = recorder_->securities();
  ASSERT_EQ(securities.size(), 1u);
  EXPECT_EQ(securities[0].rfind("DTLSv1.2", 0), 0u) << securities[0];
  conn->close();
}

TEST_F(openssl_s_server_dtls, an_untrusted_certificate_is_refused_with_a_clear_error) {
  auto conn = client_.connect(url("")).get();
  EXPECT_TRUE(refused_as_untrusted(conn, *recorder_));
}

}  // namespace
}  // namespace polyport::testing
