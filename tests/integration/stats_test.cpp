// Statistics per listener, for the outbound connections, and runtime-wide: accepted, current,
// bytes in and out (payload bytes, so TLS counts what the protocol saw) and closes by reason.

#include <gtest/gtest.h>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

class stats_test : public transport_test {
 protected:
  void SetUp() override {
    rt.register_protocol("echo", std::make_shared<echo_protocol>());
    rt.register_protocol("rec", recorder);
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>();
};

TEST_P(stats_test, listener_counts_connections_bytes_and_closes) {
  auto server = listen(rt, "echo");
  std::vector<raw_peer> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(open_peer(*server));
    ASSERT_TRUE(peers.back().connected()) << peers.back().error();
    ASSERT_TRUE(peers.back().write_all("0123456789"));
    EXPECT_EQ(peers.back().read_exact(10), "0123456789");
  }
  // The peer may read a reply before the server has counted writing it.
  ASSERT_TRUE(eventually([&] { return server->stats().bytes_out == 30; })) << server->stats().bytes_out;
  connection_stats counted = server->stats();
  EXPECT_EQ(counted.accepted, 3u);
  EXPECT_EQ(counted.current, 3u);
  EXPECT_EQ(counted.bytes_in, 30u);
  EXPECT_EQ(counted.bytes_out, 30u);

  peers.front().close();
  ASSERT_TRUE(eventually([&] { return server->stats().current == 2; }));
  counted = server->stats();
  EXPECT_EQ(counted.closed_by(close_reason::peer_closed), 1u);
  EXPECT_EQ(counted.accepted, 3u);
  // The runtime has only this listener and no client connection: the same counts.
  connection_stats total = rt.stats();
  EXPECT_EQ(total.accepted, 3u);
  EXPECT_EQ(total.current, 2u);
  EXPECT_EQ(total.bytes_in, 30u);
  EXPECT_EQ(total.closed_by(close_reason::peer_closed), 1u);
  EXPECT_EQ(rt.client_stats().accepted, 0u);
}

// Runtime-wide counts are the sum of the listeners' and the outbound connections', and keep
// the counts of a listener that has stopped.
TEST_P(stats_test, runtime_counts_sum_listeners_and_clients_and_outlive_listeners) {
  auto echo_server = listen(rt, "echo", "tcp_packet=2");
  auto idle_server = listen(rt, "rec", "idle_timeout=150");
  for (int i = 0; i < 2; ++i) {
    auto sent = within(rt.send(connect_url("rec", *echo_server, "tcp_packet=2;force_new=true"), as_bytes("hello")));
    ASSERT_TRUE(sent.ok()) << sent.error().message;
  }
  ASSERT_TRUE(recorder->wait_messages(2));  // the echoes came back to the client connections
  ASSERT_TRUE(eventually([&] { return echo_server->stats().bytes_out == 14; }));
  raw_peer idle_peer = open_peer(*idle_server);
  ASSERT_TRUE(idle_peer.connected()) << idle_peer.error();
  ASSERT_TRUE(eventually([&] { return idle_server->stats().closed_by(close_reason::idle_timeout) == 1; }));

  connection_stats echo_counts = echo_server->stats();
  connection_stats idle_counts = idle_server->stats();
  connection_stats client_counts = rt.client_stats();
  connection_stats total = rt.stats();
  EXPECT_EQ(echo_counts.accepted, 2u);
  EXPECT_EQ(echo_counts.bytes_in, 14u);  // two frames: 2-byte prefix + "hello"
  EXPECT_EQ(echo_counts.bytes_out, 14u);
  EXPECT_EQ(client_counts.accepted, 2u);
  EXPECT_EQ(client_counts.bytes_out, 14u);
  EXPECT_EQ(client_counts.bytes_in, 14u);
  EXPECT_EQ(total.accepted, echo_counts.accepted + idle_counts.accepted + client_counts.accepted);
  EXPECT_EQ(total.bytes_in, echo_counts.bytes_in + idle_counts.bytes_in + client_counts.bytes_in);
  EXPECT_EQ(total.bytes_out, echo_counts.bytes_out + idle_counts.bytes_out + client_counts.bytes_out);
  EXPECT_EQ(total.current, 4u);
  EXPECT_EQ(total.closed_by(close_reason::idle_timeout), 1u);

  echo_server->stop();
  ASSERT_TRUE(recorder->wait_closed(3));  // the two client connections, and the idle one
  total = rt.stats();
  EXPECT_EQ(total.accepted, 5u);
  EXPECT_EQ(total.closed_by(close_reason::listener_stopped), 2u);
  EXPECT_EQ(rt.client_stats().closed_by(close_reason::peer_closed), 2u);
  EXPECT_EQ(total.closed_by(close_reason::peer_closed), 2u);
  EXPECT_EQ(total.current, 0u);
}

INSTANTIATE_TRANSPORT_TESTS(stats_test);

}  // namespace
}  // namespace polyport::testing
