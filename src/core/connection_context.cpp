#include "core/connection_context.hpp"

#include <arpa/inet.h>

#include <atomic>

namespace polyport::detail {

std::uint64_t next_connection_id() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

namespace {

bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string text(host);
  unsigned char address[16];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 || ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

std::shared_ptr<const ws_settings> make_ws_settings(const route_plan& route, bool outbound) {
  auto settings = std::make_shared<ws_settings>();
  std::string path = route.opts.path.value_or("/");
  if (path.empty() || path.front() != '/') {
    path.insert(0, "/");
  }
  std::string proto = route.opts.ws_proto.value_or("");
  if (outbound) {
    std::string host = route.opts.host.value_or(route.host);
    if (host.find(':') != std::string::npos && host.front() != '[') {
      host = "[" + host + "]";
    }
    std::uint16_t port = route.port.value_or(0);
    bool default_port = (route.transport == transport::ws && port == 80) || (route.transport == transport::wss && port == 443);
    settings->host_header = default_port ? host : host + ":" + std::to_string(port);
    settings->path = path;
    settings->ws_proto = proto;
    settings->offer_deflate = route.opts.ws_deflate.value_or(false);
  } else {
    // A listener's IP address says where to listen, not which Host to accept.
    if (route.opts.host && !is_ip_literal(*route.opts.host)) {
      settings->accept.host = *route.opts.host;
    }
    settings->accept.path = path;
    settings->accept.ws_proto = proto;
    settings->accept.deflate = route.opts.ws_deflate.value_or(true);
  }
  return settings;
}

}  // namespace

std::shared_ptr<connection_context> make_connection_context(const route_plan& route, std::shared_ptr<void> user_data,
                                                            std::shared_ptr<stats_sink> own_stats,
                                                            std::shared_ptr<stats_sink> total_stats, bool outbound) {
  auto context = std::make_shared<connection_context>();
  context->scheme = route.scheme;
  context->transport = route.transport;
  context->protocol = route.handler;
  context->framer = route.handler->make_framer(route.opts);
  context->max_frame = route.opts.max_frame.value_or(default_max_frame);
  context->http_stream_threshold = route.opts.http_stream_threshold.value_or(context->http_stream_threshold);
  context->http_max_body = route.opts.http_max_body.value_or(context->http_max_body);
  context->max_datagram = route.opts.udp_max_size.value_or(context->max_datagram);
  context->idle_timeout = route.idle_timeout();
  context->metadata = std::make_shared<const metadata>(route.opts.metadata);
  context->user_data = std::move(user_data);
  context->own_stats = std::move(own_stats);
  context->total_stats = std::move(total_stats);
  context->outbound = outbound;
  context->rate_limit = byte_rate_limit_from(route.opts.rate_limit, route.opts.rate_limit_burst);
  context->send_timeout = route.send_timeout();
  if (route.transport == transport::ws || route.transport == transport::wss) {
    context->ws = make_ws_settings(route, outbound);
  }
  return context;
}

}  // namespace polyport::detail
