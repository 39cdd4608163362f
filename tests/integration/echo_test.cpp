// Echo round trips over every transport: the built-in echo protocol on the server, polyport's
// client or a raw socket on the other end.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

class echo_test : public transport_test {
 protected:
  void SetUp() override {
    server_rt.register_protocol("echo", std::make_shared<echo_protocol>());
    client_rt.register_protocol("collect", collector);
  }

  runtime server_rt{{.workers = 2}};
  runtime client_rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> collector = std::make_shared<recording_protocol>();
};

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((i * 31 + i / 7) % 251);
  }
  return out;
}

// A raw client (no framing anywhere) gets back exactly the bytes it wrote.
TEST_P(echo_test, raw_bytes_come_back) {
  auto server = listen(server_rt, "echo");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(peer.write_all("ping"));
  EXPECT_EQ(peer.read_exact(4), "ping");
  ASSERT_TRUE(peer.write_all("and again"));
  EXPECT_EQ(peer.read_exact(9), "and again");
}

// Frames of every small size, the empty one included, come back whole and in order.
TEST_P(echo_test, small_framed_messages_round_trip) {
  auto server = listen(server_rt, "echo", "tcp_packet=4");
  auto conn = within(client_rt.connect(connect_url("collect", *server, "tcp_packet=4")));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  std::vector<std::string> sent = {"hello", "", "x", std::string(1000, 'a'), "world"};
  for (const auto& message : sent) {
    conn->send(message);
  }
  ASSERT_TRUE(collector->wait_messages(sent.size()));
  EXPECT_EQ(collector->all_messages(), sent);
}

// A 4 MiB frame crosses many reads and writes (and TLS records) in both directions.
TEST_P(echo_test, four_mib_message_both_ways) {
  auto server = listen(server_rt, "echo", "tcp_packet=4");
  auto conn = within(client_rt.connect(connect_url("collect", *server, "tcp_packet=4")));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  const std::string payload = pattern(4 * 1024 * 1024);
  conn->send(payload);
  ASSERT_TRUE(collector->wait_messages(1, 20s));
  auto received = collector->all_messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].size(), payload.size());
  EXPECT_TRUE(received[0] == payload) << "the echoed payload differs";
  EXPECT_EQ(server->stats().bytes_in, payload.size() + 4);
  EXPECT_TRUE(eventually([&] { return server->stats().bytes_out == payload.size() + 4; }));
}

// 200 connections open at once, each gets its own reply and nobody else's.
TEST_P(echo_test, two_hundred_connections_at_once) {
  constexpr std::size_t count = 200;
  auto server = listen(server_rt, "echo", "tcp_packet=2");
  std::vector<std::future<result<connection_ref>>> pending;
  for (std::size_t i = 0; i < count; ++i) {
    pending.push_back(client_rt.connect(connect_url("collect", *server, "tcp_packet=2")));
  }
  std::map<std::uint64_t, std::string> expected;
  for (std::size_t i = 0; i < count; ++i) {
    auto conn = within(std::move(pending[i]), 20s);
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    expected[conn->id()] = "message " + std::to_string(i);
    conn->send(expected[conn->id()]);
  }
  ASSERT_TRUE(collector->wait_messages(count, 20s)) << collector->message_count() << " replies";
  for (const auto& record : collector->records()) {
    ASSERT_EQ(record.messages.size(), 1u);
    EXPECT_EQ(record.messages[0], expected[record.id]);
  }
  EXPECT_EQ(server->stats().accepted, count);
  EXPECT_EQ(server->stats().current, count);
  EXPECT_EQ(client_rt.client_stats().current, count);
}

// The connection reports the transport it runs on, and TLS names its protocol version.
TEST_P(echo_test, connection_reports_its_transport) {
  auto server = listen(server_rt, "echo");
  auto conn = within(client_rt.connect(connect_url("collect", *server)));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  std::promise<std::pair<polyport::transport, std::string>> seen;
  conn->dispatch([&](connection& c) { seen.set_value({c.transport(), c.security()}); });
  auto future = seen.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  auto [transport, security] = future.get();
  EXPECT_EQ(transport, kind());
  if (is_tls()) {
    EXPECT_NE(security.find("TLSv1."), std::string::npos) << security;
  } else {
    EXPECT_EQ(security, "");
  }
  EXPECT_EQ(server->transport(), kind());
}

INSTANTIATE_TRANSPORT_TESTS(echo_test);

}  // namespace
}  // namespace polyport::testing
