// What a UDP or DTLS listener refuses before it binds anything: options of byte streams it
// cannot honour, and the dtls combinations that make no sense. Each refusal names the option.

#include <algorithm>

#include "listener/udp_listener.hpp"
#include "transport/dtls_record.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::detail {

result<void> udp_listener::check(const route_plan& plan) {
  if (plan.opts.proxy_protocol.value_or(proxy_protocol_mode::off) != proxy_protocol_mode::off) {
    return error{"proxy_protocol does not apply to udp listeners"};
  }
  if (plan.opts.max_conn_rate) {
    return error{"max_conn_rate does not apply to udp listeners (max_connections bounds the peers)"};
  }
  // Options of byte streams a datagram listener cannot honour: an error, never silently ignored.
  const polyport::options& o = plan.opts;
  for (auto [given, name] : {std::pair{o.rate_limit || o.rate_limit_burst, "rate_limit"},
                             std::pair{o.listener_rate_limit || o.listener_rate_limit_burst, "listener_rate_limit"},
                             std::pair{o.send_timeout.has_value(), "send_timeout"},
                             std::pair{o.acceptor_mode.has_value(), "acceptor_mode"},
                             std::pair{o.reset_on_close.has_value(), "reset_on_close"},
                             std::pair{o.keepalive || o.keepalive_idle || o.keepalive_interval || o.keepalive_count,
                                       "keepalive"}}) {
    if (given) {
      return error{std::string(name) + " does not apply to udp listeners"};
    }
  }
  if (plan.transport == transport::dtls) {
    for (auto [given, name] : {std::pair{o.udp_no_connections.value_or(false), "udp_no_connections"},
                               std::pair{o.udp_starts_tcp.value_or(false), "udp_starts_tcp"}}) {
      if (given) {
        return error{std::string(name) + " does not apply to dtls listeners (every peer is a DTLS connection)"};
      }
    }
    if (o.tls.certfile.empty()) {
      return error{"tls_certfile is required for a DTLS server"};
    }
    if (o.udp_max_size.value_or(0) > dtls_max_plaintext) {
      return error{"udp_max_size " + std::to_string(*o.udp_max_size) + " is over what one DTLS record carries (" +
                   std::to_string(dtls_max_plaintext) + ")"};
    }
  }
  if (plan.opts.udp_starts_tcp.value_or(false)) {
    auto offered = plan.handler->transports(plan.scheme);
    if (std::find(offered.begin(), offered.end(), transport::tcp) == offered.end()) {
      return error{"udp_starts_tcp needs a protocol that offers tcp; \"" + plan.scheme + "\" does not"};
    }
  }
  if (auto address = resolve_listen_address(plan.host, plan.kind == host_kind::any_ipv6, plan.kind == host_kind::any_ipv4);
      !address) {
    return address.error();
  }
  return {};
}

}  // namespace polyport::detail
