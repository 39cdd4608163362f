#pragma once
// WebSocket permessage-deflate (RFC 7692) as polyport negotiates it: no context takeover in
// either direction, so no compression state lives between messages. Each thread keeps one
// deflater and one inflater, reset for every message: memory is two zlib streams per worker,
// not per connection.
// Thread safety: the functions use their thread's own zlib streams.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace polyport::detail {

// The accepted offer of a client's Sec-WebSocket-Extensions, as the server answers it
// ("permessage-deflate; server_no_context_takeover; client_no_context_takeover[; server_max_window_bits=N]"),
// or nullopt when no offer is permessage-deflate with parameters we support.
struct ws_deflate_agreement {
  std::string answer;
  int window_bits = 15;  // for our compressor: the client's server_max_window_bits, else 15
};
std::optional<ws_deflate_agreement> accept_ws_deflate(std::string_view offers);

// A compressed message's payload (the trailing 00 00 ff ff taken off, §7.2.1).
std::vector<std::byte> ws_deflate(std::span<const std::byte> message, int window_bits);

struct ws_inflate_result {
  enum class outcome { ok, too_big, corrupt } result = outcome::ok;
  std::vector<std::byte> message;
};
// Inflates a whole compressed message; stops at `max_size` bytes of output (too_big).
ws_inflate_result ws_inflate(std::span<const std::byte> payload, std::size_t max_size);

}  // namespace polyport::detail
