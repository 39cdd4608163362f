// Options from a URL (through the option table), merged with options from code, and checked
// against what is built.

#include "polyport/options.hpp"

#include "url/option_table.hpp"
#include "url/url_text.hpp"

namespace polyport {

namespace {

// The URL as the user wrote it, or as it would be written when built in code.
std::string url_text(const url& u) { return detail::excerpt(u.text.empty() ? to_string(u) : u.text); }

result<void> apply_param(options& o, const url_param& param, const url& u) {
  const detail::option_descriptor* descriptor = detail::find_option(param.key);
  if (descriptor == nullptr) {
    return error{"unknown option \"" + param.key + "\" in URL \"" + url_text(u) + "\""};
  }
  if (!param.value && !descriptor->boolean) {
    return error{"invalid option \"" + param.key + "\" in URL \"" + url_text(u) + "\": needs a value"};
  }
  auto applied = descriptor->apply(o, param.value ? *param.value : "true");
  if (!applied) {
    return error{"invalid option \"" + param.key + "=" + detail::excerpt(param.value.value_or("")) + "\" in URL \"" +
                 url_text(u) + "\": " + applied.error().message};
  }
  return {};
}

template <class T>
void merge_field(T& into, const T& from_code) {
  if (from_code) {
    into = from_code;
  }
}

void merge_field(std::string& into, const std::string& from_code) {
  if (!from_code.empty()) {
    into = from_code;
  }
}

template <class T>
void merge_field(std::vector<T>& into, const std::vector<T>& from_code) {
  if (!from_code.empty()) {
    into = from_code;
  }
}

}  // namespace

result<options> options_from_url(const url& u) {
  options o;
  o.user = u.user;
  o.password = u.password;
  // An any-address is where to listen, not a name to filter or send as Host (NkPACKET stored
  // "all6" as the host filter).
  if (u.kind == host_kind::name || u.kind == host_kind::ipv4 || u.kind == host_kind::ipv6) {
    o.host = u.host;
  }
  if (!u.path.empty()) {
    o.path = u.path;
  }
  for (const auto* list : {&u.uri_params, &u.params}) {
    for (const url_param& param : *list) {
      auto applied = apply_param(o, param, u);
      if (!applied) {
        return applied.error();
      }
    }
  }
  for (const url_param& header : u.headers) {
    o.metadata.emplace_back(header.key, header.value.value_or(""));
  }
  return o;
}

result<options> options_from_params(std::string_view params) {
  // Parameters after an any-address, which sets no host option.
  auto parsed = parse_url("params://0.0.0.0;" + std::string(params));
  if (!parsed) {
    return error{"invalid parameters \"" + detail::excerpt(params) + "\": " + parsed.error().message};
  }
  parsed->text = std::string(params);
  return options_from_url(*parsed);
}

options merge_options(const options& from_url, const options& from_code) {
  options merged = from_url;
  merge_field(merged.transport, from_code.transport);
  merge_field(merged.idle_timeout, from_code.idle_timeout);
  merge_field(merged.connect_timeout, from_code.connect_timeout);
  merge_field(merged.send_timeout, from_code.send_timeout);
  merge_field(merged.response_timeout, from_code.response_timeout);
  merge_field(merged.proxy_protocol_timeout, from_code.proxy_protocol_timeout);
  merge_field(merged.max_connections, from_code.max_connections);
  merge_field(merged.max_connections_policy, from_code.max_connections_policy);
  merge_field(merged.acceptors, from_code.acceptors);
  merge_field(merged.acceptor_mode, from_code.acceptor_mode);
  merge_field(merged.backlog, from_code.backlog);
  merge_field(merged.host, from_code.host);
  merge_field(merged.path, from_code.path);
  merge_field(merged.ws_proto, from_code.ws_proto);
  merge_field(merged.class_name, from_code.class_name);
  merge_field(merged.tls.certfile, from_code.tls.certfile);
  merge_field(merged.tls.keyfile, from_code.tls.keyfile);
  merge_field(merged.tls.cacertfile, from_code.tls.cacertfile);
  merge_field(merged.tls.password, from_code.tls.password);
  merge_field(merged.tls.verify, from_code.tls.verify);
  merge_field(merged.tls.depth, from_code.tls.depth);
  merge_field(merged.tls.versions, from_code.tls.versions);
  merge_field(merged.tcp_packet, from_code.tcp_packet);
  merge_field(merged.max_frame, from_code.max_frame);
  merge_field(merged.http_stream_threshold, from_code.http_stream_threshold);
  merge_field(merged.http_max_body, from_code.http_max_body);
  merge_field(merged.ws_deflate, from_code.ws_deflate);
  merge_field(merged.no_dns_cache, from_code.no_dns_cache);
  merge_field(merged.dns_cache_ttl, from_code.dns_cache_ttl);
  merge_field(merged.force_new, from_code.force_new);
  merge_field(merged.nodelay, from_code.nodelay);
  merge_field(merged.keepalive, from_code.keepalive);
  merge_field(merged.keepalive_idle, from_code.keepalive_idle);
  merge_field(merged.keepalive_interval, from_code.keepalive_interval);
  merge_field(merged.keepalive_count, from_code.keepalive_count);
  merge_field(merged.reset_on_close, from_code.reset_on_close);
  merge_field(merged.sndbuf, from_code.sndbuf);
  merge_field(merged.rcvbuf, from_code.rcvbuf);
  merge_field(merged.udp_stun_reply, from_code.udp_stun_reply);
  merge_field(merged.udp_no_connections, from_code.udp_no_connections);
  merge_field(merged.udp_to_tcp, from_code.udp_to_tcp);
  merge_field(merged.udp_starts_tcp, from_code.udp_starts_tcp);
  merge_field(merged.udp_max_size, from_code.udp_max_size);
  merge_field(merged.sctp_out_streams, from_code.sctp_out_streams);
  merge_field(merged.sctp_in_streams, from_code.sctp_in_streams);
  merge_field(merged.access_rules, from_code.access_rules);
  merge_field(merged.proxy_trusted, from_code.proxy_trusted);
  merge_field(merged.proxy_protocol, from_code.proxy_protocol);
  merge_field(merged.proxy_send, from_code.proxy_send);
  merge_field(merged.proxy_send_header, from_code.proxy_send_header);
  merge_field(merged.max_conn_rate, from_code.max_conn_rate);
  merge_field(merged.max_conn_burst, from_code.max_conn_burst);
  merge_field(merged.rate_limit, from_code.rate_limit);
  merge_field(merged.rate_limit_burst, from_code.rate_limit_burst);
  merge_field(merged.listener_rate_limit, from_code.listener_rate_limit);
  merge_field(merged.listener_rate_limit_burst, from_code.listener_rate_limit_burst);
  merge_field(merged.user, from_code.user);
  merge_field(merged.password, from_code.password);
  merge_field(merged.metadata, from_code.metadata);
  return merged;
}

result<void> check_supported(const options& o) {
  if (o.transport && *o.transport != transport::tcp && *o.transport != transport::tls &&
      *o.transport != transport::unix_stream && *o.transport != transport::ws && *o.transport != transport::wss && *o.transport != transport::http &&
      *o.transport != transport::https && *o.transport != transport::udp && *o.transport != transport::dtls) {
    return error{"transport \"" + std::string(to_string(*o.transport)) + "\" is not supported yet"};
  }
  for (const detail::option_descriptor& descriptor : detail::option_table()) {
    if (!descriptor.supported && descriptor.is_set(o)) {
      return error{"option \"" + std::string(descriptor.name) + "\" is not supported yet"};
    }
  }
  if (o.keepalive == false) {
    for (auto [name, value] : {std::pair{"keepalive_idle", o.keepalive_idle}, std::pair{"keepalive_interval", o.keepalive_interval},
                               std::pair{"keepalive_count", o.keepalive_count}}) {
      if (value) {
        return error{"option \"" + std::string(name) + "\" needs keepalive, which is off"};
      }
    }
  }
  return {};
}

}  // namespace polyport
