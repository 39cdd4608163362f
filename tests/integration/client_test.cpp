// The client side: connect() always opens, send() reuses a live connection to the same
// destination (one attempt shared by concurrent sends), routes are tried in order, and connect
// failures (refused, timed out, unverified TLS) come back as clear errors.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

using std::chrono::steady_clock;

// A loopback port that refuses connections: bound, never listening, held for the test.
class refusing_port {
 public:
  refusing_port() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~refusing_port() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  std::string url(std::string_view scheme) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + ";transport=tcp";
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

class client_test : public transport_test {
 protected:
  void SetUp() override {
    server_rt.register_protocol("srv", server_side);
    client_rt.register_protocol("cli", client_side);
  }

  runtime server_rt{{.workers = 2}};
  runtime client_rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> server_side = std::make_shared<recording_protocol>();
  std::shared_ptr<recording_protocol> client_side = std::make_shared<recording_protocol>();
};

TEST_P(client_test, connect_always_opens_a_new_connection) {
  auto server = listen(server_rt, "srv");
  auto first = within(client_rt.connect(connect_url("cli", *server)));
  auto second = within(client_rt.connect(connect_url("cli", *server)));
  ASSERT_TRUE(first.ok() && second.ok()) << (first ? second.error().message : first.error().message);
  EXPECT_NE(first->id(), second->id());
  if (is_datagram()) {
    first->send("a");  // the server learns of a UDP peer from its first datagram
    second->send("b");
  }
  ASSERT_TRUE(server_side->wait_opened(2));
  EXPECT_EQ(server->stats().accepted, 2u);
}

TEST_P(client_test, send_reuses_the_live_connection_and_force_new_opens_another) {
  auto server = listen(server_rt, "srv", "tcp_packet=4");
  std::string url = connect_url("cli", *server, "tcp_packet=4");
  auto first = within(client_rt.send(url, as_bytes("one")));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = within(client_rt.send(url, as_bytes("two")));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(first->id(), second->id());
  ASSERT_TRUE(server_side->wait_messages(2));
  EXPECT_EQ(server->stats().accepted, 1u);
  EXPECT_EQ(server_side->all_messages(), (std::vector<std::string>{"one", "two"}));

  auto forced = within(client_rt.send(url + ";force_new=true", as_bytes("three")));
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_NE(forced->id(), first->id());
  ASSERT_TRUE(server_side->wait_messages(3));
  EXPECT_EQ(server->stats().accepted, 2u);
}

// A connection from connect() is reused by send(); once it closes, send() opens a new one.
TEST_P(client_test, send_opens_a_new_connection_once_the_pooled_one_closed) {
  auto server = listen(server_rt, "srv", "tcp_packet=4");
  std::string url = connect_url("cli", *server, "tcp_packet=4");
  auto opened = within(client_rt.connect(url));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto reused = within(client_rt.send(url, as_bytes("reused")));
  ASSERT_TRUE(reused.ok()) << reused.error().message;
  EXPECT_EQ(reused->id(), opened->id());
  ASSERT_TRUE(server_side->wait_messages(1));

  if (is_datagram()) {
    opened->close();  // a UDP client is never told that the server closed its side
  } else {
    server_side->records().at(0).ref.close();
  }
  ASSERT_TRUE(client_side->wait_closed(1));
  auto fresh = within(client_rt.send(url, as_bytes("fresh")));
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_NE(fresh->id(), opened->id());
  ASSERT_TRUE(server_side->wait_messages(2));
  EXPECT_EQ(server->stats().accepted, 2u);
}

// Concurrent sends to a destination with no connection yet share one connection attempt.
TEST_P(client_test, concurrent_sends_to_a_new_destination_share_one_connection) {
  constexpr int count = 50;
  auto server = listen(server_rt, "srv", "tcp_packet=4");
  std::string url = connect_url("cli", *server, "tcp_packet=4");
  std::vector<std::future<result<connection_ref>>> pending;
  for (int i = 0; i < count; ++i) {
    pending.push_back(client_rt.send(url, as_bytes("message " + std::to_string(i))));
  }
  for (auto& each : pending) {
    auto sent = within(std::move(each));
    ASSERT_TRUE(sent.ok()) << sent.error().message;
  }
  ASSERT_TRUE(server_side->wait_messages(count));
  EXPECT_EQ(server->stats().accepted, 1u);
  EXPECT_EQ(client_rt.client_stats().accepted, 1u);
}

INSTANTIATE_TRANSPORT_TESTS(client_test);
INSTANTIATE_DATAGRAM_TESTS(client_test);
INSTANTIATE_DTLS_TESTS(client_test);
// The same bodies over WebSocket: reuse, force_new and shared attempts do not depend on framing.
INSTANTIATE_TEST_SUITE_P(websocket, client_test, ::testing::ValuesIn(websocket_transports()), case_name);

class client_errors_test : public ::testing::Test {
 protected:
  void SetUp() override { rt.register_protocol("cli", client_side); }
  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> client_side = std::make_shared<recording_protocol>();
};

TEST_F(client_errors_test, connect_to_a_closed_port_is_refused) {
  refusing_port closed;
  auto outcome = within(rt.connect(closed.url("cli")));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message.find("Connection refused"), std::string::npos) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find(std::to_string(closed.port())), std::string::npos) << outcome.error().message;
}

// Routes of a list are tried in order; when all fail, the error names the last failure.
TEST_F(client_errors_test, routes_are_tried_in_order_and_the_error_names_the_last) {
  refusing_port first;
  refusing_port second;
  auto server = rt.listen("cli://127.0.0.1:0;transport=tcp");
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::string good = "cli://127.0.0.1:" + std::to_string((*server)->local().port) + ";transport=tcp";

  auto reached = within(rt.connect(first.url("cli") + ", " + good));
  ASSERT_TRUE(reached.ok()) << reached.error().message;
  EXPECT_EQ(reached->remote().port, (*server)->local().port);

  auto failed = within(rt.connect(first.url("cli") + "," + second.url("cli")));
  ASSERT_FALSE(failed.ok());
  const std::string& message = failed.error().message;
  EXPECT_NE(message.find("2 destinations failed"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(second.port())), std::string::npos) << message;
  EXPECT_EQ(message.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << message;
}

// A TLS client facing a plain TCP server that never answers gives up after connect_timeout.
TEST_F(client_errors_test, tls_connect_to_a_silent_tcp_listener_times_out) {
  auto silent = rt.listen("cli://127.0.0.1:0;transport=tcp");
  ASSERT_TRUE(silent.ok()) << silent.error().message;
  auto before = steady_clock::now();
  auto outcome = within(rt.connect("cli://127.0.0.1:" + std::to_string((*silent)->local().port) +
                                   ";transport=tls;tls_verify=false;connect_timeout=300"));
  auto took = steady_clock::now() - before;
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message.find("timed out after 300 ms"), std::string::npos) << outcome.error().message;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(rt.client_stats().current, 0u);
}

TEST_F(client_errors_test, tls_verification_failure_is_an_error) {
  const test_identity& identity = shared_identity();
  auto server = rt.listen("cli://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile +
                          ";tls_keyfile=" + identity.keyfile);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::string base = "cli://127.0.0.1:" + std::to_string((*server)->local().port) + ";transport=tls";

  auto untrusted = within(rt.connect(base));  // the system CAs do not know the test identity
  ASSERT_FALSE(untrusted.ok());
  EXPECT_NE(untrusted.error().message.find("certificate verify failed"), std::string::npos)
      << untrusted.error().message;

  auto wrong_name = within(rt.connect(base + ";tls_cacertfile=" + identity.certfile + ";host=elsewhere.example"));
  ASSERT_FALSE(wrong_name.ok());
  EXPECT_NE(wrong_name.error().message.find("certificate verify failed"), std::string::npos)
      << wrong_name.error().message;

  auto trusted = within(rt.connect(base + ";tls_cacertfile=" + identity.certfile));
  EXPECT_TRUE(trusted.ok()) << trusted.error().message;
  EXPECT_TRUE(eventually([&] { return (*server)->stats().closed_by(close_reason::handshake_error) == 2; }));
  // Only the trusted connection opened: its client side, and its server side just after.
  ASSERT_TRUE(client_side->wait_opened(2));
  EXPECT_EQ(client_side->opened(), 2u);
}

// A host name resolves (localhost may give ::1 first; the walk then tries 127.0.0.1), and TLS
// verifies the certificate against that name.
TEST_F(client_errors_test, localhost_resolves_for_tcp_and_tls) {
  const test_identity& identity = shared_identity();
  auto plain = rt.listen("cli://127.0.0.1:0;transport=tcp");
  auto secure = rt.listen("cli://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile +
                          ";tls_keyfile=" + identity.keyfile);
  ASSERT_TRUE(plain.ok() && secure.ok());
  auto over_tcp = within(rt.connect("cli://localhost:" + std::to_string((*plain)->local().port) + ";transport=tcp"));
  ASSERT_TRUE(over_tcp.ok()) << over_tcp.error().message;
  EXPECT_EQ(over_tcp->remote().to_string(), "127.0.0.1:" + std::to_string((*plain)->local().port));
  auto over_tls = within(rt.connect("cli://localhost:" + std::to_string((*secure)->local().port) +
                                    ";transport=tls;tls_cacertfile=" + identity.certfile));
  ASSERT_TRUE(over_tls.ok()) << over_tls.error().message;

  auto unknown = within(rt.connect("cli://no-such-host.invalid:80;transport=tcp"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no-such-host.invalid"), std::string::npos) << unknown.error().message;
}

}  // namespace
}  // namespace polyport::testing
