#pragma once
// Idle timeouts for every connection of a worker with one timer.
//
// Connections with the same timeout sit in one list ordered by last activity: activity moves a
// connection to the tail (O(1), no timer touched), so each list's head is the next to expire.
// The worker's single timer is armed for the earliest head; when activity has moved that head on,
// the timer fires early, finds nothing due, and re-arms. Cheap at 20,000 connections, exact to
// the timer's resolution.
// Thread safety: none; owned by one worker.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "core/intrusive_list.hpp"

namespace polyport::detail {

struct idle_tag {};
class idle_tracker;

// What the tracker watches; implemented by connections.
class idle_member : public list_node<idle_tag> {
 public:
  using clock = std::chrono::steady_clock;
  virtual void idle_expired() = 0;

 protected:
  ~idle_member() = default;

 private:
  friend class idle_tracker;
  clock::time_point last_activity_{};
  std::chrono::milliseconds timeout_{0};
  void* list_ = nullptr;  // the timeout_list it is in
};

class idle_tracker {
 public:
  using clock = idle_member::clock;

  explicit idle_tracker(boost::asio::io_context& io);

  // Starts (or restarts) watching `member` with `timeout`; zero stops watching it.
  void watch(idle_member& member, std::chrono::milliseconds timeout);
  // Records activity at `when` (a recent clock reading the caller already has).
  void touch(idle_member& member, clock::time_point when) {
    if (member.is_linked()) {
      move_to_tail(member, when);
    }
  }
  void unwatch(idle_member& member);
  // Watches `member` again with the timeout it was last watched with (after it expired and the
  // protocol chose to keep it).
  void restart(idle_member& member) { watch(member, member.timeout_); }
  std::size_t watched() const;

 private:
  struct timeout_list {
    std::chrono::milliseconds timeout;
    intrusive_list<idle_member, idle_tag> members;
  };

  void move_to_tail(idle_member& member, clock::time_point when);
  void arm_for(clock::time_point deadline);
  void on_timer();
  void expire_due(clock::time_point now);
  void rearm();

  boost::asio::steady_timer timer_;
  clock::time_point armed_for_ = clock::time_point::max();
  std::vector<std::unique_ptr<timeout_list>> lists_;
};

}  // namespace polyport::detail
