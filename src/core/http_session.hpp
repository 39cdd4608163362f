#pragma once
// The HTTP/1.1 layer of a stream connection (http, https; RFC 9112): requests read with Beast's
// parser from the bytes the connection reads (no Beast stream, no Beast buffers), responses
// written as one buffer. Beast stays inside http_session.cpp.
//
//   bytes ─▶ request parser (header limit → 431, body over max_frame → 413, malformed → 400)
//         ─▶ protocol::on_http(request, response) ─▶ response bytes ─▶ outbound queue
//
// Thread safety: owned by one connection, used only on its worker.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "polyport/http.hpp"

namespace polyport::detail {

inline constexpr std::size_t default_http_max_header = 8192;

class http_session {
 public:
  http_session(std::size_t max_header, std::size_t max_body);
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  struct step {
    enum class outcome {
      need_more,  // every byte up to `consumed` is taken; offer the rest again with more
      request,    // request() is complete
      bad,        // answer `status` (400, 413, 431, 501) and close; `error` says why
    } result = outcome::need_more;
    std::size_t consumed = 0;
    int status = 0;
    std::string error;
  };
  step feed(std::span<const std::byte> bytes);

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
  std::unique_ptr<parser_box> parser_;
  std::size_t max_header_;
  std::size_t max_body_;
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
