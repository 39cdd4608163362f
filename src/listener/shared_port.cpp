#include "listener/shared_port.hpp"

#include <unistd.h>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "listener/acceptor.hpp"
#include "listener/stream_listener.hpp"

namespace polyport::detail {

namespace {

bool is_tls(polyport::transport transport) {
  return transport == transport::https || transport == transport::wss;
}

bool same_tls(const polyport::tls_options& a, const polyport::tls_options& b) {
  return a.certfile == b.certfile && a.keyfile == b.keyfile && a.cacertfile == b.cacertfile &&
         a.password == b.password && a.verify == b.verify && a.depth == b.depth && a.versions == b.versions;
}

bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return ip_address::parse(host).has_value();
}

}  // namespace

bool shares_ports(polyport::transport transport) {
  return transport == transport::http || transport == transport::https || transport == transport::ws ||
         transport == transport::wss;
}

http_route route_for(const route_plan& plan, const void* target) {
  http_route route;
  if (plan.opts.host && !is_ip_literal(*plan.opts.host)) {
    route.host = *plan.opts.host;
  }
  route.path = plan.opts.path.value_or("/");
  if (route.path.empty() || route.path.front() != '/') {
    route.path.insert(0, "/");
  }
  bool websocket = plan.transport == transport::ws || plan.transport == transport::wss;
  route.kind = websocket ? route_kind::websocket : route_kind::http;
  if (websocket) {
    route.ws_proto = plan.opts.ws_proto.value_or("");
  }
  route.target = target;
  return route;
}

shared_port::shared_port(const route_plan& first, unsigned worker_count)
    : tls_(is_tls(first.transport)),
      tls_settings_(first.opts.tls),
      first_url_(first.url_text),
      stats_(std::make_shared<stats_sink>(worker_count)) {
  snapshot_.store(std::make_shared<const snapshot>());
}

result<void> shared_port::check_compatible(const route_plan& plan) const {
  if (is_tls(plan.transport) != tls_) {
    return error{"cannot share the port of \"" + first_url_ + "\": " +
                 (tls_ ? "it serves TLS (https, wss) and this listener is " : "it serves plain http and ws and this listener is ") +
                 std::string(to_string(plan.transport))};
  }
  if (tls_ && !same_tls(plan.opts.tls, tls_settings_)) {
    return error{"cannot share the port of \"" + first_url_ +
                 "\": its TLS settings (tls_* options) differ, and a shared port has the first listener's "
                 "certificate; give the same tls_* options or another port"};
  }
  return {};
}

result<void> shared_port::join(const std::shared_ptr<stream_listener>& joining, http_route route) {
  std::lock_guard lock(mutex_);
  http_route_table check = snapshot_.load()->table;
  for (const auto& present : members_) {
    if (!present.routable) {
      // A suspended listener keeps its route: it comes back with resume().
      if (auto taken = check.add(present.route); !taken) {
        return taken.error();
      }
    }
  }
  if (auto added = check.add(route); !added) {
    return error{"cannot share the port of \"" + first_url_ + "\": " + added.error().message};
  }
  members_.push_back({joining, joining.get(), std::move(route), true});
  member_count_.store(members_.size());
  if (members_.size() > 1) {
    routing_.store(true);
  }
  publish();
  return {};
}

bool shared_port::leave(const stream_listener* leaving) {
  std::lock_guard lock(mutex_);
  std::erase_if(members_, [leaving](const member& m) { return m.address == leaving; });
  member_count_.store(members_.size());
  publish();
  return members_.empty();
}

void shared_port::set_routable(const stream_listener* changed, bool routable) {
  std::lock_guard lock(mutex_);
  for (auto& m : members_) {
    if (m.address == changed) {
      m.routable = routable;
    }
  }
  publish();
}

void shared_port::publish() {
  auto next = std::make_shared<snapshot>();
  next->members = members_;
  for (const auto& m : members_) {
    if (m.routable) {
      static_cast<void>(next->table.add(m.route));  // checked unique when it joined
    }
  }
  snapshot_.store(std::move(next));
}

void shared_port::adopt_sockets(std::vector<std::shared_ptr<acceptor>> acceptors,
                                std::shared_ptr<const connection_context> context, std::string key) {
  std::lock_guard lock(mutex_);
  acceptors_ = std::move(acceptors);
  context_ = std::move(context);
  key_ = std::move(key);
}

std::vector<std::shared_ptr<acceptor>> shared_port::take_acceptors() {
  std::lock_guard lock(mutex_);
  return std::move(acceptors_);
}

void shared_port::wake_acceptors() {
  std::vector<std::shared_ptr<acceptor>> parked;
  {
    std::lock_guard lock(mutex_);
    parked = acceptors_;
  }
  for (auto& a : parked) {
    a->resume();
  }
}

std::shared_ptr<stream_listener> shared_port::first_member() const {
  for (const auto& m : snapshot_.load()->members) {
    if (auto listener = m.listener.lock()) {
      return listener;
    }
  }
  return nullptr;
}

void shared_port::accepted(worker& owner, int fd, const endpoint& remote) {
  if (auto first = first_member()) {
    first->accepted(owner, fd, remote);
  } else {
    ::close(fd);
  }
}

bool shared_port::may_accept() const {
  auto first = first_member();
  return first && first->may_accept();
}

route_answer shared_port::route(const route_query& query, const endpoint& peer, const void* current) const {
  auto now = snapshot_.load();
  const http_route* chosen = now->table.match(query);
  if (chosen == nullptr) {
    return {};
  }
  for (const auto& m : now->members) {
    if (m.address == chosen->target) {
      if (auto listener = m.listener.lock()) {
        return listener->admit(peer, current != chosen->target);
      }
    }
  }
  return {};
}

}  // namespace polyport::detail
