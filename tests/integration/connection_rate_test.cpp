// max_conn_rate and max_conn_burst on the accept path: a burst over the bucket is refused and
// counted as close_reason::rate_limited, the bucket refills with time, and the limit can be
// set and removed at run time. The waits for a refill poll with a deadline; nothing sleeps in
// place of synchronisation.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "tcp_listener_test.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

class connection_rate_test : public tcp_listener_test {
 protected:
  // Opens `count` connections back to back (the kernel completes each handshake) and waits
  // until the listener has either accepted or refused every one of them.
  std::vector<raw_peer> open_at_once(const listener& server, std::size_t count) {
    connection_stats before = server.stats();
    std::vector<raw_peer> peers;
    for (std::size_t i = 0; i < count; ++i) {
      peers.push_back(raw_peer::open(transport::tcp, server.local()));
      // A refused one may be reset before its connect() reports success.
      EXPECT_TRUE(peers.back().connected() || peers.back().error() == std::strerror(ECONNRESET))
          << peers.back().error();
    }
    EXPECT_TRUE(eventually([&] {
      connection_stats now = server.stats();
      return now.accepted - before.accepted + now.closed_by(close_reason::rate_limited) -
                 before.closed_by(close_reason::rate_limited) ==
             count;
    })) << "the listener did not take all "
        << count << " connections";
    return peers;
  }

  // How many of `peers` the server refused: an accepted one echoes, a refused one was reset.
  static std::size_t count_refused(std::vector<raw_peer>& peers) {
    std::size_t refused = 0;
    for (raw_peer& peer : peers) {
      if (!peer.connected() || !peer.write_all("?") || peer.read_exact(1) != "?") {
        ++refused;
      }
    }
    return refused;
  }

  // Tries one connection at a time until one is accepted or the deadline passes: the bucket
  // refills at its own pace, so the test polls rather than sleeping for a guessed time.
  bool accepted_within(const listener& server, std::chrono::milliseconds deadline) {
    std::uint64_t accepted_before = server.stats().accepted;
    return eventually(
        [&] {
          raw_peer peer = raw_peer::open(transport::tcp, server.local());
          if (!peer.connected() || !peer.write_all("refill")) {
            return false;
          }
          if (peer.read_exact(6, 2s) == "refill") {
            return server.stats().accepted == accepted_before + 1;
          }
          std::this_thread::sleep_for(20ms);  // back off between refused tries
          return false;
        },
        deadline);
  }

};

TEST_F(connection_rate_test, a_burst_over_the_bucket_is_refused_and_counted) {
  auto server = listen("max_conn_rate=5/1;max_conn_burst=5");
  std::vector<raw_peer> peers = open_at_once(*server, 6);
  EXPECT_TRUE(recorder->wait_opened(5));
  EXPECT_EQ(server->stats().accepted, 5u);
  EXPECT_EQ(server->stats().closed_by(close_reason::rate_limited), 1u);
  EXPECT_EQ(count_refused(peers), 1u);
  EXPECT_EQ(recorder->opened(), 5u) << "a refused connection reached on_open";
}

TEST_F(connection_rate_test, the_bucket_refills_with_time) {
  auto server = listen("max_conn_rate=5/1;max_conn_burst=5");
  std::vector<raw_peer> first = open_at_once(*server, 6);
  ASSERT_EQ(server->stats().closed_by(close_reason::rate_limited), 1u);
  // Five per second: a token is back within about 200 ms.
  EXPECT_TRUE(accepted_within(*server, 5s)) << "no connection accepted after the bucket refilled";
  EXPECT_EQ(server->stats().accepted, 6u);
}

TEST_F(connection_rate_test, a_limit_set_at_run_time_applies_and_a_zero_count_removes_it) {
  auto server = listen("");
  // One token per minute after a burst of two: nothing refills during the test.
  server->set_max_conn_rate({2, std::chrono::minutes(1)}, 2);
  std::vector<raw_peer> limited = open_at_once(*server, 4);
  EXPECT_EQ(server->stats().accepted, 2u);
  EXPECT_EQ(server->stats().closed_by(close_reason::rate_limited), 2u);
  EXPECT_EQ(count_refused(limited), 2u);

  server->set_max_conn_rate({0, std::chrono::seconds(1)});
  std::vector<raw_peer> free = open_at_once(*server, 20);
  EXPECT_EQ(server->stats().accepted, 22u);
  EXPECT_EQ(server->stats().closed_by(close_reason::rate_limited), 2u) << "the limit stayed after a zero count";
  EXPECT_EQ(count_refused(free), 0u);
}

TEST_F(connection_rate_test, removing_the_url_limit_at_run_time_lets_a_burst_in) {
  auto server = listen("max_conn_rate=5/1;max_conn_burst=5");
  server->set_max_conn_rate({0, std::chrono::seconds(1)});
  std::vector<raw_peer> peers = open_at_once(*server, 12);
  EXPECT_EQ(server->stats().accepted, 12u);
  EXPECT_EQ(server->stats().closed_by(close_reason::rate_limited), 0u);
  EXPECT_EQ(count_refused(peers), 0u);
}

}  // namespace
}  // namespace polyport::testing
