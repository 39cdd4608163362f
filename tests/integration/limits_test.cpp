// Connection limits: a listener's max_connections, changed at run time, and the runtime-wide
// cap. A refused client is accepted by the kernel and then reset, so it sees its connection
// end (or, for tls, its handshake fail); the refusal is counted as closed by max_connections.

#include <gtest/gtest.h>

#include <vector>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

class limits_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  // Opens a peer that the server accepts (on_open has run when this returns).
  void open_accepted(const listener& server, std::vector<raw_peer>& peers) {
    std::size_t opened_before = recorder->opened();
    peers.push_back(open_peer(server));
    ASSERT_TRUE(peers.back().connected()) << peers.back().error();
    ASSERT_TRUE(recorder->wait_opened(opened_before + 1));
  }

  // Opens a peer that the server must refuse: it sees the end of its connection.
  void open_refused(const listener& server) {
    raw_peer refused = open_peer(server);
    if (refused.connected()) {
      EXPECT_TRUE(refused.wait_closed()) << "the refused connection stayed open";
    }
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>();
};

TEST_P(limits_test, listener_refuses_the_connection_over_max_connections) {
  auto server = listen(rt, "rec", "max_connections=3");
  EXPECT_EQ(server->max_connections(), 3u);
  std::vector<raw_peer> peers;
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(open_accepted(*server, peers));
  }
  ASSERT_NO_FATAL_FAILURE(open_refused(*server));
  ASSERT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::max_connections) == 1; }));
  EXPECT_EQ(server->stats().accepted, 3u);
  EXPECT_EQ(server->stats().current, 3u);
  EXPECT_EQ(recorder->opened(), 3u) << "the refused connection reached on_open";
  EXPECT_EQ(rt.stats().closed_by(close_reason::max_connections), 1u);

  // One closes: there is room again.
  peers.front().close();
  ASSERT_TRUE(recorder->wait_closed(1));
  ASSERT_NO_FATAL_FAILURE(open_accepted(*server, peers));
  EXPECT_EQ(server->stats().current, 3u);
}

TEST_P(limits_test, set_max_connections_takes_effect_for_the_next_connection) {
  auto server = listen(rt, "rec", "max_connections=10");
  std::vector<raw_peer> peers;
  for (int i = 0; i < 2; ++i) {
    ASSERT_NO_FATAL_FAILURE(open_accepted(*server, peers));
  }
  server->set_max_connections(2);
  EXPECT_EQ(server->max_connections(), 2u);
  ASSERT_NO_FATAL_FAILURE(open_refused(*server));
  ASSERT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::max_connections) == 1; }));

  server->set_max_connections(3);
  ASSERT_NO_FATAL_FAILURE(open_accepted(*server, peers));

  // Lowering the limit leaves open connections open.
  server->set_max_connections(1);
  ASSERT_NO_FATAL_FAILURE(open_refused(*server));
  ASSERT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::max_connections) == 2; }));
  EXPECT_EQ(server->stats().current, 3u);
  EXPECT_EQ(recorder->closed(), 0u);
}

// runtime_options::max_connections caps the connections of all listeners together.
TEST_P(limits_test, runtime_wide_max_connections_spans_listeners) {
  runtime capped({.workers = 2, .max_connections = 3});
  capped.register_protocol("rec", recorder);
  auto first = listen(capped, "rec");
  auto second = listen(capped, "rec");
  std::vector<raw_peer> peers;
  ASSERT_NO_FATAL_FAILURE(open_accepted(*first, peers));
  ASSERT_NO_FATAL_FAILURE(open_accepted(*first, peers));
  ASSERT_NO_FATAL_FAILURE(open_accepted(*second, peers));
  ASSERT_NO_FATAL_FAILURE(open_refused(*second));
  ASSERT_TRUE(eventually([&] { return capped.stats().closed_by(close_reason::max_connections) == 1; }));
  EXPECT_EQ(second->stats().closed_by(close_reason::max_connections), 1u);
  EXPECT_EQ(first->stats().closed_by(close_reason::max_connections), 0u);
  EXPECT_EQ(capped.stats().current, 3u);

  peers.front().close();  // a connection of the first listener makes room on the second
  ASSERT_TRUE(recorder->wait_closed(1));
  ASSERT_NO_FATAL_FAILURE(open_accepted(*second, peers));
  EXPECT_EQ(capped.stats().current, 3u);
}

INSTANTIATE_TRANSPORT_TESTS(limits_test);

}  // namespace
}  // namespace polyport::testing
