#include "core/idle_tracker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <vector>

namespace polyport::detail {
namespace {

using namespace std::chrono_literals;

struct recorder final : idle_member {
  recorder(std::string name, std::vector<std::string>& log) : name(std::move(name)), log(log) {}
  void idle_expired() override { log.push_back(name); }
  std::string name;
  std::vector<std::string>& log;
};

// Runs the loop until `until` has passed on the steady clock.
void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  io.restart();
  io.run_for(duration);
}

TEST(idle_tracker, expires_members_after_their_timeout_in_order_of_activity) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  std::vector<std::string> log;
  recorder first("first", log), second("second", log);
  tracker.watch(first, 30ms);
  tracker.watch(second, 30ms);
  run_for(io, 200ms);
  EXPECT_EQ(log, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(tracker.watched(), 0u);
}

TEST(idle_tracker, activity_postpones_expiry) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  std::vector<std::string> log;
  recorder busy("busy", log), quiet("quiet", log);
  tracker.watch(busy, 80ms);
  tracker.watch(quiet, 80ms);
  // Touch `busy` every 20 ms for 200 ms: it must outlive `quiet` by far.
  boost::asio::steady_timer ticker(io);
  int ticks = 0;
  std::function<void()> tick = [&] {
    ticker.expires_after(20ms);
    ticker.async_wait([&](const boost::system::error_code&) {
      tracker.touch(busy, std::chrono::steady_clock::now());
      if (++ticks < 10) {
        tick();
      }
    });
  };
  tick();
  run_for(io, 150ms);
  EXPECT_EQ(log, (std::vector<std::string>{"quiet"}));
  run_for(io, 400ms);
  EXPECT_EQ(log, (std::vector<std::string>{"quiet", "busy"}));
}

TEST(idle_tracker, different_timeouts_expire_independently) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  std::vector<std::string> log;
  recorder slow("slow", log), fast("fast", log);
  tracker.watch(slow, 150ms);
  tracker.watch(fast, 20ms);
  run_for(io, 100ms);
  EXPECT_EQ(log, (std::vector<std::string>{"fast"}));
  run_for(io, 300ms);
  EXPECT_EQ(log, (std::vector<std::string>{"fast", "slow"}));
}

TEST(idle_tracker, unwatch_and_zero_timeout_stop_watching) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  std::vector<std::string> log;
  recorder removed("removed", log), disabled("disabled", log), kept("kept", log);
  tracker.watch(removed, 20ms);
  tracker.watch(disabled, 20ms);
  tracker.watch(kept, 20ms);
  tracker.unwatch(removed);
  tracker.watch(disabled, 0ms);
  EXPECT_EQ(tracker.watched(), 1u);
  run_for(io, 200ms);
  EXPECT_EQ(log, (std::vector<std::string>{"kept"}));
}

TEST(idle_tracker, a_member_may_rewatch_itself_when_it_expires) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  int expirations = 0;
  struct keeper final : idle_member {
    idle_tracker* tracker = nullptr;
    int* count = nullptr;
    void idle_expired() override {
      if (++*count < 3) {
        tracker->watch(*this, std::chrono::milliseconds(10));
      }
    }
  } member;
  member.tracker = &tracker;
  member.count = &expirations;
  tracker.watch(member, 10ms);
  run_for(io, 300ms);
  EXPECT_EQ(expirations, 3);
  EXPECT_EQ(tracker.watched(), 0u);
}

TEST(idle_tracker, many_members_all_expire_once) {
  boost::asio::io_context io;
  idle_tracker tracker(io);
  std::vector<std::string> log;
  std::vector<std::unique_ptr<recorder>> members;
  for (int i = 0; i < 5000; ++i) {
    members.push_back(std::make_unique<recorder>(std::to_string(i), log));
    tracker.watch(*members.back(), std::chrono::milliseconds(10 + (i % 5) * 10));
  }
  run_for(io, 500ms);
  EXPECT_EQ(log.size(), 5000u);
  EXPECT_EQ(tracker.watched(), 0u);
}

}  // namespace
}  // namespace polyport::detail
