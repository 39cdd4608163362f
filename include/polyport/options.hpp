#pragma once
// Options of listeners and connections (DESIGN.md §4). Each can be given as a URL parameter
// (`echo://h:5;idle_timeout=5000`) or set in code; code wins over the URL. docs/options.md
// describes every option. Unknown or malformed options are errors that name the option, never
// silently dropped (NkPACKET drops them).
// Thread safety: plain value types and pure functions.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "polyport/cidr.hpp"
#include "polyport/framing.hpp"
#include "polyport/proxy_header.hpp"
#include "polyport/result.hpp"
#include "polyport/tls_options.hpp"
#include "polyport/transport.hpp"
#include "polyport/url.hpp"

namespace polyport {

// PROXY protocol (haproxy.org proxy-protocol.txt) expected in front of accepted connections.
enum class proxy_protocol_mode {
  off,       // no header
  v1,        // a text header is required
  v2,        // a binary header is required
  any,       // a v1 or v2 header is required
  optional,  // a v1 or v2 header is read when present
};

// The PROXY protocol header an outbound connection sends before anything else (`proxy_send=`).
enum class proxy_version { v1, v2 };

// One allow= or deny= entry. Rules are checked in URL order; the first match decides.
struct access_rule {
  bool allow = true;
  std::optional<cidr> network;  // nullopt: every address (`allow=all`)

  friend bool operator==(const access_rule&, const access_rule&) = default;
};

// What a listener does with a connection over max_connections (`max_connections_policy=`).
enum class overload_policy {
  reset,  // accept it and reset it at once: the client learns right away (the default)
  pause,  // stop accepting until a slot frees up: the kernel's backlog holds the newcomers
};

// How a tcp/tls listener spreads new connections over the workers (`acceptor_mode=`).
enum class acceptor_mode {
  reuseport,  // one SO_REUSEPORT socket per acceptor; the kernel hashes connections to them
  balanced,   // accepted connections go to the least-loaded worker (few, long-lived peers)
};

// At most `count` new connections per `period` (`max_conn_rate=100/1`).
struct connection_rate {
  std::uint32_t count = 0;
  std::chrono::milliseconds period{0};

  friend bool operator==(const connection_rate&, const connection_rate&) = default;
};

// Unset fields take the transport's default (docs/options.md).
struct options {
  std::optional<polyport::transport> transport;
  std::optional<std::chrono::milliseconds> idle_timeout;  // 0 disables the idle timeout
  std::optional<std::chrono::milliseconds> connect_timeout, send_timeout, proxy_protocol_timeout;
  // HTTP client: how long a request may wait without a byte of its response (default 30 s).
  std::optional<std::chrono::milliseconds> response_timeout;
  std::optional<std::size_t> max_connections;
  std::optional<overload_policy> max_connections_policy;
  std::optional<unsigned> acceptors;  // URL names: tcp_listeners and acceptors
  std::optional<polyport::acceptor_mode> acceptor_mode;
  std::optional<int> backlog;
  std::optional<std::string> host, path, ws_proto, class_name;  // URL name of class_name: "class"
  // permessage-deflate: listeners accept a client's offer unless false; clients offer it if true.
  std::optional<bool> ws_deflate;
  tls_options tls;  // tls_certfile, tls_keyfile, tls_cacertfile, tls_password, tls_verify,
                    // tls_depth, tls_versions
  std::optional<framing> tcp_packet;
  std::optional<std::size_t> max_frame;  // bytes
  // http/https listeners: request bodies over this (or chunked) are offered to
  // protocol::on_http_stream; a streamed body may have up to http_max_body bytes.
  std::optional<std::size_t> http_stream_threshold, http_max_body;
  std::optional<bool> no_dns_cache, force_new, nodelay, keepalive;
  // The longest a DNS answer is kept, whatever its TTL says (docs/dns.md); 0: not at all.
  std::optional<std::chrono::milliseconds> dns_cache_ttl;
  // TCP keepalive probes: idle seconds before the first, seconds between them, how many unanswered
  // before the kernel drops the connection. Setting one turns keepalive on.
  std::optional<unsigned> keepalive_idle, keepalive_interval, keepalive_count;
  std::optional<bool> reset_on_close;  // close with a TCP reset (SO_LINGER 0) instead of a FIN
  std::optional<std::size_t> sndbuf, rcvbuf;
  std::optional<bool> udp_stun_reply, udp_no_connections, udp_to_tcp, udp_starts_tcp;
  std::optional<std::size_t> udp_max_size;
  std::optional<unsigned> sctp_out_streams, sctp_in_streams;
  std::vector<access_rule> access_rules;  // allow= and deny=, in URL order
  std::optional<proxy_protocol_mode> proxy_protocol;
  // Who may send a PROXY header (`proxy_trusted=10.0.0.0/8,...`, as allow rules); empty: anyone.
  std::vector<access_rule> proxy_trusted;
  // Outbound: send a PROXY header first, ahead of any TLS handshake (polyport behind polyport).
  std::optional<proxy_version> proxy_send;
  // What that header says. Unset: the PROXY command with the connection's own local and remote
  // addresses. Fields left empty are filled the same way, so setting only `source` forwards a
  // client's address (`proxy_source=IP:PORT`), and `local` sends the LOCAL command
  // (`proxy_source=local`; v1 says UNKNOWN). TLVs go out with v2 only.
  std::optional<proxy_header> proxy_send_header;
  std::optional<connection_rate> max_conn_rate;
  std::optional<std::uint32_t> max_conn_burst;
  std::optional<std::uint64_t> rate_limit, rate_limit_burst;  // per connection: bytes per second, bytes
  // Shared by every connection of a listener: bytes per second, bytes.
  std::optional<std::uint64_t> listener_rate_limit, listener_rate_limit_burst;
  std::string user, password;                                 // the URL's userinfo
  // The URL's ?headers (a flag header has the value ""): NkPACKET's user_state.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Reads `u`'s uri_params, then its params (a later value wins; allow/deny add rules in order),
// then its headers into metadata. `host` comes from the URL host unless it is an any-address
// (0.0.0.0, ::) or empty, and `path` from the URL path; ;host= and ;path= override both.
// Errors: `unknown option "foo" in URL "..."`,
// `invalid option "idle_timeout=abc" in URL "...": expected a whole number of milliseconds`.
result<options> options_from_url(const url& u);

// Options from URL parameters alone, `idle_timeout=5000;max_connections=10` (for
// listener::update and the admin verb); the same names, values and errors as in a URL.
result<options> options_from_params(std::string_view params);

// Every field set in `from_code` wins; access_rules and metadata from code replace the URL's
// when not empty; tls fields merge one by one.
options merge_options(const options& from_url, const options& from_code);

// An error such as `option "ws_proto" is not supported yet` or
// `transport "udp" is not supported yet` when `o` asks for a feature not built yet, or such as
// `option "keepalive_idle" needs keepalive, which is off` when options contradict each other.
result<void> check_supported(const options& o);

// "raw", "1", "2", "4", "line": the tcp_packet values.
std::string_view to_string(framing f);

// "reset", "pause": the max_connections_policy values.
std::string_view to_string(overload_policy policy);

// "reuseport", "balanced": the acceptor_mode values.
std::string_view to_string(acceptor_mode mode);

// "off", "v1", "v2", "any", "optional": the proxy_protocol values.
std::string_view to_string(proxy_protocol_mode mode);

// "v1", "v2": the proxy_send values.
std::string_view to_string(proxy_version version);

}  // namespace polyport
