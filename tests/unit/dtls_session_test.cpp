// A DTLS client session and a listener's gate and session, wired to each other in memory: the
// cookie exchange, the handshake, one message per record, garbage, retransmission and
// close_notify, with no socket.

#include "transport/dtls_session.hpp"

#include <gtest/gtest.h>

#include <string>

#include "listener/dtls_gate.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace polyport::detail {
namespace {

using testing::temp_dir;
using testing::write_test_identity;

endpoint at(std::string_view ip, std::uint16_t port) { return endpoint{*ip_address::parse(ip), port, {}}; }

std::span<const std::byte> bytes(const std::string& text) { return std::as_bytes(std::span(text.data(), text.size())); }

std::string text(const std::vector<std::byte>& data) { return {reinterpret_cast<const char*>(data.data()), data.size()}; }

class dtls_session_test : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_options server_options;
    server_options.certfile = identity_.certfile;
    server_options.keyfile = identity_.keyfile;
    gate_ = dtls_gate::make(server_options, 1, 1400).value();
    tls_options client_options;
    client_options.cacertfile = identity_.certfile;
    client_context_ = make_tls_context(tls_role::client, client_options, tls_wire::datagram).value();
    client_ = dtls_session::connect(*client_context_, "127.0.0.1", 1400).value();
  }

  // The cookie exchange: the server's session, admitted by the gate.
  std::unique_ptr<dtls_session> admit() {
    auto hello = client_->begin();
    EXPECT_EQ(hello.datagrams.size(), 1u);
    auto verify = gate_->screen(0, hello.datagrams.at(0), from_);
    EXPECT_EQ(verify.what, dtls_gate::verdict::kind::answered);
    auto with_cookie = client_->receive(verify.reply);
    EXPECT_EQ(with_cookie.datagrams.size(), 1u);
    auto admitted = gate_->screen(0, with_cookie.datagrams.at(0), from_);
    EXPECT_EQ(admitted.what, dtls_gate::verdict::kind::admitted);
    return std::move(admitted.session);
  }

  // Carries each side's datagrams to the other until neither has more.
  void carry(dtls_session& server, std::vector<std::vector<std::byte>> to_client) {
    std::vector<std::vector<std::byte>> to_server;
    while (!to_client.empty() || !to_server.empty()) {
      for (const auto& datagram : std::exchange(to_client, {})) {
        auto step = client_->receive(datagram);
        ASSERT_TRUE(step.failure.empty()) << step.failure;
        to_server.insert(to_server.end(), step.datagrams.begin(), step.datagrams.end());
      }
      for (const auto& datagram : std::exchange(to_server, {})) {
        auto step = server.receive(datagram);
        ASSERT_TRUE(step.failure.empty()) << step.failure;
        to_client.insert(to_client.end(), step.datagrams.begin(), step.datagrams.end());
      }
    }
  }

  temp_dir dir_;
  testing::test_identity identity_ = write_test_identity(dir_);
  std::unique_ptr<dtls_gate> gate_;
  std::shared_ptr<tls_context> client_context_;
  std::unique_ptr<dtls_session> client_;
  endpoint from_ = at("127.0.0.1", 40000);
};

TEST_F(dtls_session_test, handshake_then_one_message_per_record_then_close_notify) {
  auto server = admit();
  ASSERT_TRUE(server);
  auto first_flight = server->begin();
  ASSERT_TRUE(first_flight.failure.empty()) << first_flight.failure;
  EXPECT_TRUE(server->retransmit_in().has_value()) << "a flight in the air has a retransmission timer";
  carry(*server, first_flight.datagrams);
  ASSERT_TRUE(client_->established());
  ASSERT_TRUE(server->established());
  EXPECT_EQ(client_->description().rfind("DTLSv1.2 ", 0), 0u) << client_->description();

  auto sealed = client_->seal(bytes("ping"));
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  ASSERT_EQ(sealed->size(), 1u) << "one message, one datagram";
  auto received = server->receive(sealed->at(0));
  ASSERT_EQ(received.messages.size(), 1u);
  EXPECT_EQ(text(received.messages[0]), "ping");
  EXPECT_FALSE(client_->seal({}).ok()) << "an empty message is refused, not sent as nothing";

  auto goodbye = client_->close();
  ASSERT_FALSE(goodbye.empty());
  auto closed = server->receive(goodbye.at(0));
  EXPECT_TRUE(closed.peer_closed);
  EXPECT_TRUE(closed.failure.empty()) << closed.failure;
}

TEST_F(dtls_session_test, the_gate_answers_a_cookie_from_another_address_with_a_new_one) {
  auto hello = client_->begin();
  auto verify = gate_->screen(0, hello.datagrams.at(0), from_);
  ASSERT_EQ(verify.what, dtls_gate::verdict::kind::answered);
  auto with_cookie = client_->receive(verify.reply);
  auto elsewhere = gate_->screen(0, with_cookie.datagrams.at(0), at("127.0.0.1", 40001));
  EXPECT_EQ(elsewhere.what, dtls_gate::verdict::kind::answered);
  EXPECT_FALSE(elsewhere.session);
  EXPECT_EQ(gate_->screen(0, bytes("garbage"), from_).what, dtls_gate::verdict::kind::dropped);
  EXPECT_EQ(gate_->screen(0, with_cookie.datagrams.at(0), from_).what, dtls_gate::verdict::kind::admitted)
      << "the gate still works after a refusal and garbage";
}

TEST_F(dtls_session_test, a_forged_record_mid_handshake_does_not_end_it) {
  auto server = admit();
  ASSERT_TRUE(server);
  auto first_flight = server->begin();
  // Well-formed on the outside, nonsense inside: OpenSSL drops it (RFC 6347 §4.1.2.7), whether
  // it is long enough to be opened (40 bytes) or too short for the cipher's nonce and tag (20).
  for (std::size_t length : {40, 20}) {
    std::string forged("\x16\xfe\xfd\x00\x01\x00\x00\x00\x00\x00\x09\x00", 12);
    forged += static_cast<char>(length);
    forged += std::string(length, 'j');
    auto step = server->receive(bytes(forged));
    EXPECT_TRUE(step.failure.empty()) << step.failure;
  }
  carry(*server, first_flight.datagrams);
  ASSERT_TRUE(server->established());
  auto sealed = client_->seal(bytes("still talking"));
  ASSERT_TRUE(sealed.ok());
  auto received = server->receive(sealed->at(0));
  ASSERT_EQ(received.messages.size(), 1u) << received.failure;
  EXPECT_EQ(text(received.messages[0]), "still talking");
}

TEST_F(dtls_session_test, an_untrusted_server_fails_the_clients_handshake_with_the_reason) {
  tls_options trusting_nobody;
  trusting_nobody.cacertfile = write_test_identity(dir_, "other-").certfile;
  auto context = make_tls_context(tls_role::client, trusting_nobody, tls_wire::datagram).value();
  client_ = dtls_session::connect(*context, "127.0.0.1", 1400).value();
  auto server = admit();
  ASSERT_TRUE(server);
  std::string failure;
  auto to_client = server->begin().datagrams;
  for (const auto& datagram : to_client) {
    auto step = client_->receive(datagram);
    if (!step.failure.empty()) {
      failure = step.failure;
    }
  }
  EXPECT_NE(failure.find("certificate verify failed"), std::string::npos) << failure;
}

TEST_F(dtls_session_test, a_lost_flight_is_sent_again_when_the_timer_says) {
  auto hello = client_->begin();
  ASSERT_EQ(hello.datagrams.size(), 1u);  // lost on the way
  ASSERT_TRUE(client_->retransmit_in().has_value());
  ASSERT_TRUE(testing::eventually([&] { return client_->retransmit_in() == std::chrono::milliseconds(0); }));
  auto again = client_->retransmit();
  ASSERT_TRUE(again.failure.empty()) << again.failure;
  ASSERT_EQ(again.datagrams.size(), 1u);
  EXPECT_EQ(gate_->screen(0, again.datagrams[0], from_).what, dtls_gate::verdict::kind::answered);
}

TEST(dtls_context, tls_versions_other_than_tlsv1_2_are_refused_for_dtls) {
  tls_options options;
  options.versions = {"tlsv1.3"};
  auto refused = make_tls_context(tls_role::client, options, tls_wire::datagram);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "tls_versions \"tlsv1.3\": dtls supports tlsv1.2 only");
  tls_options none;
  auto no_certificate = dtls_gate::make(none, 1, 1400);
  ASSERT_FALSE(no_certificate.ok());
  EXPECT_EQ(no_certificate.error().message, "tls_certfile is required for a DTLS server");
}

}  // namespace
}  // namespace polyport::detail
