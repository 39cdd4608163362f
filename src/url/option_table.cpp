#include "url/option_table.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "url/option_values.hpp"

namespace polyport::detail {

namespace {

// Erlang's longest timer (~49.7 days): NkPACKET users never had longer timeouts.
constexpr std::uint64_t max_milliseconds = 4294967295;
constexpr std::uint64_t gibibyte = std::uint64_t{1} << 30;
constexpr std::uint64_t max_int = std::numeric_limits<int>::max();
constexpr std::uint64_t max_uint32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t max_uint64 = std::numeric_limits<std::uint64_t>::max();

enum class support { now, later };

bool has_content(const std::string& text) { return !text.empty(); }
template <class T>
bool has_content(const std::optional<T>& value) {
  return value.has_value();
}
template <class T>
bool has_content(const std::vector<T>& list) {
  return !list.empty();
}

template <auto member>
bool is_set(const options& o) {
  return has_content(o.*member);
}

template <auto tls_member>
bool is_tls_set(const options& o) {
  return has_content(o.tls.*tls_member);
}

template <bool allow>
bool has_rule(const options& o) {
  for (const access_rule& rule : o.access_rules) {
    if (rule.allow == allow) {
      return true;
    }
  }
  return false;
}

result<std::string> parse_text(std::string_view value) { return std::string(value); }

result<std::string> parse_non_empty_text(std::string_view value) {
  if (value.empty()) {
    return error{"expected a non-empty value"};
  }
  return std::string(value);
}

result<int> parse_tls_depth(std::string_view value) {
  auto depth = parse_whole_number(value, 0, 16);
  if (!depth) {
    return depth.error();
  }
  return static_cast<int>(*depth);
}

template <auto member, auto parse>
result<void> set_parsed(options& o, std::string_view value) {
  auto parsed = parse(value);
  if (!parsed) {
    return parsed.error();
  }
  o.*member = std::move(*parsed);
  return {};
}

template <auto tls_member, auto parse>
result<void> set_tls_parsed(options& o, std::string_view value) {
  auto parsed = parse(value);
  if (!parsed) {
    return parsed.error();
  }
  o.tls.*tls_member = std::move(*parsed);
  return {};
}

template <auto member, std::uint64_t min, std::uint64_t max>
result<void> set_number(options& o, std::string_view value) {
  auto number = parse_whole_number(value, min, max);
  if (!number) {
    return number.error();
  }
  using type = typename std::remove_reference_t<decltype(o.*member)>::value_type;
  o.*member = static_cast<type>(*number);
  return {};
}

template <auto member, std::uint64_t min>
result<void> set_milliseconds(options& o, std::string_view value) {
  auto number = parse_whole_number(value, min, max_milliseconds, "milliseconds");
  if (!number) {
    return number.error();
  }
  o.*member = std::chrono::milliseconds(*number);
  return {};
}

// proxy_trusted= adds the networks allowed to send PROXY headers.
result<void> add_trusted_proxies(options& o, std::string_view value) {
  auto rules = parse_access_rules(value, true);
  if (!rules) {
    return rules.error();
  }
  o.proxy_trusted.insert(o.proxy_trusted.end(), rules->begin(), rules->end());
  return {};
}

// esockd's tune_buffer grows the Erlang driver's per-socket buffer to the kernel's; polyport has
// no per-connection read buffer (reads land in the worker's), so there is nothing to tune.
result<void> refuse_tune_buffer(options&, std::string_view) {
  return error{"does not apply to polyport: there is no per-connection read buffer to tune (reads land in a "
               "buffer of the worker; see sndbuf and rcvbuf)"};
}

bool never_set(const options&) { return false; }

// allow= and deny= add rules; every other option replaces its earlier value.
template <bool allow>
result<void> add_rules(options& o, std::string_view value) {
  auto rules = parse_access_rules(value, allow);
  if (!rules) {
    return rules.error();
  }
  o.access_rules.insert(o.access_rules.end(), rules->begin(), rules->end());
  return {};
}

template <auto member, auto parse>
constexpr option_descriptor parsed(std::string_view name, support s) {
  return {name, &set_parsed<member, parse>, &is_set<member>, false, s == support::now};
}

template <auto member>
constexpr option_descriptor boolean(std::string_view name, support s) {
  return {name, &set_parsed<member, parse_boolean>, &is_set<member>, true, s == support::now};
}

template <auto member, std::uint64_t min, std::uint64_t max>
constexpr option_descriptor number(std::string_view name, support s) {
  return {name, &set_number<member, min, max>, &is_set<member>, false, s == support::now};
}

template <auto member, std::uint64_t min>
constexpr option_descriptor milliseconds(std::string_view name, support s) {
  return {name, &set_milliseconds<member, min>, &is_set<member>, false, s == support::now};
}

template <auto tls_member, auto parse>
constexpr option_descriptor tls(std::string_view name, bool boolean = false) {
  return {name, &set_tls_parsed<tls_member, parse>, &is_tls_set<tls_member>, boolean, true};
}

template <bool allow>
constexpr option_descriptor rules(std::string_view name, support s) {
  return {name, &add_rules<allow>, &has_rule<allow>, false, s == support::now};
}

constexpr auto now = support::now;
constexpr auto later = support::later;

constexpr std::array table{
    parsed<&options::transport, parse_transport>("transport", now),
    milliseconds<&options::idle_timeout, 0>("idle_timeout", now),
    milliseconds<&options::connect_timeout, 1>("connect_timeout", now),
    milliseconds<&options::send_timeout, 0>("send_timeout", now),
    milliseconds<&options::response_timeout, 1>("response_timeout", now),
    number<&options::max_connections, 1, max_int>("max_connections", now),
    parsed<&options::max_connections_policy, parse_overload_policy>("max_connections_policy", now),
    number<&options::acceptors, 1, 1024>("tcp_listeners", now),
    number<&options::acceptors, 1, 1024>("acceptors", now),
    parsed<&options::acceptor_mode, parse_acceptor_mode>("acceptor_mode", now),
    number<&options::backlog, 1, 65535>("backlog", now),
    parsed<&options::host, parse_non_empty_text>("host", now),
    parsed<&options::path, parse_non_empty_text>("path", now),
    parsed<&options::ws_proto, parse_ws_proto>("ws_proto", now),
    boolean<&options::ws_deflate>("ws_deflate", now),
    parsed<&options::class_name, parse_non_empty_text>("class", now),
    tls<&tls_options::certfile, parse_non_empty_text>("tls_certfile"),
    tls<&tls_options::keyfile, parse_non_empty_text>("tls_keyfile"),
    tls<&tls_options::cacertfile, parse_non_empty_text>("tls_cacertfile"),
    tls<&tls_options::password, parse_text>("tls_password"),
    tls<&tls_options::verify, parse_boolean>("tls_verify", true),
    tls<&tls_options::depth, parse_tls_depth>("tls_depth"),
    tls<&tls_options::versions, parse_tls_versions>("tls_versions"),
    parsed<&options::tcp_packet, parse_framing>("tcp_packet", now),
    number<&options::max_frame, 1, gibibyte>("max_frame", now),
    number<&options::http_stream_threshold, 0, gibibyte>("http_stream_threshold", now),
    number<&options::http_max_body, 1, max_uint64>("http_max_body", now),
    boolean<&options::no_dns_cache>("no_dns_cache", now),
    milliseconds<&options::dns_cache_ttl, 0>("dns_cache_ttl", now),
    boolean<&options::force_new>("force_new", now),
    boolean<&options::nodelay>("nodelay", now),
    boolean<&options::keepalive>("keepalive", now),
    // Linux's bounds for TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT.
    number<&options::keepalive_idle, 1, 32767>("keepalive_idle", now),
    number<&options::keepalive_interval, 1, 32767>("keepalive_interval", now),
    number<&options::keepalive_count, 1, 127>("keepalive_count", now),
    boolean<&options::reset_on_close>("reset_on_close", now),
    option_descriptor{"tune_buffer", &refuse_tune_buffer, &never_set, true, true},
    number<&options::sndbuf, 1, gibibyte>("sndbuf", now),
    number<&options::rcvbuf, 1, gibibyte>("rcvbuf", now),
    boolean<&options::udp_stun_reply>("udp_stun_reply", now),
    boolean<&options::udp_no_connections>("udp_no_connections", now),
    boolean<&options::udp_to_tcp>("udp_to_tcp", now),
    boolean<&options::udp_starts_tcp>("udp_starts_tcp", now),
    number<&options::udp_max_size, 1, 65507>("udp_max_size", now),  // largest IPv4 UDP payload
    number<&options::sctp_out_streams, 1, 65535>("sctp_out_streams", later),
    number<&options::sctp_in_streams, 1, 65535>("sctp_in_streams", later),
    rules<true>("allow", now),
    rules<false>("deny", now),
    parsed<&options::proxy_protocol, parse_proxy_protocol>("proxy_protocol", now),
    milliseconds<&options::proxy_protocol_timeout, 1>("proxy_protocol_timeout", now),
    option_descriptor{"proxy_trusted", &add_trusted_proxies, &is_set<&options::proxy_trusted>, false, true},
    parsed<&options::proxy_send, parse_proxy_version>("proxy_send", now),
    parsed<&options::proxy_send_header, parse_proxy_source>("proxy_source", now),
    parsed<&options::max_conn_rate, parse_connection_rate>("max_conn_rate", now),
    number<&options::max_conn_burst, 1, max_uint32>("max_conn_burst", now),
    number<&options::rate_limit, 1, max_uint64>("rate_limit", now),
    number<&options::rate_limit_burst, 1, max_uint64>("rate_limit_burst", now),
    number<&options::listener_rate_limit, 1, max_uint64>("listener_rate_limit", now),
    number<&options::listener_rate_limit_burst, 1, max_uint64>("listener_rate_limit_burst", now),
};

}  // namespace

std::span<const option_descriptor> option_table() { return table; }

const option_descriptor* find_option(std::string_view name) {
  for (const option_descriptor& descriptor : table) {
    if (descriptor.name == name) {
      return &descriptor;
    }
  }
  return nullptr;
}

}  // namespace polyport::detail
