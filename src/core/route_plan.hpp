#pragma once
// From URL text to what a listener or a connection needs: protocol, transport, merged options,
// host and port, with every error named before any socket is touched.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol_registry.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"
#include "polyport/url.hpp"

namespace polyport::detail {

// DESIGN.md §4 defaults (NkPACKET's).
inline constexpr std::chrono::milliseconds default_idle_timeout{180'000};
inline constexpr std::chrono::milliseconds default_datagram_idle_timeout{30'000};  // udp, dtls
inline constexpr std::chrono::milliseconds default_connect_timeout{30'000};
inline constexpr std::size_t default_max_connections = 1024;
inline constexpr std::size_t default_udp_max_size = 1300;  // the largest datagram sent or received
// esockd's and Ranch's: a peer that stops reading cannot hold a connection's queue forever.
inline constexpr std::chrono::milliseconds default_send_timeout{30'000};

struct route_plan {
  std::string url_text;
  std::string scheme;
  std::string class_name;
  polyport::transport transport = polyport::transport::tcp;
  std::shared_ptr<protocol> handler;
  polyport::options opts;  // the URL's merged with the caller's
  std::string host;        // as in the URL: a name or an IP literal ("" for unix)
  host_kind kind = host_kind::none;
  std::optional<std::uint16_t> port;  // the URL's, else the protocol's default
  bool port_given = false;            // the URL (not a default) chose the port
  bool transport_given = false;       // the URL or the caller chose the transport
  std::string unix_path;

  std::chrono::milliseconds idle_timeout() const {
    return opts.idle_timeout.value_or(is_stream(transport) ? default_idle_timeout : default_datagram_idle_timeout);
  }
  std::chrono::milliseconds connect_timeout() const { return opts.connect_timeout.value_or(default_connect_timeout); }
  std::chrono::milliseconds send_timeout() const { return opts.send_timeout.value_or(default_send_timeout); }
};

// Every route of a comma-separated list, in order. A host name may lack a port: DNS (SRV) or
// the protocol's default gives it when the route is resolved.
result<std::vector<route_plan>> plan_routes(const protocol_registry& registry, std::string_view urls,
                                            const options& overrides);

// The route a message of `size` bytes takes: `route` itself, unless it is udp and the message is
// over udp_max_size: then the same destination over tcp with udp_to_tcp, else an error.
result<route_plan> fit_datagram(const route_plan& route, std::size_t size);

// Exactly one route, for a listener.
result<route_plan> plan_listener(const protocol_registry& registry, std::string_view url_text, const options& overrides);

}  // namespace polyport::detail
