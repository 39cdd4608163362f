#pragma once
// Transport names as they appear in URLs (`;transport=tls`).

#include <optional>
#include <string_view>

namespace polyport {

enum class transport { udp, tcp, tls, dtls, sctp, ws, wss, http, https, unix_stream };

// "udp", "tcp", "tls", "dtls", "sctp", "ws", "wss", "http", "https", "unix".
std::string_view to_string(transport t);

// Case-insensitive; nullopt for an unknown name.
std::optional<transport> transport_from_string(std::string_view name);

// Transports whose connections are byte streams (framing applies to them).
bool is_stream(transport t);

}  // namespace polyport
