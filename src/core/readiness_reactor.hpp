#pragma once
// Readiness events for a worker's stream connections, from one epoll set of the worker's own.
//
// Each socket is registered once, edge-triggered, for input, output and peer hang-up: no system
// call per wait (asio's per-operation waits cost an epoll_ctl each), and the hang-up flag lets a
// connection stop reading after a short read without missing a FIN that came with the data.
// The epoll set itself is watched by the worker's io_context, so timers, posts and accepts stay
// on asio.
// Thread safety: none; owned by one worker and used on its thread (add may run before it starts).

#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>

namespace polyport::detail {

class io_event_target {
 public:
  // `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR).
  virtual void on_io_event(std::uint32_t events) = 0;

 protected:
  ~io_event_target() = default;
};

class readiness_reactor {
 public:
  explicit readiness_reactor(boost::asio::io_context& io);
  ~readiness_reactor();
  readiness_reactor(const readiness_reactor&) = delete;
  readiness_reactor& operator=(const readiness_reactor&) = delete;

  // Reports `fd`'s readiness to `target` until remove(). Returns false (errno set) on failure.
  // An fd that is ready already is reported at once. `events`: what to watch (a UDP socket,
  // always writable, watches EPOLLIN only).
  bool add(int fd, io_event_target& target, std::uint32_t events = EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  // Call before closing `fd`. Events already fetched for it in this turn are still delivered:
  // the target must stay alive until the worker's next turn.
  void remove(int fd);

  // The time for idle bookkeeping: inside a batch of events, when the batch was fetched (one clock
  // read shared by every connection the batch touches); outside one, the clock.
  std::chrono::steady_clock::time_point now() const {
    return dispatching_ ? batch_time_ : std::chrono::steady_clock::now();
  }

 private:
  void wait();
  void dispatch();

  int epoll_fd_;
  boost::asio::posix::stream_descriptor watch_;
  std::array<epoll_event, 256> events_{};
  std::chrono::steady_clock::time_point batch_time_{};
  bool dispatching_ = false;
};

}  // namespace polyport::detail
