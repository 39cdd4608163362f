#include "listener/accept_setup.hpp"

#include <string>

#include "transport/tls_context.hpp"

namespace polyport::detail {

namespace {

constexpr std::chrono::milliseconds default_proxy_timeout{5000};

template <class T>
bool differs(const T& a, const T& b) {
  return !(a == b);
}

}  // namespace

result<std::shared_ptr<const accept_setup>> make_accept_setup(const route_plan& plan, const connection_context& base) {
  auto setup = std::make_shared<accept_setup>();
  setup->opts = plan.opts;
  if (plan.transport == transport::tls || plan.transport == transport::wss || plan.transport == transport::https) {
    auto tls = make_tls_context(tls_role::server, plan.opts.tls);
    if (!tls) {
      return tls.error();
    }
    setup->tls = *tls;
  }
  auto context = make_connection_context(plan, base.user_data, base.own_stats, base.total_stats, false);
  context->owner = base.owner;
  context->on_closed = base.on_closed;
  context->rules = base.rules;
  context->shared_rate_limit = base.shared_rate_limit;
  context->proxy_protocol = plan.opts.proxy_protocol;
  context->proxy_timeout = plan.opts.proxy_protocol_timeout.value_or(default_proxy_timeout);
  setup->context = std::move(context);
  if (!plan.opts.proxy_trusted.empty()) {
    setup->trusted_proxies = std::make_shared<const access_rules>(plan.opts.proxy_trusted, access_decision::deny);
  }
  setup->proxy_mode = plan.opts.proxy_protocol.value_or(proxy_protocol_mode::off);
  return std::shared_ptr<const accept_setup>(std::move(setup));
}

result<void> check_live_change(const options& before, const options& after) {
  std::string changed;
  if (differs(before.transport, after.transport)) {
    changed = "transport";
  } else if (differs(before.host, after.host)) {
    changed = "host";
  } else if (differs(before.path, after.path)) {
    changed = "path";
  } else if (differs(before.backlog, after.backlog)) {
    changed = "backlog";
  } else if (differs(before.acceptors, after.acceptors)) {
    changed = "acceptors";
  } else if (differs(before.acceptor_mode, after.acceptor_mode)) {
    changed = "acceptor_mode";
  } else if (differs(before.class_name, after.class_name)) {
    changed = "class";
  } else if (differs(before.ws_proto, after.ws_proto)) {
    changed = "ws_proto";
  } else if (differs(before.udp_stun_reply, after.udp_stun_reply) ||
             differs(before.udp_no_connections, after.udp_no_connections) ||
             differs(before.udp_starts_tcp, after.udp_starts_tcp) || differs(before.udp_max_size, after.udp_max_size)) {
    changed = "udp options";
  } else if (differs(before.sctp_in_streams, after.sctp_in_streams) ||
             differs(before.sctp_out_streams, after.sctp_out_streams)) {
    changed = "sctp options";
  }
  if (!changed.empty()) {
    return error{"cannot change " + changed + " while the listener runs (it needs a new socket): stop it and "
                 "start a new one"};
  }
  return {};
}

}  // namespace polyport::detail
