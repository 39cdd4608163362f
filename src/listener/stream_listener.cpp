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
  if (!plan_.opts.proxy_trusted.empty()) {
    trusted_proxies_ = std::make_unique<polyport::access_rules>(plan_.opts.proxy_trusted, access_decision::deny);
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
  if (p.transport == transport::tls || p.transport == transport::wss || p.transport == transport::https) {
    auto context = make_tls_context(tls_role::server, p.opts.tls);
    if (!context) {
      return context.error();
    }
    started->tls_ = *context;
  }
  started->stats_ = std::make_shared<stats_sink>(static_cast<unsigned>(runtime_state->workers.size()));
  started->context_ = make_connection_context(p, started->user_data_, started->stats_, runtime_state->totals, false);
  started->context_->proxy_protocol = p.opts.proxy_protocol;
  started->context_->proxy_timeout = p.opts.proxy_protocol_timeout.value_or(std::chrono::milliseconds(5000));
  started->context_->rules = &started->rules_;
  std::weak_ptr<stream_listener> weak = started;
  started->context_->on_closed = [weak](stream_connection&) {
    if (auto self = weak.lock()) {
      self->connection_closed();
    }
  };
  std::lock_guard lock(started->control_mutex_);
  if (auto opened = started->open_sockets(*runtime_state); !opened) {
    return error{"cannot listen on \"" + p.url_text + "\": " + opened.error().message};
  }
  started->running_ = true;
  p.handler->on_listen(*started);
  for (auto& a : started->acceptors_) {
    a->start();
  }
  return started;
}

result<void> stream_listener::open_sockets(runtime::state& owner) {
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
    unsigned count = std::max(plan_.opts.acceptors.value_or(static_cast<unsigned>(owner.workers.size())), 1u);
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
  for (auto& [w, fd] : sockets) {
    acceptors_.push_back(std::make_shared<acceptor>(
        *w, fd, description(), stats_,
        [weak](worker& owner, int accepted_fd, const endpoint& remote) {
          if (auto self = weak.lock()) {
            self->accepted(owner, accepted_fd, remote);
          } else {
            ::close(accepted_fd);
          }
        },
        [weak] {
          auto self = weak.lock();
          return self && self->may_accept();
        }));
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
  if (policy_ == overload_policy::pause && stats_->current().load(std::memory_order_relaxed) >= max_connections()) {
    acceptors_parked_.store(true);
    return false;
  }
  return true;
}

void stream_listener::accepted(worker& owner, int fd, const endpoint& remote) {
  if (plan_.transport == transport::unix_stream) {
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
  stats_shard::add(context_->total_stats->shard(home.index()).closed[index], 1);
  // Reset rather than a graceful close: the client learns at once that it was refused.
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

std::optional<close_reason> stream_listener::refusal(const endpoint& remote) {
  // With a PROXY header the rules apply to the client it names, checked once it has been read.
  bool proxied = plan_.opts.proxy_protocol.value_or(proxy_protocol_mode::off) != proxy_protocol_mode::off;
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
  if (auto refused = refusal(remote)) {
    reject(home, fd, *refused);
    return;
  }
  std::size_t process_limit = owner->settings.max_connections;
  std::size_t here = stats_->current().fetch_add(1, std::memory_order_relaxed);
  std::size_t everywhere = owner->totals->current().fetch_add(1, std::memory_order_relaxed);
  // The process-wide cap counts inbound connections: the totals less the outbound ones.
  std::size_t inbound_everywhere = everywhere - std::min<std::size_t>(everywhere, owner->client_totals->current().load());
  if (here >= max_connections() || (process_limit != 0 && inbound_everywhere >= process_limit)) {
    stats_->current().fetch_sub(1, std::memory_order_relaxed);
    owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
    reject(home, fd, close_reason::max_connections);
    return;
  }
  // An untrusted source may not speak for a client: with `optional` it is a direct client (and
  // the rules apply to it now); otherwise it is refused.
  bool header_expected = plan_.opts.proxy_protocol.value_or(proxy_protocol_mode::off) != proxy_protocol_mode::off;
  if (header_expected && trusted_proxies_ && plan_.transport != transport::unix_stream &&
      trusted_proxies_->check(remote.address) == access_decision::deny) {
    header_expected = false;
    std::optional<close_reason> refused;
    if (*plan_.opts.proxy_protocol != proxy_protocol_mode::optional) {
      refused = close_reason::proxy_error;
    } else if (rules_.check(remote.address) == access_decision::deny) {
      refused = close_reason::denied;
    }
    if (refused) {
      stats_->current().fetch_sub(1, std::memory_order_relaxed);
      owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
      reject(home, fd, *refused);
      return;
    }
  }
  apply_stream_options(fd, plan_.transport != transport::unix_stream, plan_.opts);
  std::unique_ptr<byte_stream> stream = tls_ ? make_tls_stream(fd, tls_, {}) : make_plain_stream(fd);
  endpoint local = plan_.transport == transport::unix_stream ? local_ : local_endpoint_of(fd);
  auto conn = std::make_shared<stream_connection>(home, context_, std::move(stream), std::move(local), remote);
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
    closing.swap(acceptors_);
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
  auto owner = runtime_.lock();
  if (!owner) {
    return error{"the runtime is gone"};
  }
  if (auto opened = open_sockets(*owner); !opened) {
    return error{"cannot resume " + description() + ": " + opened.error().message};
  }
  suspended_ = false;
  for (auto& a : acceptors_) {
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
  {
    std::lock_guard lock(control_mutex_);
    if (!running_.exchange(false)) {
      return;
    }
    closing.swap(acceptors_);
  }
  close_sockets(std::move(closing));
  auto owner = runtime_.lock();
  if (owner) {
    const connection_context* mine = context_.get();
    owner->on_every_worker([mine, why](worker& w) {
      w.for_each_connection([mine, why](stream_connection& conn) {
        if (&conn.context() == mine) {
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
