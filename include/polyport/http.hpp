#pragma once
// HTTP/1.1 messages as a protocol's on_http sees them (http and https listeners, RFC 9112).
// The request is whole (its body read up to the listener's max_frame) unless the protocol takes
// a large body in pieces (protocol::on_http_stream, on_http_body); the response is filled in
// by on_http and written by polyport, which adds Content-Length (or, for a streamed body without
// a known length, Transfer-Encoding: chunked), Date-free headers stay as given, and
// Connection: close when the connection ends after it.
// Thread safety: plain values; used on the connection's worker during on_http.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyport {

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/a/b?x=1"
  std::string path;    // the target without its query: "/a/b"
  std::string query;   // after "?", or ""
  int version = 11;    // 10 or 11
  http_headers headers;  // a chunked body's trailer fields follow the head's, once it has ended
  std::string body;
  // The body went to protocol::on_http_body in pieces: `body` stays empty.
  bool body_streamed = false;

  // The first header of that name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

struct http_response {
  int status = 200;
  http_headers headers;
  std::string body;
  // A streamed body instead of `body`, for large or generated content: called on the
  // connection's worker each time the connection can take more, it returns the next piece, or
  // "" at the end. Sent with Content-Length when `body_length` is set (the pieces must add up to
  // it, else the connection closes), otherwise chunked (until close when the connection ends
  // after this response). Later requests of the connection wait until it ends.
  std::function<std::string()> body_source;
  std::optional<std::uint64_t> body_length;

  // Replaces every header of that name (case-insensitive) with one.
  void set_header(std::string_view name, std::string_view value);
  // A redirect (301, 302, 303, 307 or 308) to `location`, with a short text body.
  void redirect(std::string_view location, int code = 302);
};

}  // namespace polyport
