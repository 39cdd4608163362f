#pragma once
// The HTTP/1.1 layer of a stream connection (http, https; RFC 9112): requests read with Beast's
// parser from the bytes the connection reads (no Beast stream, no Beast buffers), responses
// written as one buffer. Beast stays inside http_session.cpp.
//
//   bytes ─▶ request parser (header limit → 431, body over max_frame → 413, malformed → 400)
//         ─▶ protocol::on_http(request, response) ─▶ response bytes ─▶ outbound queue
//   a chunked body or one over stream_threshold: ─▶ head ─▶ (protocol::on_http_stream says)
//         whole as above, or pieces of at most piece_size bytes (over max_streamed_body → 413)
//
// Thread safety: owned by one connection, used only on its worker.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "polyport/http.hpp"

namespace polyport::detail {

inline constexpr std::size_t default_http_max_header = 8192;

struct http_limits {
  std::size_t max_header = default_http_max_header;
  std::size_t max_body = 0;           // a body read whole (max_frame)
  std::size_t stream_threshold = 0;   // larger (or chunked) bodies are offered for streaming
  std::size_t max_streamed_body = 0;  // http_max_body
};

class http_session {
 public:
  static constexpr std::size_t piece_size = 64 * 1024;

  explicit http_session(const http_limits& limits);
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  struct step {
    enum class outcome {
      need_more,  // every byte up to `consumed` is taken; offer the rest again with more
      request,    // request() is complete
      head,       // request() has its head and a large body follows: call choose_body first
      piece,      // `piece` is the next piece of a streamed body (valid until the next feed)
      bad,        // answer `status` (400, 413, 431, 501) and close; `error` says why
    } result = outcome::need_more;
    std::size_t consumed = 0;
    int status = 0;
    std::string error;
    std::span<const std::byte> piece;
  };
  step feed(std::span<const std::byte> bytes);
  // After `head`: the body in pieces (streamed) or whole. need_more, or bad (413: the body's
  // Content-Length is over the limit that then applies).
  step choose_body(bool streamed);

  // After `request`: the request, and whether the connection stays open after its response.
  const http_request& request() const { return request_; }
  bool keep_alive() const { return keep_alive_; }
  // Ready for the next request.
  void reset();

  // A streamed response under way (http_response::body_source): the connection pulls pieces
  // while it is writable and reads no further request until it ends.
  struct streamed_body {
    std::function<std::string()> source;
    std::optional<std::uint64_t> length;
    std::uint64_t sent = 0;
    bool chunked = false;
    bool keep_alive = true;
  };
  std::optional<streamed_body>& streaming() { return streaming_; }

 private:
  struct parser_box;
  step feed_streamed(std::span<const std::byte> bytes);
  std::unique_ptr<parser_box> parser_;
  http_limits limits_;
  std::vector<char> piece_;  // only while a body streams
  http_request request_;
  bool keep_alive_ = true;
  std::optional<streamed_body> streaming_;
};

// Whether a response with `status` to a request with `method` has a body (not HEAD, 1xx, 204, 304).
bool carries_body(int status, std::string_view method);

// The bytes of `response` for a request with `method`: a status line, its headers,
// Content-Length (no body for HEAD, 204, 304) and Connection: close unless `keep_alive`. With a
// body_source, only the head: Content-Length from body_length, else chunked when `keep_alive`
// (the body then ends the connection).
std::string serialize_http_response(const http_response& response, std::string_view method, bool keep_alive);

}  // namespace polyport::detail
