#pragma once
// WebSocket on the wire for tests that play a client byte by byte over a raw_peer: the upgrade
// request, masked client frames and reading the server's frames.
// Thread safety: free functions on caller-owned peers.

#include <optional>
#include <string>
#include <string_view>

#include "raw_peer.hpp"

namespace polyport::testing {

struct wire_frame {
  int opcode = 0;
  bool fin = true;
  std::string payload;
};

// Writes an upgrade request for `path` (with a Sec-WebSocket-Protocol when `proto` is set) and
// returns the response head (through the blank line), or "" on a timeout.
std::string ws_upgrade(raw_peer& peer, std::string_view path, std::string_view proto = "",
                       std::string_view host = "localhost");

// A client frame: masked unless `masked` is false.
std::string ws_client_frame(int opcode, std::string_view payload, bool fin = true, bool masked = true);

// The next frame from the server, or nullopt at the deadline or EOF.
std::optional<wire_frame> ws_read_frame(raw_peer& peer, std::chrono::milliseconds timeout = 5s);

// The code of a close frame's payload (1005 when it has none).
int ws_close_code(const wire_frame& frame);

}  // namespace polyport::testing
