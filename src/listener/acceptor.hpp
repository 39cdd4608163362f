#pragma once
// The accept loop of one listening socket, on one worker: wait until readable, accept4 up to a
// bound per turn (fairness with the worker's connections), and hand each new socket on.
// Out of file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM): back off 100 ms at a time, log once
// per episode, count it; never spin. A gate lets the listener park the loop (max_connections with
// the pause policy, a connection-rate limit) while the kernel's backlog holds new connections.
// Thread safety: start/park/resume/close from any thread (posted to the owning worker).

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/stats_sink.hpp"
#include "core/worker.hpp"
#include "polyport/endpoint.hpp"

namespace polyport::detail {

class acceptor : public std::enable_shared_from_this<acceptor> {
 public:
  // On the owning worker, for every accepted socket (now owned by the handler).
  using accepted_handler = std::function<void(worker& owner, int fd, const endpoint& remote)>;
  // On the owning worker, before each accept: false parks the loop until resume().
  using accept_gate = std::function<bool()>;

  acceptor(worker& owner, int listen_fd, std::string label, std::shared_ptr<stats_sink> stats,
           accepted_handler on_accepted, accept_gate may_accept);

  void start();
  void resume();
  // Closes the listening socket on the owning worker; the loop ends. `done` runs after it closed.
  void close(std::function<void()> done = nullptr);

  worker& owner() const { return owner_; }

 private:
  void wait();
  void accept_ready();
  void accept_failed(int error_number);

  worker& owner_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer backoff_;
  std::string label_;
  std::shared_ptr<stats_sink> stats_;
  accepted_handler on_accepted_;
  accept_gate may_accept_;
  bool closed_ = false;
  bool waiting_ = false;
  bool parked_ = false;
  bool out_of_descriptors_ = false;  // logged once per episode
};

}  // namespace polyport::detail
