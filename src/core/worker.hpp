#pragma once
// A worker: one thread running one io_context. Every connection belongs to one worker for its
// whole life; its socket, timers, buffers and protocol state are touched only there.
// Thread safety: post() from any thread; everything else on the worker's own thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/idle_tracker.hpp"
#include "core/intrusive_list.hpp"
#include "core/readiness_reactor.hpp"
#include "polyport/close_reason.hpp"

namespace polyport::detail {

struct connection_context;
struct registry_tag {};

// What the worker's registry holds: any connection (stream or datagram) it can end when its
// listener or the runtime stops.
class registered_connection : public list_node<registry_tag> {
 public:
  // Closes at once without flushing.
  virtual void terminate(close_reason reason) = 0;
  virtual const connection_context& context() const = 0;

 protected:
  ~registered_connection() = default;
};

class worker {
 public:
  explicit worker(unsigned index);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void start();
  // Runs `action` on this worker; from any thread.
  void post(std::function<void()> action);
  // Lets the loop finish its queued work and joins the thread. From any other thread.
  void stop_and_join();

  // The worker this thread runs, or nullptr on any other thread.
  static worker* current();
  bool is_current() const { return current() == this; }

  unsigned index() const { return index_; }
  boost::asio::io_context& io() { return io_; }
  idle_tracker& idle() { return idle_; }
  readiness_reactor& reactor() { return reactor_; }

  // Every read of every connection of this worker lands here first; a connection keeps only
  // what its protocol left unconsumed, so idle connections hold no read buffer.
  std::span<std::byte> read_buffer() { return read_buffer_; }

  // Live connections of this worker (to stop them with their listener or the runtime).
  void adopt(registered_connection& conn);
  void forget(registered_connection& conn);
  template <class Visit>
  void for_each_connection(Visit visit) {
    connections_.for_each(visit);
  }
  // From any thread: used to place new connections on the least-loaded worker.
  std::size_t load() const { return load_.load(std::memory_order_relaxed); }

 private:
  unsigned index_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running_;
  idle_tracker idle_;
  readiness_reactor reactor_;
  std::vector<std::byte> read_buffer_;
  intrusive_list<registered_connection, registry_tag> connections_;
  std::atomic<std::size_t> load_{0};
  std::thread thread_;
};

}  // namespace polyport::detail
