#pragma once
// What the connections of one listener (or of one outbound connect) share: protocol, framer,
// limits, statistics and owner hooks. Built once, read-only afterwards.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/read_throttle.hpp"
#include "core/route_plan.hpp"
#include "core/stats_sink.hpp"
#include "core/ws_session.hpp"
#include "polyport/access_rules.hpp"
#include "polyport/connection.hpp"
#include "polyport/framer.hpp"
#include "polyport/protocol.hpp"
#include "polyport/transport.hpp"

namespace polyport::detail {

struct connection_context {
  std::string scheme;
  polyport::transport transport = polyport::transport::tcp;
  std::shared_ptr<polyport::protocol> protocol;
  std::shared_ptr<const polyport::framer> framer;
  std::size_t max_frame = default_max_frame;
  std::size_t http_stream_threshold = 64 * 1024;
  std::size_t http_max_body = std::size_t{1} << 30;  // 1 GiB
  std::size_t max_datagram = default_udp_max_size;  // udp_max_size
  std::chrono::milliseconds idle_timeout{0};
  std::shared_ptr<const polyport::metadata> metadata;
  std::shared_ptr<void> user_data;
  std::shared_ptr<stats_sink> own_stats;    // the listener's, or the runtime's outbound sink
  std::shared_ptr<stats_sink> total_stats;  // the runtime's
  bool outbound = false;
  // The outbound queue size at which on_writable(false) is called, and where it turns true again.
  std::size_t high_watermark = 64 * 1024;
  std::size_t low_watermark = 16 * 1024;
  // rate_limit: each connection's own byte budget for reads; listener_rate_limit: one budget
  // shared by every connection of the listener. Either makes connections read through a throttle.
  std::optional<byte_rate_limit> rate_limit;
  std::shared_ptr<shared_token_bucket> shared_rate_limit;
  // Close a connection whose queued bytes could not be written for this long; 0: never.
  std::chrono::milliseconds send_timeout{0};
  // Inbound only: the PROXY protocol header expected before anything else, its deadline, and the
  // listener's access rules, checked against the client address the header carries.
  std::optional<proxy_protocol_mode> proxy_protocol;
  std::chrono::milliseconds proxy_timeout{5000};
  const access_rules* rules = nullptr;
  // ws and wss: the WebSocket handshake's settings (null for other transports).
  std::shared_ptr<const ws_settings> ws;
  // The listener (or connect call) whose connections these are: a listener's contexts change
  // with live updates, its owner does not.
  const void* owner = nullptr;
  // Runs on the worker when a connection of this context has closed (owner bookkeeping).
  std::function<void()> on_closed;
};

// A process-wide unique connection id (connection::id), for every kind of connection.
std::uint64_t next_connection_id();

// The context for the connections of `route` (a listener's, or one outbound connect's).
std::shared_ptr<connection_context> make_connection_context(const route_plan& route, std::shared_ptr<void> user_data,
                                                            std::shared_ptr<stats_sink> own_stats,
                                                            std::shared_ptr<stats_sink> total_stats, bool outbound);

}  // namespace polyport::detail
