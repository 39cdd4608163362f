#include "ws_wire.hpp"

namespace polyport::testing {

std::string ws_upgrade(raw_peer& peer, std::string_view path, std::string_view proto, std::string_view host) {
  std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!proto.empty()) {
    request += "Sec-WebSocket-Protocol: " + std::string(proto) + "\r\n";
  }
  request += "\r\n";
  if (!peer.write_all(request)) {
    return {};
  }
  return peer.read_head();
}

std::string ws_client_frame(int opcode, std::string_view payload, bool fin, bool masked) {
  std::string frame;
  frame.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  char mask_bit = masked ? static_cast<char>(0x80) : 0;
  if (payload.size() <= 125) {
    frame.push_back(static_cast<char>(mask_bit | static_cast<char>(payload.size())));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) {
      frame.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF));
    }
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) {
    frame.append(mask, 4);
  }
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(masked ? static_cast<char>(payload[i] ^ mask[i % 4]) : payload[i]);
  }
  return frame;
}

std::optional<wire_frame> ws_read_frame(raw_peer& peer, std::chrono::milliseconds timeout) {
  std::string head = peer.read_exact(2, timeout);
  if (head.size() < 2) {
    return std::nullopt;
  }
  wire_frame frame;
  frame.fin = (head[0] & 0x80) != 0;
  frame.opcode = head[0] & 0x0F;
  std::uint64_t size = static_cast<unsigned char>(head[1]) & 0x7F;
  if (size >= 126) {
    std::string extended = peer.read_exact(size == 126 ? 2 : 8, timeout);
    size = 0;
    for (char c : extended) {
      size = (size << 8) | static_cast<unsigned char>(c);
    }
  }
  frame.payload = peer.read_exact(size, timeout);
  if (frame.payload.size() != size) {
    return std::nullopt;
  }
  return frame;
}

int ws_close_code(const wire_frame& frame) {
  if (frame.payload.size() < 2) {
    return 1005;
  }
  return (static_cast<unsigned char>(frame.payload[0]) << 8) | static_cast<unsigned char>(frame.payload[1]);
}

}  // namespace polyport::testing
