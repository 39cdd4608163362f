// The HTTP/1.1 request layer of stream_connection (http, https listeners): requests in order,
// one on_http each, responses queued in the same order (pipelining), keep-alive as the request
// asks. Bad requests get their status (400, 413, 431) and the connection closes, counted as
// frame_error. The idle timeout restarts per whole request, not per read, so it bounds how
// long one request (head and body) may take: slowloris cannot hold a slot. A streamed request
// body (on_http_stream, on_http_body) restarts it per piece instead. See http_session.hpp.

#include "core/stream_connection.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

void stream_connection::http_write(const std::string& bytes) {
  std::array<std::span<const std::byte>, 1> parts{std::as_bytes(std::span(bytes.data(), bytes.size()))};
  write_or_queue(parts);
}

void stream_connection::http_deliver(std::span<std::byte> bytes) {
  if (http_->streaming()) {
    // A streamed response is under way: later requests wait their turn (http_end_stream).
    cumulation_.insert(cumulation_.end(), bytes.begin(), bytes.end());
    return;
  }
  bool had_leftovers = !cumulation_.empty();
  if (had_leftovers) {
    cumulation_.insert(cumulation_.end(), bytes.begin(), bytes.end());
  }
  std::span<const std::byte> input = had_leftovers ? std::span<const std::byte>(cumulation_) : bytes;
  std::size_t at = 0;
  while (phase_ == phase::open && !http_->streaming()) {
    std::size_t request_start = at;
    http_session::step step = http_->feed(input.subspan(at));
    at += step.consumed;
    if (step.result == http_session::step::outcome::head) {
      // On a shared port the listener that will answer decides whether to stream, so the
      // request is routed on its head. A refusal then closes: the body is not read.
      if (rare_ && rare_->router) {
        routed where = route_request(input.subspan(request_start, at - request_start), input.subspan(at), true);
        if (where != routed::serve || phase_ != phase::open) {
          return;
        }
      }
      bool streamed = false;
      if (!guarded([&] { streamed = context_->protocol->on_http_stream(*this, http_->request()); }) ||
          phase_ != phase::open) {
        return;
      }
      step = http_->choose_body(streamed);
      if (step.result == http_session::step::outcome::need_more) {
        continue;
      }
    }
    if (step.result == http_session::step::outcome::piece) {
      worker_.idle().touch(*this, worker_.reactor().now());  // body bytes: the client is live
      bool more = true;
      if (!guarded([&] { more = context_->protocol->on_http_body(*this, http_->request(), step.piece); }) ||
          phase_ != phase::open) {
        return;
      }
      if (!more) {
        // The rest of the body is never read: the connection ends after this response.
        if (!http_answer(false)) {
          return;
        }
        break;  // its body_source streams first
      }
      continue;
    }
    if (step.result == http_session::step::outcome::need_more) {
      if (step.status == 100) {
        http_write("HTTP/1.1 100 Continue\r\n\r\n");
        continue;
      }
      break;
    }
    if (step.result == http_session::step::outcome::bad) {
      http_response refusal;
      refusal.status = step.status;
      refusal.set_header("Content-Type", "text/plain");
      refusal.body = step.error + "\n";
      http_write(serialize_http_response(refusal, "GET", false));
      if (phase_ == phase::open) {
        close_with(close_reason::frame_error, "HTTP " + std::to_string(step.status) + ": " + step.error);
      }
      return;
    }
    worker_.idle().touch(*this, worker_.reactor().now());  // a whole request: the client is live
    if (rare_ && rare_->router) {
      routed where = route_request(input.subspan(request_start, at - request_start), input.subspan(at), false);
      if (where == routed::left || phase_ != phase::open) {
        return;  // upgraded to WebSocket (`input` is gone), or closed
      }
      if (where == routed::answered) {
        http_->reset();
        continue;
      }
    }
    if (!http_answer(http_->keep_alive())) {
      return;
    }
    if (http_->streaming()) {
      break;
    }
    http_->reset();
  }
  if (phase_ == phase::open) {
    keep_unconsumed(input, at, had_leftovers);
    http_pump();
  }
}

bool stream_connection::http_answer(bool keep_alive) {
  http_response response;
  if (!guarded([&] { context_->protocol->on_http(*this, http_->request(), response); }) || phase_ != phase::open) {
    return false;
  }
  bool streamed = response.body_source && carries_body(response.status, http_->request().method);
  // HTTP/1.0 knows no chunked coding: a body of unknown length then ends with the connection.
  keep_alive = keep_alive && !(streamed && !response.body_length && http_->request().version < 11);
  http_write(serialize_http_response(response, http_->request().method, keep_alive));
  if (phase_ != phase::open) {
    return false;
  }
  if (streamed) {
    http_->streaming() = http_session::streamed_body{std::move(response.body_source), response.body_length, 0,
                                                     keep_alive && !response.body_length, keep_alive};
    pause_reading();
    return true;
  }
  if (!keep_alive) {
    close_with(close_reason::local, {});
    return false;
  }
  return true;
}

}  // namespace polyport::detail
