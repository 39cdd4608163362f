// How a tcp listener spreads connections over workers: `acceptors=1` in the default reuseport
// mode keeps every connection on the one accepting worker; `acceptor_mode=balanced` hands each to
// the least-loaded worker, so long-lived connections opened one by one alternate.

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"

namespace polyport::testing {
namespace {

// Echoes, and counts the connections opened on each worker thread.
class thread_counting : public recording_protocol {
 public:
  thread_counting() : recording_protocol(true) {}
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    std::lock_guard lock(mutex_);
    ++per_thread_[std::this_thread::get_id()];
  }
  std::vector<int> counts() const {
    std::lock_guard lock(mutex_);
    std::vector<int> found;
    for (const auto& [thread, count] : per_thread_) {
      found.push_back(count);
    }
    return found;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::thread::id, int> per_thread_;
};

// Opens `count` connections one after the other, each after a round trip (so the previous one
// is adopted by its worker), and keeps them open.
std::vector<raw_peer> open_one_by_one(const listener& server, int count) {
  std::vector<raw_peer> peers;
  for (int i = 0; i < count; ++i) {
    peers.push_back(raw_peer::open(transport::tcp, server.local()));
    EXPECT_TRUE(peers.back().write_all("x"));
    EXPECT_EQ(peers.back().read_exact(1), "x");
  }
  return peers;
}

TEST(acceptor_mode, one_reuseport_acceptor_keeps_connections_on_its_worker) {
  runtime rt({.workers = 2});
  auto recorder = std::make_shared<thread_counting>();
  rt.register_protocol("rec", recorder);
  auto server = rt.listen("rec://127.0.0.1:0;transport=tcp;tcp_packet=raw;acceptors=1");
  ASSERT_TRUE(server) << server.error().message;
  auto peers = open_one_by_one(**server, 8);
  EXPECT_EQ(recorder->counts(), std::vector<int>{8});
}

TEST(acceptor_mode, balanced_spreads_connections_over_the_least_loaded_workers) {
  runtime rt({.workers = 2});
  auto recorder = std::make_shared<thread_counting>();
  rt.register_protocol("rec", recorder);
  auto server = rt.listen("rec://127.0.0.1:0;transport=tcp;tcp_packet=raw;acceptor_mode=balanced");
  ASSERT_TRUE(server) << server.error().message;
  auto peers = open_one_by_one(**server, 8);
  EXPECT_EQ(recorder->counts(), (std::vector<int>{4, 4}));
}

}  // namespace
}  // namespace polyport::testing
