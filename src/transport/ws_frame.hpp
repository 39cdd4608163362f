#pragma once
// The WebSocket frame codec (RFC 6455 §5.2): reads one frame header from bytes that may end
// anywhere, writes frame headers, masks payloads, and validates UTF-8 for text (§8.1).
// No allocation: payloads stay where the bytes are. No Beast here, so the connection path does
// not pay Beast's compile time.
// Thread safety: free functions on caller-owned data.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace polyport::detail {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes (RFC 6455 §7.4.1).
namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // never sent: "the close frame had no code"
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace ws_close

struct ws_frame_header {
  bool fin = false;
  bool rsv1 = false;  // permessage-deflate's "compressed" bit; rsv2/rsv3 are always an error
  ws_opcode opcode = ws_opcode::continuation;
  bool masked = false;
  std::array<std::byte, 4> mask{};
  std::uint64_t payload_size = 0;
  std::size_t header_size = 0;  // bytes before the payload
};

struct ws_header_read {
  enum class outcome { need_more, frame, error } result = outcome::need_more;
  ws_frame_header header;
  std::uint16_t close_code = 0;  // for error: the code to close with
  std::string error;
};

// Reads the header at the front of `bytes`. `frame` means the header is complete; the payload
// may not be there yet. Errors: rsv2/rsv3 set, rsv1 set without `allow_rsv1`, an unknown opcode,
// a fragmented or over-125-byte control frame, a 64-bit length with the top bit set, a payload
// over `max_payload` (close code 1009), a mask where `expect_masked` is false or none where it is
// true (1002).
ws_header_read read_ws_header(std::span<const std::byte> bytes, bool expect_masked, bool allow_rsv1,
                              std::uint64_t max_payload);

inline constexpr std::size_t max_ws_header_size = 14;

// Writes a header for a frame of `payload_size` bytes into `out`; returns its size.
std::size_t write_ws_header(std::span<std::byte, max_ws_header_size> out, ws_opcode opcode, bool fin, bool rsv1,
                            std::uint64_t payload_size, const std::array<std::byte, 4>* mask);

// XORs `data` with `mask`, the first byte being at `offset` bytes into the payload.
void apply_ws_mask(std::span<std::byte> data, const std::array<std::byte, 4>& mask, std::size_t offset = 0);

// Whole-message UTF-8 check (RFC 3629: no overlongs, no surrogates, nothing over U+10FFFF).
bool is_valid_utf8(std::span<const std::byte> text);

// A close frame's payload: a code and a UTF-8 reason, or empty.
struct ws_close_payload {
  std::uint16_t code = ws_close::no_status;
  std::string reason;
};
// Errors (1002): a 1-byte payload, a code that may not be sent (§7.4.1-2), a reason not UTF-8
// (1007).
struct ws_close_read {
  bool ok = true;
  ws_close_payload payload;
  std::uint16_t error_code = 0;
};
ws_close_read read_ws_close(std::span<const std::byte> payload);

}  // namespace polyport::detail
