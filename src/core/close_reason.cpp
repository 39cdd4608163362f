#include "polyport/close_reason.hpp"

#include <array>

namespace polyport {

std::string_view to_string(close_reason reason) {
  static constexpr std::array<std::string_view, close_reason_count> names{
      "local",        "peer_closed", "idle_timeout",     "max_connections", "frame_error",
      "callback_error", "handshake_error", "io_error", "listener_stopped", "runtime_stopped",
      "denied", "rate_limited", "proxy_error", "send_timeout",
  };
  return names[static_cast<std::size_t>(reason)];
}

}  // namespace polyport
