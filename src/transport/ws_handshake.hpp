#pragma once
// The WebSocket opening handshake (RFC 6455 §4): the server reads an HTTP/1.1 upgrade request
// and answers 101 or an error status; the client writes the request and checks the 101.
// The HTTP header parsing is Beast's, confined to the .cpp (Beast costs ~30 s per file that
// includes it).
// Thread safety: free functions and plain values; no shared state.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace polyport::detail {

// Default limit on the bytes of a request or response head; over it: 431 (server) or a failed
// connect (client).
inline constexpr std::size_t default_ws_max_header = 8192;

// What a WebSocket listener accepts. Empty host/path/ws_proto match anything.
struct ws_accept_rules {
  std::string host;      // exact ("example.com"), or a wildcard ("*.example.com"), case-insensitive
  std::string path;      // a prefix of the request path, by whole segments ("/chat" matches "/chat/x")
  std::string ws_proto;  // a subprotocol the client must offer; it is chosen in the answer
  bool deflate = true;   // accept a permessage-deflate offer
  std::size_t max_header = default_ws_max_header;
};

struct ws_request_read {
  enum class outcome {
    need_more,  // no complete head yet (consumed is 0)
    accepted,   // `response` is a 101; the connection speaks WebSocket after it
    rejected,   // `response` is an error status to write before closing; `error` says why
  } result = outcome::need_more;
  std::size_t consumed = 0;  // bytes of the request head
  std::string response;
  std::string subprotocol;
  int deflate_bits = 0;  // permessage-deflate agreed: our compressor's window bits; 0: not agreed
  std::string error;
};

// Offered everything buffered so far (the same bytes again, plus more, until it is not need_more).
ws_request_read read_ws_request(std::span<const std::byte> bytes, const ws_accept_rules& rules);

// The client's half. `host_header` is the Host value (host[:port]).
struct ws_client_request {
  std::string text;  // the request to write
  std::string key;   // Sec-WebSocket-Key, to check the accept value against
};
struct ws_client_offer {
  std::string_view host_header;  // host[:port]
  std::string_view path;
  std::string_view ws_proto;  // empty: none
  bool deflate = false;       // offer permessage-deflate
};
ws_client_request make_ws_request(const ws_client_offer& offer);

struct ws_response_read {
  enum class outcome { need_more, accepted, failed } result = outcome::need_more;
  std::size_t consumed = 0;
  std::string subprotocol;
  int deflate_bits = 0;  // permessage-deflate agreed: our compressor's window bits; 0: not agreed
  std::string error;
};
ws_response_read read_ws_response(std::span<const std::byte> bytes, std::string_view key, const ws_client_offer& offer,
                                  std::size_t max_header = default_ws_max_header);

// Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2: base64(SHA-1(key + GUID))).
std::string ws_accept_value(std::string_view key);

// True when `host` (without port) matches `pattern`: equal ignoring case, or for "*.suffix" any
// name ending in ".suffix". An empty pattern matches every host.
bool host_matches(std::string_view pattern, std::string_view host);
// True when `path` starts with `prefix` at a segment boundary; an empty prefix or "/" matches all.
bool path_matches(std::string_view prefix, std::string_view path);
// True when the Sec-WebSocket-Protocol list `offered_list` names `wanted` (not empty).
bool offers_subprotocol(std::string_view offered_list, std::string_view wanted);

}  // namespace polyport::detail
