#pragma once
// A listener for the stream transports (tcp, tls, unix).
//
// tcp/tls: one SO_REUSEPORT socket per acceptor (default: one per worker); the kernel spreads
// new connections and each stays on the worker that accepted it. acceptor_mode=balanced: one
// socket (or `acceptors`), and each accepted connection goes to the least-loaded worker, which
// evens out few, long-lived peers that the kernel's hash may pile on one worker. unix: one socket
// (the kernel cannot spread those), handed over like balanced.
// Accept path: acceptor (accept4, bounded per turn) → max_connections (reset, or pause the
// acceptors) → socket options → stream_connection (transport handshake → protocol::on_open).
// http, https, ws, wss: the sockets belong to a shared_port, which later listeners on the same
// ip:port join instead of binding; while it has several, requests are routed to them by host
// and path (shared_port.hpp).
// Thread safety: the public methods are safe from any thread.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "core/token_bucket.hpp"
#include "core/worker.hpp"
#include "listener/acceptor.hpp"
#include "listener/accept_setup.hpp"
#include "listener/owned_listener.hpp"
#include "listener/shared_port.hpp"
#include "polyport/listener.hpp"
#include "polyport/runtime.hpp"

namespace polyport::detail {

class stream_listener final : public owned_listener, public std::enable_shared_from_this<stream_listener> {
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
  polyport::options options() const override { return setup_.load()->opts; }
  result<void> update(const polyport::options& changes) override;
  connection_stats stats() const override { return stats_->snapshot(); }
  std::size_t max_connections() const override { return max_connections_.load(std::memory_order_relaxed); }
  void set_max_connections(std::size_t limit) override;
  void suspend() override;
  result<void> resume() override;
  bool is_suspended() const override { return suspended_.load(); }
  std::size_t drain(std::chrono::milliseconds grace) override;
  polyport::access_rules& access() override { return rules_; }
  void set_max_conn_rate(connection_rate rate, std::uint32_t burst) override;
  void stop() override;
  bool is_running() const override { return running_.load(); }

  void stop_for_runtime() override;

  // A shared port routed a request here: its context, or the status to answer (403 when the
  // access rules deny `peer`, 503 when `entering` would pass max_connections; both counted).
  // On the connection's worker.
  route_answer admit(const endpoint& peer, bool entering);

 protected:
  void* user_data_pointer() const override { return user_data_.get(); }

 private:
  friend class shared_port;  // its acceptors call accepted() and may_accept()
  using acceptor_list = std::vector<std::shared_ptr<acceptor>>;
  // Opens the sockets of this listener: its own, or (http, https, ws, wss) a port's, or joins the
  // port another listener opened. Returns the new acceptors, to start once running.
  result<acceptor_list> listen_on(runtime::state& owner);
  // `port`: the acceptors hand their connections to it rather than to this listener.
  result<acceptor_list> open_sockets(runtime::state& owner, const std::shared_ptr<shared_port>& port);
  result<acceptor_list> attach(runtime::state& owner);
  // Leaves the port (with control_mutex_ held). When it was the last listener: the port's sockets
  // to close, and the port, whose connections not yet routed must end too.
  struct detached {
    acceptor_list sockets;
    std::shared_ptr<shared_port> emptied;
  };
  detached detach();
  void close_sockets(std::vector<std::shared_ptr<acceptor>> closing);
  bool may_accept() const;
  bool balanced() const;
  void accepted(worker& owner, int fd, const endpoint& remote);
  void adopt(worker& home, int fd, const endpoint& remote);
  void reject(worker& home, int fd, close_reason why);
  // The accept-time checks that need no bytes from the peer; nullopt when it may come in.
  std::optional<close_reason> refusal(const accept_setup& setup, const endpoint& remote);
  // What every accept setup of this listener shares: stats, rules, hooks, the byte bucket.
  connection_context shared_context_parts(const runtime::state& owner);
  // listener_rate_limit: creates the shared bucket, or changes its rate (its connections keep it).
  void set_listener_rate_limit(const polyport::options& opts);
  void connection_closed();
  void wake_acceptors();
  void shut_down(bool remove_from_runtime, close_reason why);

  std::weak_ptr<runtime::state> runtime_;
  route_plan plan_;
  std::shared_ptr<void> user_data_;
  std::shared_ptr<stats_sink> stats_;
  // Read by every accept; replaced whole by update().
  std::atomic<std::shared_ptr<const accept_setup>> setup_;
  std::shared_ptr<shared_token_bucket> shared_rate_limit_;  // listener_rate_limit
  std::mutex update_mutex_;                                 // one update() at a time
  endpoint local_;
  std::atomic<overload_policy> policy_;
  std::atomic<std::size_t> max_connections_;
  std::atomic<bool> running_{false};
  std::atomic<bool> suspended_{false};
  mutable std::atomic<bool> acceptors_parked_{false};  // set by the accept gate
  std::atomic<bool> draining_{false};
  polyport::access_rules rules_;
  // max_conn_rate: one bucket shared by every acceptor, consulted while the limit is on.
  shared_token_bucket connection_rate_;
  std::atomic<bool> connection_rate_on_{false};

  // Guards the acceptor list (suspend/resume/stop) and the drain wait.
  std::mutex control_mutex_;
  std::condition_variable connections_changed_;
  std::vector<std::shared_ptr<acceptor>> acceptors_;
  // http, https, ws, wss: the port this listener is on; null while stopped or suspended alone.
  std::atomic<std::shared_ptr<shared_port>> port_;
};

}  // namespace polyport::detail
