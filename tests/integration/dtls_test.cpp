// DTLS listeners and clients on loopback: echo over IPv4 and IPv6, the stateless cookie
// exchange (a ClientHello without a valid cookie makes no connection), garbage during a
// handshake dropped and counted, max_connections, close_notify both ways, certificate checks
// and the options dtls refuses.

#include <gtest/gtest.h>

#include "dtls_wire.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "recording_protocol.hpp"
#include "support/temp_dir.hpp"
#include "support/udp_client.hpp"
#include "support/wait.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

class dtls_test : public ::testing::Test {
 protected:
  void SetUp() override {
    server_rt.register_protocol("echo", std::make_shared<echo_protocol>());
    server_rt.register_protocol("rec", server_side);
    client_rt.register_protocol("echo", client_side);
    client_rt.register_protocol("rec", client_side);
  }
  std::shared_ptr<listener> listen(std::string_view scheme, std::string_view params = "",
                                   std::string_view host = "127.0.0.1") {
    std::string url = std::string(scheme) + "://" + std::string(host) + ":0;transport=dtls;tls_certfile=" +
                      shared_identity().certfile + ";tls_keyfile=" + shared_identity().keyfile;
    if (!params.empty()) {
      url += ";" + std::string(params);
    }
    auto started = server_rt.listen(url);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started ? *started : nullptr;
  }
  static std::string connect_url(std::string_view scheme, const listener& to, std::string_view params = "") {
    std::string host = to.local().address.is_v6 ? "[::1]" : "127.0.0.1";
    std::string url = std::string(scheme) + "://" + host + ":" + std::to_string(to.local().port) +
                      ";transport=dtls;tls_cacertfile=" + shared_identity().certfile;
    return params.empty() ? url : url + ";" + std::string(params);
  }
  static std::string listen_error(std::string_view params) {
    runtime rt{{.workers = 1}};
    rt.register_protocol("echo", std::make_shared<echo_protocol>());
    auto started = rt.listen("echo://127.0.0.1:0;transport=dtls;" + std::string(params));
    return started ? std::string("listening") : started.error().message;
  }

  runtime server_rt{{.workers = 2}};
  runtime client_rt{{.workers = 1}};
  std::shared_ptr<recording_protocol> server_side = std::make_shared<recording_protocol>(true);
  std::shared_ptr<recording_protocol> client_side = std::make_shared<recording_protocol>();
};

TEST_F(dtls_test, echo_over_ipv4_and_ipv6_through_polyports_client) {
  for (std::string host : {"127.0.0.1", "[::1]"}) {
    auto server = listen("echo", "", host);
    ASSERT_TRUE(server);
    auto sent = within(client_rt.send(connect_url("echo", *server), as_bytes("hello " + host)));
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    ASSERT_TRUE(client_side->wait_for([&](const auto& records) {
      return std::any_of(records.begin(), records.end(),
                         [&](const auto& r) { return r.messages == std::vector<std::string>{"hello " + host}; });
    })) << "no echo over " << host;
    EXPECT_EQ(server->stats().accepted, 1u);
    EXPECT_EQ(server->stats().dtls_cookies_sent, 1u) << "the client went through the cookie exchange";
    EXPECT_EQ(server->stats().bytes_in, ("hello " + host).size()) << "bytes count plaintext";
    server->stop();
  }
}

TEST_F(dtls_test, a_client_hello_without_a_valid_cookie_makes_no_connection) {
  auto server = listen("rec");
  ASSERT_TRUE(server);
  // Spoofed sources: each gets a HelloVerifyRequest at its address, and nothing is kept.
  for (std::string source : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    dtls_wire_client spoofed(source, shared_identity().certfile);
    ASSERT_TRUE(spoofed.socket().send_to(spoofed.first_flight(), server->local()));
    auto answer = spoofed.socket().receive();
    ASSERT_TRUE(answer) << "no HelloVerifyRequest for " << source;
    EXPECT_TRUE(is_hello_verify_request(answer->bytes));
    EXPECT_EQ(answer->from, server->local());
  }
  EXPECT_EQ(server->stats().dtls_cookies_sent, 3u);
  EXPECT_EQ(server->stats().accepted, 0u);
  EXPECT_EQ(server->stats().current, 0u);

  // A cookie made for another address is no good here either.
  dtls_wire_client first("127.0.0.5", shared_identity().certfile);
  ASSERT_TRUE(first.socket().send_to(first.first_flight(), server->local()));
  auto verify = first.socket().receive();
  ASSERT_TRUE(verify);
  auto with_cookie = first.feed(verify->bytes);
  ASSERT_EQ(with_cookie.size(), 1u);
  udp_client elsewhere("127.0.0.6");
  ASSERT_TRUE(elsewhere.send_to(with_cookie.front(), server->local()));
  auto again = elsewhere.receive();
  ASSERT_TRUE(again);
  EXPECT_TRUE(is_hello_verify_request(again->bytes)) << "a replayed cookie is answered with a new one";
  EXPECT_EQ(server->stats().accepted, 0u);
}

TEST_F(dtls_test, garbage_before_and_during_a_handshake_is_dropped_and_counted) {
  auto server = listen("rec");
  ASSERT_TRUE(server);
  udp_client stranger("127.0.0.1", std::chrono::milliseconds(300));
  ASSERT_TRUE(stranger.send_to("not dtls at all", server->local()));
  EXPECT_FALSE(stranger.receive());
  ASSERT_TRUE(eventually([&] { return server->stats().datagrams_dropped == 1; }));
  EXPECT_EQ(server->stats().accepted, 0u);

  dtls_wire_client peer("127.0.0.1", shared_identity().certfile);
  std::string truncated_record("\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x05\x00\x64garbage", 20);
  auto failed = peer.handshake(server->local(), truncated_record);
  ASSERT_FALSE(failed) << *failed;
  ASSERT_TRUE(eventually([&] { return server->stats().datagrams_dropped == 2; }));
  auto echoed = peer.exchange(server->local(), "after the garbage");
  ASSERT_TRUE(echoed) << "the garbage cost the handshake";
  EXPECT_EQ(*echoed, "after the garbage");
  EXPECT_EQ(server->stats().accepted, 1u);
  EXPECT_EQ(server->stats().closed_by(close_reason::handshake_error), 0u);
}

TEST_F(dtls_test, max_connections_bounds_the_peers_that_finish_the_cookie_exchange) {
  auto server = listen("rec", "max_connections=1");
  ASSERT_TRUE(server);
  auto first = within(client_rt.connect(connect_url("rec", *server)));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = within(client_rt.connect(connect_url("rec", *server, "connect_timeout=500")));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("DTLS handshake timed out"), std::string::npos) << second.error().message;
  EXPECT_GE(server->stats().closed_by(close_reason::max_connections), 1u);
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_F(dtls_test, close_notify_closes_the_other_side_in_both_directions) {
  auto server = listen("rec");
  ASSERT_TRUE(server);
  auto from_client = within(client_rt.connect(connect_url("rec", *server)));
  ASSERT_TRUE(from_client.ok()) << from_client.error().message;
  ASSERT_TRUE(server_side->wait_opened(1));
  from_client->close();
  ASSERT_TRUE(server_side->wait_closed(1));
  EXPECT_EQ(server_side->records().at(0).closed.reason, close_reason::peer_closed);
  EXPECT_EQ(server_side->records().at(0).closed.detail, "the peer sent close_notify");

  auto to_client = within(client_rt.connect(connect_url("rec", *server)));
  ASSERT_TRUE(to_client.ok()) << to_client.error().message;
  ASSERT_TRUE(server_side->wait_opened(2));
  server_side->records().at(1).ref.close();
  ASSERT_TRUE(client_side->wait_for([](const auto& records) {
    return records.size() == 2 && records[1].closes == 1;
  }));
  EXPECT_EQ(client_side->records().at(1).closed.reason, close_reason::peer_closed);
}

TEST_F(dtls_test, the_client_retransmits_its_client_hello_until_answered) {
  udp_client silent("127.0.0.1", std::chrono::milliseconds(5000));
  auto pending = client_rt.connect("rec://127.0.0.1:" + std::to_string(silent.local().port) +
                                   ";transport=dtls;tls_verify=false;connect_timeout=2500");
  auto first = silent.receive();
  ASSERT_TRUE(first);
  auto second = silent.receive();
  ASSERT_TRUE(second) << "no retransmission from the client's timer";
  EXPECT_EQ(first->bytes[13], '\x01');
  EXPECT_EQ(second->bytes[13], '\x01') << "the retransmission is the ClientHello again";
  auto outcome = within(std::move(pending));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message.find("DTLS handshake timed out after 2500 ms"), std::string::npos)
      << outcome.error().message;
}

TEST_F(dtls_test, the_client_refuses_a_certificate_it_does_not_trust) {
  auto server = listen("rec");
  ASSERT_TRUE(server);
  std::string untrusted = "rec://127.0.0.1:" + std::to_string(server->local().port) + ";transport=dtls";
  auto refused = within(client_rt.connect(untrusted));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos) << refused.error().message;
  ASSERT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::handshake_error) == 1; }));
  auto unchecked = within(client_rt.connect(untrusted + ";tls_verify=false"));
  EXPECT_TRUE(unchecked.ok()) << unchecked.error().message;
}

TEST_F(dtls_test, options_dtls_cannot_honour_are_refused_by_name) {
  std::string identity = "tls_certfile=" + shared_identity().certfile + ";tls_keyfile=" + shared_identity().keyfile;
  EXPECT_NE(listen_error("idle_timeout=1000").find("tls_certfile is required for a DTLS server"), std::string::npos);
  EXPECT_NE(listen_error(identity + ";udp_no_connections").find("udp_no_connections does not apply to dtls"),
            std::string::npos);
  EXPECT_NE(listen_error(identity + ";udp_starts_tcp").find("udp_starts_tcp does not apply to dtls"),
            std::string::npos);
  EXPECT_NE(listen_error(identity + ";tls_versions=tlsv1.3").find("dtls supports tlsv1.2 only"), std::string::npos);
  EXPECT_EQ(listen_error(identity + ";tls_versions=tlsv1.2"), "listening");
  auto server = listen("rec", "udp_max_size=100");
  ASSERT_TRUE(server);
  auto too_big = within(client_rt.send(connect_url("rec", *server, "udp_max_size=100"), as_bytes(std::string(101, 'x'))));
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("over udp_max_size (100)"), std::string::npos) << too_big.error().message;
}

}  // namespace
}  // namespace polyport::testing
