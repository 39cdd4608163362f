// Backpressure: a peer that does not read makes the server's outbound queue pass its high
// watermark (on_writable(false)); once the peer drains it, on_writable(true). The echo protocol
// pauses reading meanwhile, so its queue stays bounded however much the peer keeps sending.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

constexpr std::size_t high_watermark = 64 * 1024;  // connection_context's defaults
constexpr std::size_t low_watermark = 16 * 1024;

struct writable_event {
  bool writable;
  std::size_t queued;
};

// Sends until the connection says it is no longer writable, and records the flips.
class flooder : public protocol {
 public:
  void on_open(connection& conn) override {
    const std::string chunk(16 * 1024, 'f');
    std::size_t total = 0;
    while (conn.writable() && total < flood_limit) {
      EXPECT_TRUE(conn.send(chunk));
      total += chunk.size();
    }
    sent = total;
    flood_done = true;
  }
  void on_writable(connection& conn, bool writable) override {
    std::lock_guard lock(mutex);
    events.push_back({writable, conn.queued_bytes()});
  }
  std::vector<writable_event> snapshot() {
    std::lock_guard lock(mutex);
    return events;
  }

  static constexpr std::size_t flood_limit = 64 * 1024 * 1024;
  std::atomic<std::size_t> sent{0};
  std::atomic<bool> flood_done{false};
  std::mutex mutex;
  std::vector<writable_event> events;
};

// The stock echo, watched: the largest queue it ever had, and its pauses and resumes.
class watched_echo : public echo_protocol {
 public:
  void on_message(connection& conn, std::span<const std::byte> message) override {
    echo_protocol::on_message(conn, message);
    std::size_t queued = conn.queued_bytes();
    std::size_t seen = largest_queue.load();
    while (queued > seen && !largest_queue.compare_exchange_weak(seen, queued)) {
    }
  }
  void on_writable(connection& conn, bool writable) override {
    echo_protocol::on_writable(conn, writable);
    (writable ? resumes : pauses).fetch_add(1);
  }
  std::atomic<std::size_t> largest_queue{0};
  std::atomic<int> pauses{0};
  std::atomic<int> resumes{0};
};

class backpressure_test : public transport_test {
 protected:
  runtime rt{{.workers = 2}};
};

TEST_P(backpressure_test, unread_peer_flips_writable_false_then_true_once_drained) {
  auto flood = std::make_shared<flooder>();
  rt.register_protocol("flood", flood);
  auto server = listen(rt, "flood");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(eventually([&] { return flood->flood_done.load(); }, 10s));
  EXPECT_LT(flood->sent, flooder::flood_limit) << "never stopped being writable";
  auto events = flood->snapshot();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].writable);
  EXPECT_GT(events[0].queued, high_watermark);

  std::string drained = peer.read_exact(flood->sent, 20s);
  EXPECT_EQ(drained.size(), flood->sent);
  EXPECT_EQ(std::count(drained.begin(), drained.end(), 'f'), static_cast<std::ptrdiff_t>(drained.size()));
  ASSERT_TRUE(eventually([&] { return flood->snapshot().size() == 2; }));
  events = flood->snapshot();
  EXPECT_TRUE(events[1].writable);
  EXPECT_LE(events[1].queued, low_watermark);
}

// The peer sends without reading until TCP flow control stops it: the echo paused reading, so
// its queue stayed near the watermark; once the peer reads, every byte comes back in order.
TEST_P(backpressure_test, echo_pauses_reading_while_the_peer_does_not_read) {
  auto echo = std::make_shared<watched_echo>();
  rt.register_protocol("echo", echo);
  auto server = listen(rt, "echo");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();

  constexpr std::size_t send_limit = 256 * 1024 * 1024;
  std::string stream(send_limit / 64, '\0');
  for (std::size_t i = 0; i < stream.size(); ++i) {
    stream[i] = static_cast<char>(i % 253);
  }
  std::size_t written = 0;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool blocked = false;
  while (written < send_limit && std::chrono::steady_clock::now() < deadline) {
    std::size_t at = written % stream.size();
    auto chunk = as_bytes(std::string_view(stream).substr(at, std::min<std::size_t>(64 * 1024, stream.size() - at)));
    auto taken = peer.try_write(chunk);
    ASSERT_TRUE(taken.has_value()) << "write failed after " << written << " bytes";
    written += *taken;
    // Blocked for good: the socket takes nothing for a while, and the echo has paused.
    if (*taken == 0 && !peer.wait_writable(300ms) && echo->pauses > 0) {
      blocked = true;
      break;
    }
  }
  EXPECT_TRUE(blocked) << "the peer could write " << written << " bytes without reading";
  EXPECT_GE(echo->pauses, 1);
  EXPECT_LT(echo->largest_queue, 1024u * 1024u) << "the echo kept reading into its queue";

  // Drain: everything written comes back, in order.
  std::size_t checked = 0;
  while (checked < written) {
    std::string part = peer.read_exact(std::min<std::size_t>(written - checked, 1024 * 1024), 20s);
    ASSERT_FALSE(part.empty()) << "echo stalled after " << checked << " of " << written << " bytes";
    for (std::size_t i = 0; i < part.size(); ++i) {
      ASSERT_EQ(part[i], stream[(checked + i) % stream.size()]) << "at byte " << checked + i;
    }
    checked += part.size();
  }
  EXPECT_GE(echo->resumes, 1);
  EXPECT_EQ(server->stats().bytes_in, written);
  EXPECT_TRUE(eventually([&] { return server->stats().bytes_out == written; }));
}

INSTANTIATE_TRANSPORT_TESTS(backpressure_test);

}  // namespace
}  // namespace polyport::testing
