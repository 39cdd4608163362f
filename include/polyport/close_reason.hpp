#pragma once
// Why a connection closed: given to protocol::on_close and counted in the statistics.

#include <cstddef>
#include <string>
#include <string_view>

namespace polyport {

enum class close_reason {
  local,             // this side called close()
  peer_closed,       // the peer ended the stream
  idle_timeout,      // nothing sent or received for idle_timeout
  max_connections,   // refused at accept: the listener or the process was full
  frame_error,       // the peer's bytes broke the framing (bad length, over max_frame)
  callback_error,    // a protocol callback threw
  handshake_error,   // the TLS handshake failed
  io_error,          // the socket failed (reset, broken pipe, ...)
  listener_stopped,  // its listener was stopped
  runtime_stopped,   // the runtime shut down
  denied,            // refused at accept by the listener's access rules
  rate_limited,      // refused at accept: over the listener's max_conn_rate
  proxy_error,       // a missing, malformed, late or untrusted PROXY protocol header
  send_timeout,      // queued bytes could not be written for send_timeout (the peer stopped reading)
};

inline constexpr std::size_t close_reason_count = 14;

// "local", "peer_closed", "idle_timeout", ...
std::string_view to_string(close_reason reason);

struct close_info {
  close_reason reason = close_reason::local;
  std::string detail;  // e.g. the exception text or the socket error; may be empty
};

}  // namespace polyport
