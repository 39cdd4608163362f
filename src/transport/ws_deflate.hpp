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
#include <string_view>
#include <vector>

#include "polyport/result.hpp"

namespace polyport::detail {

// The accepted offer of a client's Sec-WebSocket-Extensions, as the server answers it
// ("permessage-deflate; server_no_context_takeover; client_no_context_takeover[; server_max_window_bits=N]"),
// or nullopt when no offer is permessage-deflate with parameters we support.
struct ws_deflate_agreement {
  std::string answer;
  int window_bits = 15;  // for our compressor: the client's server_max_window_bits, else 15
};
std::optional<ws_deflate_agreement> accept_ws_deflate(std::string_view offers);

// What a polyport client offers (ws_deflate=true): no context takeover either way.
inline constexpr std::string_view ws_deflate_client_offer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

// Checks a server's answer to that offer: our compressor's window bits, or why the answer
// cannot be used (another extension, a parameter not offered, server_no_context_takeover
// missing), as a connect error.
result<int> check_ws_deflate_answer(std::string_view answer);

// A compressed message's payload (the trailing 00 00 ff ff taken off, §7.2.1).
std::vector<std::byte> ws_deflate(std::span<const std::byte> message, int window_bits);

struct ws_inflate_result {
  enum class outcome { ok, too_big, corrupt } result = outcome::ok;
  std::vector<std::byte> message;
};
// Inflates a whole compressed message; stops at `max_size` bytes of output (too_big).
ws_inflate_result ws_inflate(std::span<const std::byte> payload, std::size_t max_size);

}  // namespace polyport::detail
