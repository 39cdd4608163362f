// The life of connections and listeners as a protocol sees it: on_open, then on_close exactly
// once with the right reason; a throwing callback closes only its own connection; stopping a
// listener or the runtime closes what they own; per-connection state, metadata and user data.

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

// Echoes; throws on "boom"; answers "bye" with "goodbye" and a close; counts listener events.
class scripted_protocol : public recording_protocol {
 public:
  scripted_protocol() : recording_protocol(true) {}
  void on_listen(listener&) override { ++listens; }
  void on_listen_stop(listener& stopped) override {
    ++listen_stops;
    open_at_listen_stop = stopped.stats().current;
  }
  void on_message(connection& conn, std::span<const std::byte> message) override {
    std::string text = as_text(message);
    if (text == "boom") {
      throw std::runtime_error("boom happened");
    }
    if (text == "bye") {
      conn.send("goodbye");
      conn.close();
      return;
    }
    recording_protocol::on_message(conn, message);
  }
  std::atomic<int> listens{0};
  std::atomic<int> listen_stops{0};
  std::atomic<std::uint64_t> open_at_listen_stop{99};
};

class lifecycle_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("script", script); }

  runtime rt{{.workers = 2}};
  std::shared_ptr<scripted_protocol> script = std::make_shared<scripted_protocol>();
};

TEST_P(lifecycle_test, peer_close_gives_one_on_open_then_one_on_close_with_peer_closed) {
  auto server = listen(rt, "script");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(script->wait_opened(1));
  peer.close();
  ASSERT_TRUE(script->wait_closed(1));
  auto record = script->records().at(0);
  EXPECT_EQ(record.opens, 1);
  EXPECT_EQ(record.closes, 1);
  EXPECT_EQ(record.closed.reason, close_reason::peer_closed) << record.closed.detail;
  EXPECT_FALSE(record.ref.is_open());
}

// close() after send() delivers the queued bytes first; each side sees its own reason.
TEST_P(lifecycle_test, local_close_flushes_then_closes_both_sides) {
  auto server = listen(rt, "script");
  auto client = std::make_shared<recording_protocol>();
  rt.register_protocol("client", client);
  auto conn = within(rt.connect(connect_url("client", *server)));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  conn->send("bye");
  ASSERT_TRUE(script->wait_closed(1));
  ASSERT_TRUE(client->wait_closed(1));
  EXPECT_EQ(script->records().at(0).closed.reason, close_reason::local);
  auto outbound = client->records().at(0);
  EXPECT_TRUE(outbound.outbound);
  EXPECT_EQ(outbound.closes, 1);
  EXPECT_EQ(outbound.closed.reason, close_reason::peer_closed) << outbound.closed.detail;
  std::string received;
  for (const auto& part : outbound.messages) {
    received += part;
  }
  EXPECT_EQ(received, "goodbye");
}

TEST_P(lifecycle_test, throwing_callback_closes_only_its_own_connection) {
  auto server = listen(rt, "script");
  raw_peer doomed = open_peer(*server);
  raw_peer healthy = open_peer(*server);
  ASSERT_TRUE(doomed.connected() && healthy.connected()) << doomed.error() << healthy.error();
  ASSERT_TRUE(healthy.write_all("ping"));
  EXPECT_EQ(healthy.read_exact(4), "ping");
  ASSERT_TRUE(doomed.write_all("boom"));
  EXPECT_TRUE(doomed.wait_closed());
  ASSERT_TRUE(script->wait_closed(1));
  EXPECT_EQ(script->closed_with(close_reason::callback_error), 1u);
  for (const auto& record : script->records()) {
    if (record.closes > 0) {
      EXPECT_NE(record.closed.detail.find("boom happened"), std::string::npos) << record.closed.detail;
    }
  }
  ASSERT_TRUE(healthy.write_all("still alive"));
  EXPECT_EQ(healthy.read_exact(11), "still alive");
  EXPECT_EQ(server->stats().closed_by(close_reason::callback_error), 1u);
  EXPECT_EQ(server->stats().current, 1u);
}

class throws_on_open : public recording_protocol {
 public:
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    throw std::runtime_error("no state for you");
  }
};

TEST_P(lifecycle_test, on_open_that_throws_closes_with_callback_error) {
  auto thrower = std::make_shared<throws_on_open>();
  rt.register_protocol("thrower", thrower);
  auto server = listen(rt, "thrower");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(thrower->wait_closed(1));
  auto record = thrower->records().at(0);
  EXPECT_EQ(record.closes, 1);
  EXPECT_EQ(record.closed.reason, close_reason::callback_error);
  EXPECT_EQ(record.closed.detail, "no state for you");
  EXPECT_TRUE(peer.wait_closed());
}

// stop() returns once every connection of the listener has seen on_close, and then
// on_listen_stop has run, once; the port (or socket file) no longer accepts.
TEST_P(lifecycle_test, listener_stop_closes_its_connections_and_calls_on_listen_stop) {
  auto server = listen(rt, "script");
  auto other = listen(rt, "script");
  EXPECT_EQ(script->listens, 2);
  std::vector<raw_peer> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(open_peer(*server));
    ASSERT_TRUE(peers.back().connected()) << peers.back().error();
  }
  raw_peer bystander = open_peer(*other);
  ASSERT_TRUE(bystander.connected()) << bystander.error();
  ASSERT_TRUE(script->wait_opened(4));
  endpoint address = server->local();

  server->stop();
  EXPECT_EQ(script->closed_with(close_reason::listener_stopped), 3u);
  EXPECT_EQ(script->closed(), 3u);
  EXPECT_EQ(script->listen_stops, 1);
  EXPECT_EQ(script->open_at_listen_stop, 0u);
  EXPECT_FALSE(server->is_running());
  server->stop();
  EXPECT_EQ(script->listen_stops, 1) << "stop() is idempotent";
  for (auto& peer : peers) {
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_EQ(rt.listeners().size(), 1u);
  EXPECT_FALSE(raw_peer::open(kind(), address, 2s).connected()) << "the stopped listener still accepts";

  ASSERT_TRUE(bystander.write_all("other listener"));
  EXPECT_EQ(bystander.read_exact(14), "other listener");
}

// Stopping the runtime closes its inbound and outbound connections with runtime_stopped (the
// far ends live in another runtime, so they cannot close first).
TEST_P(lifecycle_test, runtime_stop_closes_every_connection_with_runtime_stopped) {
  runtime far_rt({.workers = 1});
  auto far_side = std::make_shared<recording_protocol>();
  far_rt.register_protocol("far", far_side);
  auto far_server = listen(far_rt, "far");
  auto client = std::make_shared<recording_protocol>();
  rt.register_protocol("client", client);
  auto server = listen(rt, "script");

  auto outbound = within(rt.connect(connect_url("client", *far_server)));
  ASSERT_TRUE(outbound.ok()) << outbound.error().message;
  auto inbound = within(far_rt.connect(connect_url("far", *server)));
  ASSERT_TRUE(inbound.ok()) << inbound.error().message;
  ASSERT_TRUE(script->wait_opened(1));
  rt.stop();
  ASSERT_EQ(client->closed(), 1u);
  ASSERT_EQ(script->closed(), 1u);
  EXPECT_EQ(client->records().at(0).closed.reason, close_reason::runtime_stopped)
      << "outbound closed with " << to_string(client->records().at(0).closed.reason);
  EXPECT_EQ(script->records().at(0).closed.reason, close_reason::runtime_stopped)
      << "inbound closed with " << to_string(script->records().at(0).closed.reason);
  EXPECT_EQ(script->listen_stops, 1);
  EXPECT_EQ(rt.stats().current, 0u);
  EXPECT_FALSE(rt.listen(listen_url("script")).ok());
  ASSERT_TRUE(far_side->wait_closed(2));  // the far ends see both closes
}

INSTANTIATE_TRANSPORT_TESTS(lifecycle_test);

}  // namespace
}  // namespace polyport::testing
