#pragma once
// The WebSocket layer of a stream connection (ws, wss): what its listener or connect call asks
// for, and the little state one connection keeps. The code that drives it is
// stream_connection_ws.cpp.
//
//   bytes ─▶ upgrade request/response (handshaking phase) ─▶ frames ─▶ control frames answered here
//                                                                   └▶ whole messages ─▶ on_message
//   send ─▶ one frame (masked by clients) ─▶ the connection's outbound queue
//
// Thread safety: owned by one connection, used only on its worker.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "polyport/close_reason.hpp"
#include "transport/ws_frame.hpp"
#include "transport/ws_handshake.hpp"

namespace polyport::detail {

// Shared by every connection of one listener or one connect call; read-only.
struct ws_settings {
  ws_accept_rules accept;     // listeners: host, path, subprotocol to accept
  std::string host_header;    // clients: the Host header
  std::string path = "/";     // clients: the request target
  std::string ws_proto;       // clients: the subprotocol to ask for
  bool offer_deflate = false;  // clients: offer permessage-deflate (ws_deflate=true)
};

struct ws_session {
  bool upgraded = false;      // the handshake is complete (server: its 101 is queued)
  bool request_sent = false;  // clients
  bool close_sent = false;
  bool fragmented = false;    // a message of several frames is under way
  bool fragment_text = false;
  bool message_text = false;  // while on_message runs
  bool fragment_compressed = false;
  std::uint8_t deflate_bits = 0;  // permessage-deflate: our window bits; 0 when not agreed
  bool batching = false;      // while one read's frames are handled: replies go out in one write
  std::string client_key;     // clients, until the 101
  std::string subprotocol;
  std::vector<std::byte> fragments;
};

inline ws_client_offer client_offer(const ws_settings& settings) {
  return {settings.host_header, settings.path, settings.ws_proto, settings.offer_deflate};
}

// The close code that says `reason` to the peer (1000, 1001 when stopping, 1011 when a callback
// threw, ...).
std::uint16_t ws_close_code_for(close_reason reason);

}  // namespace polyport::detail
