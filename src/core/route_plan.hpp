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
inline constexpr std::chrono::milliseconds default_connect_timeout{30'000};
inline constexpr std::size_t default_max_connections = 1024;
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
  std::string unix_path;

  std::chrono::milliseconds idle_timeout() const { return opts.idle_timeout.value_or(default_idle_timeout); }
  std::chrono::milliseconds connect_timeout() const { return opts.connect_timeout.value_or(default_connect_timeout); }
  std::chrono::milliseconds send_timeout() const { return opts.send_timeout.value_or(default_send_timeout); }
};

// Every route of a comma-separated list, in order.
result<std::vector<route_plan>> plan_routes(const protocol_registry& registry, std::string_view urls,
                                            const options& overrides);

// Exactly one route, for a listener.
result<route_plan> plan_listener(const protocol_registry& registry, std::string_view url_text, const options& overrides);

}  // namespace polyport::detail
