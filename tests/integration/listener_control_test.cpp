// Listener control at run time: the pause policy for max_connections, suspend and resume, and
// drain. Plain TCP (and unix where the path matters): the behaviour is the accept path's, the
// same for every stream transport.

#include <gtest/gtest.h>

#include <vector>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "tcp_listener_test.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

class listener_control_test : public tcp_listener_test {
 protected:
  raw_peer open(const listener& server) { return raw_peer::open(transport::tcp, server.local()); }
};

// With the pause policy a full listener leaves newcomers in the kernel's backlog instead of
// resetting them, and takes them as soon as a slot frees up.
TEST_F(listener_control_test, pause_policy_holds_newcomers_until_a_slot_frees_up) {
  auto server = listen("max_connections=2;max_connections_policy=pause");
  std::vector<raw_peer> peers;
  for (int i = 0; i < 2; ++i) {
    peers.push_back(open(*server));
    ASSERT_TRUE(peers.back().connected()) << peers.back().error();
  }
  ASSERT_TRUE(recorder->wait_opened(2));
  raw_peer waiting = open(*server);  // the kernel completes the TCP handshake: it is in the backlog
  ASSERT_TRUE(waiting.connected()) << waiting.error();
  ASSERT_TRUE(waiting.write_all("held"));
  EXPECT_FALSE(recorder->wait_opened(3, 300ms)) << "a connection over the limit was accepted";
  EXPECT_EQ(server->stats().closed_by(close_reason::max_connections), 0u);

  peers.front().close();
  ASSERT_TRUE(recorder->wait_opened(3)) << "the held connection was not taken when a slot freed up";
  EXPECT_EQ(waiting.read_exact(4), "held");
  EXPECT_EQ(server->stats().closed_by(close_reason::max_connections), 0u);
}

TEST_F(listener_control_test, raising_max_connections_wakes_paused_acceptors) {
  auto server = listen("max_connections=1;max_connections_policy=pause");
  raw_peer first = open(*server);
  ASSERT_TRUE(recorder->wait_opened(1));
  raw_peer second = open(*server);
  ASSERT_TRUE(second.connected());
  EXPECT_FALSE(recorder->wait_opened(2, 300ms));
  server->set_max_connections(2);
  EXPECT_TRUE(recorder->wait_opened(2));
}

TEST_F(listener_control_test, reset_policy_refuses_at_once_and_counts_it) {
  auto server = listen("max_connections=1");
  EXPECT_EQ(server->options().max_connections_policy.value_or(overload_policy::reset), overload_policy::reset);
  raw_peer first = open(*server);
  ASSERT_TRUE(recorder->wait_opened(1));
  raw_peer refused = open(*server);
  if (refused.connected()) {
    EXPECT_TRUE(refused.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::max_connections) == 1; }));
}

// Suspend closes the listening socket and keeps the open connections working; resume listens on
// the same port again.
TEST_F(listener_control_test, suspend_keeps_connections_and_resume_listens_on_the_same_port) {
  auto server = listen("");
  raw_peer kept = open(*server);
  ASSERT_TRUE(recorder->wait_opened(1));
  std::uint16_t port = server->local().port;

  server->suspend();
  EXPECT_TRUE(server->is_suspended());
  EXPECT_TRUE(eventually([&] { return !open(*server).connected(); })) << "still accepting while suspended";
  ASSERT_TRUE(kept.write_all("still here"));
  EXPECT_EQ(kept.read_exact(10), "still here");

  auto resumed = server->resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_FALSE(server->is_suspended());
  EXPECT_EQ(server->local().port, port);
  raw_peer later = open(*server);
  ASSERT_TRUE(later.connected()) << later.error();
  ASSERT_TRUE(later.write_all("back"));
  EXPECT_EQ(later.read_exact(4), "back");
}

TEST_F(listener_control_test, drain_waits_for_connections_that_end_in_time) {
  auto server = listen("");
  raw_peer leaving = open(*server);
  ASSERT_TRUE(recorder->wait_opened(1));
  std::thread closer([&] {
    recorder->wait_opened(1);
    std::this_thread::sleep_for(100ms);  // the client's own pace, not a synchronisation
    leaving.close();
  });
  std::size_t forced = server->drain(5s);
  closer.join();
  EXPECT_EQ(forced, 0u);
  EXPECT_FALSE(server->is_running());
  EXPECT_EQ(recorder->closed_with(close_reason::peer_closed), 1u);
}

TEST_F(listener_control_test, drain_closes_what_is_left_after_the_grace_period) {
  auto server = listen("");
  raw_peer stays = open(*server);
  ASSERT_TRUE(recorder->wait_opened(1));
  auto started = std::chrono::steady_clock::now();
  std::size_t forced = server->drain(200ms);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  EXPECT_EQ(forced, 1u);
  EXPECT_TRUE(stays.wait_closed());
  EXPECT_TRUE(recorder->wait_closed(1));
  EXPECT_EQ(recorder->closed_with(close_reason::listener_stopped), 1u);
  EXPECT_FALSE(server->is_running());
}

TEST_F(listener_control_test, a_suspended_unix_listener_resumes_on_its_path) {
  temp_dir dir;
  auto started = rt.listen("rec://" + dir.file("s.sock") + ";transport=unix");
  ASSERT_TRUE(started) << started.error().message;
  auto server = *started;
  server->suspend();
  EXPECT_FALSE(raw_peer::open(transport::unix_stream, server->local(), 1s).connected());
  ASSERT_TRUE(server->resume());
  raw_peer peer = raw_peer::open(transport::unix_stream, server->local());
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(peer.write_all("u"));
  EXPECT_EQ(peer.read_exact(1), "u");
}

}  // namespace
}  // namespace polyport::testing
