#pragma once
// The bytes of a client's HTTP/1.1 request (RFC 9112 §3) and the parts of a URL they need.
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "polyport/http_client.hpp"
#include "polyport/url.hpp"

namespace polyport::detail {

// The request target of an http(s) URL as written: its path (a trailing "/" kept) and its
// "?query", without the ;options between them; "/" when the URL has no path.
std::string http_target_of(const url& u);

// "host", "host:port" (the port when not the scheme's default), IPv6 bracketed.
std::string http_host_of(const url& u, std::uint16_t port);

// The request line, the headers (Host and Content-Length added unless given), and the body.
std::string serialize_http_request(const http_client_request& request, std::string_view target,
                                   std::string_view host);

// Methods a client may send again after a connection failed (RFC 9110 §9.2.2).
bool is_idempotent(std::string_view method);

}  // namespace polyport::detail
