// Streamed HTTP response bodies (http_response::body_source) on http and https listeners:
//
//   on_http ─▶ head ─▶ [writable?] ─▶ source() ─▶ piece (chunked or counted) ─▶ outbound queue
//                          ▲                                                        │
//                          └──────────── back under the low watermark ◀─────────────┘
//
// Pieces are pulled only while the outbound queue is under its high watermark, so a large body
// never sits in memory whole. Reading pauses until the body ends; requests pipelined behind it
// are then taken from the cumulation buffer. A source that gives more or fewer bytes than its
// body_length closes the connection (callback_error): the client sees a cut body, never a
// mismatched one.

#include <boost/asio/post.hpp>

#include <array>
#include <cstdio>

#include "core/stream_connection.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

void stream_connection::http_pump() {
  while (phase_ == phase::open && writable_ && http_->streaming()) {
    auto& body = *http_->streaming();
    std::string piece;
    if (!guarded([&] { piece = body.source(); }) || phase_ != phase::open) {
      return;
    }
    worker_.idle().touch(*this, worker_.reactor().now());  // a long body is activity, not idleness
    if (piece.empty()) {
      http_end_stream();
      return;
    }
    body.sent += piece.size();
    if (body.length && body.sent > *body.length) {
      close_with(close_reason::callback_error,
                 "body_source gave more than its body_length of " + std::to_string(*body.length) + " bytes");
      return;
    }
    if (body.chunked) {
      std::array<char, 24> size_line{};
      int length = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", piece.size());
      std::array<std::span<const std::byte>, 3> parts{
          std::as_bytes(std::span(size_line.data(), static_cast<std::size_t>(length))),
          std::as_bytes(std::span(piece.data(), piece.size())), std::as_bytes(std::span("\r\n", 2))};
      write_or_queue(parts);
    } else {
      http_write(piece);
    }
    if (body.length && body.sent == *body.length && phase_ == phase::open) {
      http_end_stream();
      return;
    }
  }
}

void stream_connection::http_end_stream() {
  auto body = std::move(*http_->streaming());
  http_->streaming().reset();
  if (body.length && body.sent != *body.length) {
    close_with(close_reason::callback_error, "body_source ended after " + std::to_string(body.sent) + " of its " +
                                                 std::to_string(*body.length) + " bytes");
    return;
  }
  if (body.chunked) {
    http_write("0\r\n\r\n");
  }
  if (phase_ != phase::open) {
    return;
  }
  if (!body.keep_alive) {
    close_with(close_reason::local, {});
    return;
  }
  http_->reset();
  resume_reading();
  // Requests that arrived meanwhile wait in the cumulation buffer, and no read may come to
  // offer them again.
  boost::asio::post(worker_.io(), [self = shared_from_this()] {
    if (self->phase_ == phase::open && !self->http_->streaming()) {
      self->http_deliver({});
    }
  });
}

}  // namespace polyport::detail
