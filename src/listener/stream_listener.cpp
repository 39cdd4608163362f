#include "listener/stream_listener.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <latch>
#include <limits>

#include "core/runtime_state.hpp"
#include "core/stream_connection.hpp"
#include "transport/socket_ops.hpp"
#include "transport/tls_context.hpp"
#include "transport/tls_stream.hpp"

namespace polyport::detail {

namespace {
constexpr int default_backlog = 1024;
}  // namespace

stream_listener::stream_listener(std::weak_ptr<runtime::state> runtime_state, route_plan plan,
                                 std::shared_ptr<void> user_data)
    : runtime_(std::move(runtime_state)),
      plan_(std::move(plan)),
      user_data_(std::move(user_data)),
      policy_(plan_.opts.max_connections_policy.value_or(overload_policy::reset)),
      max_connections_(plan_.opts.max_connections.value_or(default_max_connections)),
      rules_(plan_.opts.access_rules),
      // Unused while no limit is set, and kept brim-full: set_rate keeps the level, clamped to the
      // new capacity, so a limit set later (from the URL just below, or at run time) starts with
      // its whole burst.
      connection_rate_(token_rate{1, std::chrono::nanoseconds(1)}, std::numeric_limits<std::uint64_t>::max(),
                       std::chrono::steady_clock::now()) {
  if (plan_.opts.max_conn_rate) {
    set_max_conn_rate(*plan_.opts.max_conn_rate, plan_.opts.max_conn_burst.value_or(0));
  }
}

void stream_listener::set_max_conn_rate(connection_rate rate, std::uint32_t burst) {
  if (rate.count == 0) {
    connection_rate_on_ = false;
    return;
  }
  auto limit = connection_rate_limit_from(rate, burst == 0 ? std::nullopt : std::optional<std::uint32_t>(burst));
  connection_rate_.set_rate(limit.rate, limit.capacity, std::chrono::steady_clock::now());
  connection_rate_on_ = true;
}

// The acceptors' descriptors close their sockets as they go.
stream_listener::~stream_listener() = default;

void stream_listener::set_listener_rate_limit(const polyport::options& opts) {
  auto limit = byte_rate_limit_from(opts.listener_rate_limit, opts.listener_rate_limit_burst);
  if (!limit) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (shared_rate_limit_) {
    shared_rate_limit_->set_rate(per_second(limit->bytes_per_second), limit->burst, now);
  } else {
    shared_rate_limit_ = std::make_shared<shared_token_bucket>(per_second(limit->bytes_per_second), limit->burst, now);
  }
}

result<void> stream_listener::check(const route_plan& plan) {
  if (plan.transport == transport::tls || plan.transport == transport::wss || plan.transport == transport::https) {
    if (auto context = make_tls_context(tls_role::server, plan.opts.tls); !context) {
      return context.error();
    }
  }
  if (plan.transport != transport::unix_stream) {
    if (auto address = resolve_listen_address(plan.host, plan.kind == host_kind::any_ipv6,
                                              plan.kind == host_kind::any_ipv4);
        !address) {
      return address.error();
    }
  }
  return {};
}

result<std::shared_ptr<stream_listener>> stream_listener::start(const std::shared_ptr<runtime::state>& runtime_state,
                                                                route_plan plan, std::shared_ptr<void> user_data) {
  auto started = std::make_shared<stream_listener>(runtime_state, std::move(plan), std::move(user_data));
  const route_plan& p = started->plan_;
  started->stats_ = std::make_shared<stats_sink>(static_cast<unsigned>(runtime_state->workers.size()));
  started->set_listener_rate_limit(p.opts);
  auto setup = make_accept_setup(p, started->shared_context_parts(*runtime_state));
  if (!setup) {
    return setup.error();
  }
  started->setup_.store(*setup);
  std::lock_guard lock(started->control_mutex_);
  auto opened = started->listen_on(*runtime_state);
  if (!opened) {
    return error{"cannot listen on \"" + p.url_text + "\": " + opened.error().message};
  }
  started->running_ = true;
  p.handler->on_listen(*started);
  for (auto& a : *opened) {
    a->start();
  }
  return started;
}

result<stream_listener::acceptor_list> stream_listener::open_sockets(runtime::state& owner,
                                                                     const std::shared_ptr<shared_port>& port) {
  int backlog = plan_.opts.backlog.value_or(default_backlog);
  std::vector<std::pair<worker*, int>> sockets;
  auto discard = [&sockets] {
    for (auto& [w, fd] : sockets) {
      ::close(fd);
    }
  };
  if (plan_.transport == transport::unix_stream) {
    auto fd = open_unix_listen_socket(plan_.unix_path, backlog);
    if (!fd) {
      return fd.error();
    }
    local_.path = plan_.unix_path;
    sockets.emplace_back(owner.workers.front().get(), *fd);
  } else {
    auto address = resolve_listen_address(plan_.host, plan_.kind == host_kind::any_ipv6, plan_.kind == host_kind::any_ipv4);
    if (!address) {
      return address.error();
    }
    // After a suspend, listen again on the port we had (it was 0 the first time, perhaps).
    endpoint at{*address, local_.port != 0 ? local_.port : *plan_.port, {}};
    if (at.port != 0) {
      if (auto free = check_port_free(at); !free) {
        return free.error();
      }
    }
    // reuseport: a socket per worker by default, each keeping what it accepts; balanced: one
    // socket by default, handing what it accepts to the least-loaded worker.
    unsigned default_count = balanced() ? 1u : static_cast<unsigned>(owner.workers.size());
    unsigned count = std::max(plan_.opts.acceptors.value_or(default_count), 1u);
    for (unsigned i = 0; i < count; ++i) {
      auto fd = open_tcp_listen_socket(at, true, backlog);
      if (!fd) {
        discard();
        return fd.error();
      }
      if (i == 0) {
        // Port 0 asked: every other acceptor joins the port the kernel picked for the first.
        local_ = local_endpoint_of(*fd);
        at.port = local_.port;
      }
      sockets.emplace_back(owner.workers[i % owner.workers.size()].get(), *fd);
    }
  }
  std::weak_ptr<stream_listener> weak = shared_from_this();
  std::weak_ptr<shared_port> weak_port = port;
  acceptor::accepted_handler to_listener = [weak](worker& owner, int accepted_fd, const endpoint& remote) {
    if (auto self = weak.lock()) {
      self->accepted(owner, accepted_fd, remote);
    } else {
      ::close(accepted_fd);
    }
  };
  // A port's sockets outlive the listener that opened them while others share them.
  acceptor::accepted_handler to_port = [weak_port](worker& owner, int accepted_fd, const endpoint& remote) {
    if (auto shared = weak_port.lock()) {
      shared->accepted(owner, accepted_fd, remote);
    } else {
      ::close(accepted_fd);
    }
  };
  acceptor::accept_gate gate = [weak, weak_port] {
    if (auto shared = weak_port.lock()) {
      return shared->may_accept();
    }
    auto self = weak.lock();
    return self && self->may_accept();
  };
  acceptor_list opened;
  for (auto& [w, fd] : sockets) {
    opened.push_back(std::make_shared<acceptor>(*w, fd, description(), stats_, port ? to_port : to_listener, gate));
  }
  return opened;
}

connection_context stream_listener::shared_context_parts(const runtime::state& owner) {
  connection_context base;
  base.user_data = user_data_;
  base.own_stats = stats_;
  base.total_stats = owner.totals;
  base.owner = this;
  base.rules = &rules_;
  base.shared_rate_limit = shared_rate_limit_;
  std::weak_ptr<stream_listener> weak = weak_from_this();
  base.on_closed = [weak] {
    if (auto self = weak.lock()) {
      self->connection_closed();
    }
  };
  return base;
}

result<void> stream_listener::update(const polyport::options& changes) {
  std::lock_guard lock(update_mutex_);
  auto owner = runtime_.lock();
  if (!running_ || !owner) {
    return error{"the listener " + description() + " is stopped"};
  }
  auto current = setup_.load();
  route_plan next = plan_;
  next.opts = merge_options(current->opts, changes);
  if (auto supported = check_supported(next.opts); !supported) {
    return supported.error();
  }
  if (auto live = check_live_change(current->opts, next.opts); !live) {
    return live.error();
  }
  // Everything that can fail is built before anything changes: all or nothing.
  auto previous_bucket = shared_rate_limit_;
  if (changes.listener_rate_limit || changes.listener_rate_limit_burst) {
    set_listener_rate_limit(next.opts);
  }
  auto setup = make_accept_setup(next, shared_context_parts(*owner));
  if (!setup) {
    shared_rate_limit_ = previous_bucket;
    return error{"cannot update " + description() + ": " + setup.error().message};
  }
  setup_.store(*setup);
  if (!changes.access_rules.empty()) {
    rules_.replace(next.opts.access_rules);
  }
  policy_.store(next.opts.max_connections_policy.value_or(overload_policy::reset));
  if (changes.max_connections) {
    set_max_connections(*changes.max_connections);
  } else if (changes.max_connections_policy) {
    wake_acceptors();  // a policy switched to reset accepts (and resets) what waited
  }
  if (changes.max_conn_rate || changes.max_conn_burst) {
    if (next.opts.max_conn_rate) {
      set_max_conn_rate(*next.opts.max_conn_rate, next.opts.max_conn_burst.value_or(0));
    }
  }
  return {};
}

// Closes them on their own workers, where their waits run. Off a worker it waits, so that once
// this returns the kernel refuses new connections and the address can be bound again. Never
// called with control_mutex_ held: a worker closing a connection may need it meanwhile.
void stream_listener::close_sockets(std::vector<std::shared_ptr<acceptor>> closing) {
  bool wait = worker::current() == nullptr;
  auto closed = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(closing.size()));
  for (auto& a : closing) {
    a->close([closed] { closed->count_down(); });
  }
  if (wait) {
    closed->wait();
  }
}

bool stream_listener::may_accept() const {
  if (policy_.load(std::memory_order_relaxed) == overload_policy::pause && stats_->current().load(std::memory_order_relaxed) >= max_connections()) {
    acceptors_parked_.store(true);
    return false;
  }
  return true;
}

bool stream_listener::balanced() const {
  return plan_.opts.acceptor_mode.value_or(acceptor_mode::reuseport) == acceptor_mode::balanced;
}

void stream_listener::accepted(worker& owner, int fd, const endpoint& remote) {
  // The kernel cannot spread a unix socket's connections: those are always handed over.
  if (plan_.transport == transport::unix_stream || balanced()) {
    if (auto state = runtime_.lock()) {
      worker& home = state->least_loaded_worker();
      if (&home != &owner) {
        home.post([self = shared_from_this(), &home, fd, remote] { self->adopt(home, fd, remote); });
        return;
      }
    }
  }
  adopt(owner, fd, remote);
}

void stream_listener::reject(worker& home, int fd, close_reason why) {
  auto index = static_cast<std::size_t>(why);
  stats_shard::add(stats_->shard(home.index()).closed[index], 1);
  stats_shard::add(setup_.load()->context->total_stats->shard(home.index()).closed[index], 1);
  // Reset rather than a graceful close: the client learns at once that it was refused.
  reset_on_close(fd);
  ::close(fd);
}

std::optional<close_reason> stream_listener::refusal(const accept_setup& setup, const endpoint& remote) {
  // With a PROXY header the rules apply to the client it names, checked once it has been read.
  bool proxied = setup.proxy_mode != proxy_protocol_mode::off;
  // A unix socket's client has no IP address (an unbound one not even a path) for rules to match.
  if (!proxied && plan_.transport != transport::unix_stream && rules_.check(remote.address) == access_decision::deny) {
    return close_reason::denied;
  }
  if (connection_rate_on_.load(std::memory_order_relaxed) &&
      !connection_rate_.try_take(1, std::chrono::steady_clock::now())) {
    return close_reason::rate_limited;
  }
  return std::nullopt;
}

void stream_listener::adopt(worker& home, int fd, const endpoint& remote) {
  auto owner = runtime_.lock();
  if (!running_ || !owner) {
    ::close(fd);
    return;
  }
  std::shared_ptr<const accept_setup> setup = setup_.load();
  // A shared port applies the chosen listener's rules and limits per request, not here.
  std::shared_ptr<shared_port> port = port_.load();
  bool routed = port && port->routes_requests();
  if (auto refused = routed ? std::nullopt : refusal(*setup, remote)) {
    reject(home, fd, *refused);
    return;
  }
  stats_sink& counted = routed ? port->stats() : *stats_;
  std::size_t process_limit = owner->settings.max_connections;
  std::size_t here = counted.current().fetch_add(1, std::memory_order_relaxed);
  std::size_t everywhere = owner->totals->current().fetch_add(1, std::memory_order_relaxed);
  // The process-wide cap counts inbound connections: the totals less the outbound ones.
  std::size_t inbound_everywhere = everywhere - std::min<std::size_t>(everywhere, owner->client_totals->current().load());
  if ((!routed && here >= max_connections()) || (process_limit != 0 && inbound_everywhere >= process_limit)) {
    counted.current().fetch_sub(1, std::memory_order_relaxed);
    owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
    reject(home, fd, close_reason::max_connections);
    return;
  }
  // An untrusted source may not speak for a client: with `optional` it is a direct client (and
  // the rules apply to it now); otherwise it is refused.
  bool header_expected = setup->proxy_mode != proxy_protocol_mode::off;
  if (header_expected && setup->trusted_proxies && plan_.transport != transport::unix_stream &&
      setup->trusted_proxies->check(remote.address) == access_decision::deny) {
    header_expected = false;
    std::optional<close_reason> refused;
    if (setup->proxy_mode != proxy_protocol_mode::optional) {
      refused = close_reason::proxy_error;
    } else if (!routed && rules_.check(remote.address) == access_decision::deny) {
      refused = close_reason::denied;
    }
    if (refused) {
      counted.current().fetch_sub(1, std::memory_order_relaxed);
      owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
      reject(home, fd, *refused);
      return;
    }
  }
  apply_stream_options(fd, plan_.transport != transport::unix_stream, setup->opts);
  std::unique_ptr<byte_stream> stream = setup->tls ? make_tls_stream(fd, setup->tls, {}) : make_plain_stream(fd);
  endpoint local = plan_.transport == transport::unix_stream ? local_ : local_endpoint_of(fd);
  auto conn = std::make_shared<stream_connection>(home, routed ? port->context() : setup->context, std::move(stream),
                                                  std::move(local), remote);
  if (routed) {
    conn->route_through(port);
  }
  conn->start(nullptr, header_expected);
}

// Runs on a worker for every closed connection: keep it cheap unless someone waits for it.
void stream_listener::connection_closed() {
  if (acceptors_parked_.load(std::memory_order_relaxed)) {
    wake_acceptors();
  }
  if (draining_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(control_mutex_);  // so the drain's predicate check cannot miss this
    connections_changed_.notify_all();
  }
}

void stream_listener::wake_acceptors() {
  acceptors_parked_.store(false);
  if (auto port = port_.load()) {
    port->wake_acceptors();
  }
  std::vector<std::shared_ptr<acceptor>> parked;
  {
    std::lock_guard lock(control_mutex_);
    parked = acceptors_;
  }
  for (auto& a : parked) {
    a->resume();
  }
}

void stream_listener::set_max_connections(std::size_t limit) {
  std::size_t before = max_connections_.exchange(limit, std::memory_order_relaxed);
  if (limit > before) {
    wake_acceptors();
  }
}

void stream_listener::suspend() {
  std::vector<std::shared_ptr<acceptor>> closing;
  {
    std::lock_guard lock(control_mutex_);
    if (!running_ || suspended_.exchange(true)) {
      return;
    }
    // On a port others share, suspending stops the routing here; alone, it closes the socket.
    if (auto port = port_.load(); port && port->member_count() > 1) {
      port->set_routable(this, false);
      return;
    }
    closing.swap(acceptors_);
    detached left = detach();
    closing.insert(closing.end(), left.sockets.begin(), left.sockets.end());
  }
  close_sockets(std::move(closing));
}

result<void> stream_listener::resume() {
  std::lock_guard lock(control_mutex_);
  if (!running_) {
    return error{"the listener " + description() + " is stopped"};
  }
  if (!suspended_) {
    return {};
  }
  if (auto port = port_.load()) {
    port->set_routable(this, true);
    suspended_ = false;
    return {};
  }
  auto owner = runtime_.lock();
  if (!owner) {
    return error{"the runtime is gone"};
  }
  auto opened = listen_on(*owner);
  if (!opened) {
    return error{"cannot resume " + description() + ": " + opened.error().message};
  }
  suspended_ = false;
  for (auto& a : *opened) {
    a->start();
  }
  return {};
}

std::size_t stream_listener::drain(std::chrono::milliseconds grace) {
  suspend();
  {
    std::unique_lock lock(control_mutex_);
    draining_ = true;
    connections_changed_.wait_for(lock, grace, [this] { return stats_->current().load() == 0; });
    draining_ = false;
  }
  std::size_t left = stats_->current().load();
  stop();
  return left;
}

void stream_listener::stop() {
  shut_down(true, close_reason::listener_stopped);
}

void stream_listener::stop_for_runtime() {
  shut_down(false, close_reason::runtime_stopped);
}

void stream_listener::shut_down(bool remove_from_runtime, close_reason why) {
  std::vector<std::shared_ptr<acceptor>> closing;
  detached left;
  {
    std::lock_guard lock(control_mutex_);
    if (!running_.exchange(false)) {
      return;
    }
    closing.swap(acceptors_);
    left = detach();
  }
  closing.insert(closing.end(), left.sockets.begin(), left.sockets.end());
  close_sockets(std::move(closing));
  auto owner = runtime_.lock();
  if (owner) {
    const void* mine = this;
    // The last listener of a port also ends the port's connections that no request routed yet.
    const void* port = left.emptied.get();
    owner->on_every_worker([mine, port, why](worker& w) {
      w.for_each_connection([mine, port, why](registered_connection& conn) {
        if (conn.context().owner == mine || (port != nullptr && conn.context().owner == port)) {
          conn.terminate(why);
        }
      });
    });
  }
  if (plan_.transport == transport::unix_stream) {
    ::unlink(plan_.unix_path.c_str());
  }
  plan_.handler->on_listen_stop(*this);
  if (owner && remove_from_runtime) {
    owner->remove_listener(this);
  }
}

}  // namespace polyport::detail
