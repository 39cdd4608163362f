// The shared-port half of stream_listener (issue 5): binding a port or joining the one another
// http/ws listener bound, leaving it, and admitting the requests the port routes here.

#include "core/runtime_state.hpp"
#include "listener/stream_listener.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::detail {

result<stream_listener::acceptor_list> stream_listener::listen_on(runtime::state& owner) {
  if (shares_ports(plan_.transport)) {
    return attach(owner);
  }
  auto opened = open_sockets(owner, nullptr);
  if (opened) {
    acceptors_ = *opened;
  }
  return opened;
}

result<stream_listener::acceptor_list> stream_listener::attach(runtime::state& owner) {
  auto address = resolve_listen_address(plan_.host, plan_.kind == host_kind::any_ipv6, plan_.kind == host_kind::any_ipv4);
  if (!address) {
    return address.error();
  }
  std::uint16_t wanted = local_.port != 0 ? local_.port : *plan_.port;
  std::lock_guard ports_lock(owner.ports_mutex);
  if (wanted != 0) {
    auto found = owner.ports.find(endpoint{*address, wanted, {}}.to_string());
    if (auto port = found != owner.ports.end() ? found->second.lock() : nullptr) {
      if (auto compatible = port->check_compatible(plan_); !compatible) {
        return compatible.error();
      }
      if (auto joined = port->join(shared_from_this(), route_for(plan_, this)); !joined) {
        return joined.error();
      }
      local_ = endpoint{*address, wanted, {}};
      port_.store(port);
      return acceptor_list{};
    }
  }
  auto port = std::make_shared<shared_port>(plan_, static_cast<unsigned>(owner.workers.size()));
  auto opened = open_sockets(owner, port);
  if (!opened) {
    return opened.error();
  }
  // Connections of a shared port start on the first listener's settings (TLS, timeouts, limits)
  // and its own counters, and take a listener's context when their first request is routed.
  auto context = std::make_shared<connection_context>(*setup_.load()->context);
  context->scheme = "http";
  context->transport = plan_.transport == transport::https || plan_.transport == transport::wss ? transport::https
                                                                                                : transport::http;
  context->protocol = std::make_shared<polyport::protocol>();
  context->ws = nullptr;
  context->user_data = nullptr;
  context->own_stats = port->shared_stats();  // not the port itself: it holds this context
  context->owner = port.get();
  context->on_closed = nullptr;
  context->rules = nullptr;
  static_cast<void>(port->join(shared_from_this(), route_for(plan_, this)));  // the first: nothing to clash with
  std::string key = local_.to_string();
  port->adopt_sockets(*opened, std::move(context), key);
  owner.ports[key] = port;
  port_.store(port);
  return opened;
}

stream_listener::detached stream_listener::detach() {
  auto port = port_.exchange(nullptr);
  if (!port) {
    return {};
  }
  auto owner = runtime_.lock();
  std::unique_lock<std::mutex> ports_lock;
  if (owner) {
    ports_lock = std::unique_lock(owner->ports_mutex);
  }
  if (!port->leave(this)) {
    return {};
  }
  if (owner) {
    if (auto found = owner->ports.find(port->key()); found != owner->ports.end() && found->second.lock() == port) {
      owner->ports.erase(found);
    }
  }
  return {port->take_acceptors(), port};
}

route_answer stream_listener::admit(const endpoint& peer, bool entering) {
  worker* here = worker::current();
  auto refuse = [&](close_reason why, int status) {
    if (here != nullptr) {
      stats_shard::add(stats_->shard(here->index()).closed[static_cast<std::size_t>(why)], 1);
    }
    return route_answer{nullptr, status};
  };
  if (!running_.load(std::memory_order_relaxed)) {
    return {};
  }
  if (rules_.check(peer.address) == access_decision::deny) {
    return refuse(close_reason::denied, 403);
  }
  if (entering && stats_->current().fetch_add(1, std::memory_order_relaxed) >= max_connections()) {
    stats_->current().fetch_sub(1, std::memory_order_relaxed);
    return refuse(close_reason::max_connections, 503);
  }
  return {setup_.load()->context, 0};
}

}  // namespace polyport::detail
