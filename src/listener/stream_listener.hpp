#pragma once
// A listener for the stream transports (tcp, tls, unix).
//
// tcp/tls: one SO_REUSEPORT socket per acceptor (default: one per worker); the kernel spreads
// new connections and each stays on the worker that accepted it. unix: one socket (the kernel
// cannot spread those); accepted connections go to the least-loaded worker.
// Accept path: accept4 (bounded per turn) → max_connections → socket options → transport
// handshake → protocol::on_open.
// Thread safety: the public methods are safe from any thread.

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "core/worker.hpp"
#include "polyport/listener.hpp"
#include "polyport/runtime.hpp"

namespace polyport::detail {

class tls_context;

class stream_listener final : public listener, public std::enable_shared_from_this<stream_listener> {
 public:
  // Binds and starts accepting; errors name what failed (bind, certificates, ...).
  static result<std::shared_ptr<stream_listener>> start(const std::shared_ptr<runtime::state>& runtime_state,
                                                        route_plan plan, std::shared_ptr<void> user_data);
  // Checks what start() would, short of binding.
  static result<void> check(const route_plan& plan);

  stream_listener(std::weak_ptr<runtime::state> runtime_state, route_plan plan, std::shared_ptr<void> user_data);
  ~stream_listener() override;

  std::string_view scheme() const override { return plan_.scheme; }
  polyport::transport transport() const override { return plan_.transport; }
  const endpoint& local() const override { return local_; }
  const polyport::options& options() const override { return plan_.opts; }
  connection_stats stats() const override { return stats_->snapshot(); }
  std::size_t max_connections() const override { return max_connections_.load(std::memory_order_relaxed); }
  void set_max_connections(std::size_t limit) override { max_connections_.store(limit, std::memory_order_relaxed); }
  void stop() override;
  bool is_running() const override { return running_.load(); }

  // Used by the runtime when it stops: stop without removing itself from the runtime's list.
  void stop_for_runtime();

 protected:
  void* user_data_pointer() const override { return user_data_.get(); }

 private:
  struct acceptor {
    worker* owner = nullptr;
    std::unique_ptr<boost::asio::posix::stream_descriptor> descriptor;
    std::unique_ptr<boost::asio::steady_timer> backoff;
    bool out_of_descriptors = false;  // logged once per episode
  };

  result<void> open_sockets(runtime::state& owner);
  void wait_for_connections(acceptor& a);
  void accept_ready(acceptor& a);
  void accept_failed(acceptor& a, int error_number);
  void adopt(worker& home, int fd, const endpoint& remote);
  void stop_accepting();
  void add_acceptor(worker& owner, int fd);
  void shut_down(bool remove_from_runtime, close_reason why);

  std::weak_ptr<runtime::state> runtime_;
  route_plan plan_;
  std::shared_ptr<void> user_data_;
  std::shared_ptr<tls_context> tls_;
  std::shared_ptr<stats_sink> stats_;
  std::shared_ptr<connection_context> context_;
  endpoint local_;
  std::vector<std::unique_ptr<acceptor>> acceptors_;
  std::atomic<std::size_t> max_connections_;
  std::atomic<bool> running_{false};
  std::mutex stop_mutex_;
};

}  // namespace polyport::detail
