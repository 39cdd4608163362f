#include "core/route_plan.hpp"

#include <algorithm>

namespace polyport::detail {

namespace {

error route_error(const url& u, const std::string& what) {
  return error{"invalid URL \"" + u.text + "\": " + what};
}

result<route_plan> plan_one(const protocol_registry& registry, const url& u, const options& overrides) {
  auto from_url = options_from_url(u);
  if (!from_url) {
    return from_url.error();
  }
  route_plan plan;
  plan.url_text = u.text;
  plan.scheme = u.scheme;
  plan.opts = merge_options(*from_url, overrides);
  plan.class_name = plan.opts.class_name.value_or("");
  plan.handler = registry.find(plan.class_name, plan.scheme);
  if (!plan.handler) {
    return route_error(u, "no protocol registered for scheme \"" + plan.scheme + "\"");
  }
  std::vector<transport> offered = plan.handler->transports(plan.scheme);
  if (offered.empty()) {
    return route_error(u, "the \"" + plan.scheme + "\" protocol offers no transport");
  }
  plan.transport_given = plan.opts.transport.has_value();
  plan.transport = plan.opts.transport.value_or(offered.front());
  if (std::find(offered.begin(), offered.end(), plan.transport) == offered.end()) {
    return route_error(u, "transport \"" + std::string(to_string(plan.transport)) + "\" is not offered by the \"" +
                              plan.scheme + "\" protocol");
  }
  // A transport only offered by default is checked per resolved destination instead: DNS may
  // lead elsewhere (docs/dns.md).
  if (auto supported = check_supported(plan.opts); !supported) {
    return route_error(u, supported.error().message);
  }
  plan.opts.transport = plan.transport;
  plan.kind = u.kind;
  if (plan.transport == transport::unix_stream) {
    if (u.kind != host_kind::none || u.path.empty() || u.path.front() != '/') {
      return route_error(u, "a unix socket URL has an empty host and the socket's absolute path, as in "
                            "\"scheme:///run/app.sock;transport=unix\"");
    }
    plan.unix_path = u.path;
    return plan;
  }
  if (u.kind == host_kind::none) {
    return route_error(u, "missing host");
  }
  plan.host = u.host;
  plan.port = u.port;
  plan.port_given = u.port.has_value();
  return plan;
}

// A missing port (and, when connecting, port 0) takes the protocol's default.
void fill_default_port(route_plan& plan, bool zero_means_default) {
  if (plan.transport == transport::unix_stream) {
    return;
  }
  if (!plan.port || (zero_means_default && *plan.port == 0)) {
    plan.port = plan.handler->default_port(plan.transport);
  }
}

}  // namespace

result<std::vector<route_plan>> plan_routes(const protocol_registry& registry, std::string_view urls,
                                            const options& overrides) {
  auto parsed = parse_urls(urls);
  if (!parsed) {
    return parsed.error();
  }
  std::vector<route_plan> plans;
  for (const url& u : *parsed) {
    auto plan = plan_one(registry, u, overrides);
    if (!plan) {
      return plan.error();
    }
    if (plan->opts.proxy_send_header && !plan->opts.proxy_send) {
      return route_error(u, "proxy_source (or a proxy_send_header) needs proxy_send=v1 or v2");
    }
    fill_default_port(*plan, true);
    if (plan->transport == transport::http || plan->transport == transport::https) {
      return route_error(u, "transport " + std::string(to_string(plan->transport)) +
                                " is for listeners; HTTP requests go through runtime::http_request (polyport fetch)");
    }
    if (plan->transport != transport::unix_stream && plan->kind != host_kind::name && !plan->port) {
      return route_error(u, "no port, and the \"" + plan->scheme + "\" protocol has no default port for " +
                                std::string(to_string(plan->transport)));
    }
    plans.push_back(std::move(*plan));
  }
  return plans;
}

result<route_plan> fit_datagram(const route_plan& route, std::size_t size) {
  std::size_t limit = route.opts.udp_max_size.value_or(default_udp_max_size);
  bool datagram = route.transport == transport::udp || route.transport == transport::dtls;
  if (!datagram || size <= limit) {
    return route;
  }
  if (route.transport == transport::dtls) {
    return error{"a message of " + std::to_string(size) + " bytes is over udp_max_size (" + std::to_string(limit) +
                 ") for \"" + route.url_text + "\"; udp_to_tcp does not apply to dtls"};
  }
  if (!route.opts.udp_to_tcp.value_or(false)) {
    return error{"a message of " + std::to_string(size) + " bytes is over udp_max_size (" + std::to_string(limit) +
                 ") for \"" + route.url_text + "\"; udp_to_tcp would send it over tcp"};
  }
  route_plan over_tcp = route;
  over_tcp.transport = transport::tcp;
  over_tcp.opts.transport = transport::tcp;
  return over_tcp;
}

result<route_plan> plan_listener(const protocol_registry& registry, std::string_view url_text, const options& overrides) {
  auto parsed = parse_url(url_text);
  if (!parsed) {
    return parsed.error();
  }
  auto plan = plan_one(registry, *parsed, overrides);
  if (!plan) {
    return plan.error();
  }
  if (auto supported = check_supported(plan->opts); !supported) {
    return route_error(*parsed, supported.error().message);
  }
  if (plan->opts.proxy_send || plan->opts.proxy_send_header) {
    return route_error(*parsed, "proxy_send and proxy_source are for outbound connections; a listener reads "
                                "PROXY headers with proxy_protocol");
  }
  fill_default_port(*plan, false);
  if (!plan->port) {
    plan->port = 0;  // any free port
  }
  return plan;
}

}  // namespace polyport::detail
