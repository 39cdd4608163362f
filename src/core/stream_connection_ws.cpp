// The WebSocket message layer of stream_connection (ws, wss; RFC 6455): the opening handshake
// inside the handshaking phase, frames to whole messages, control frames, and sending.
// See ws_session.hpp for the picture.

#include <openssl/rand.h>

#include "core/stream_connection.hpp"
#include "polyport/protocol.hpp"
#include "transport/ws_deflate.hpp"

namespace polyport::detail {

namespace {
// Shorter messages are sent as they are: compressing them saves little and costs a zlib pass.
constexpr std::size_t min_deflate_size = 128;
}  // namespace

std::uint16_t ws_close_code_for(close_reason reason) {
  switch (reason) {
    case close_reason::idle_timeout:
    case close_reason::listener_stopped:
    case close_reason::runtime_stopped:
      return ws_close::going_away;
    case close_reason::frame_error:
      return ws_close::protocol_error;
    case close_reason::callback_error:
      return ws_close::internal_error;
    default:
      return ws_close::normal;
  }
}

// Runs after the transport's own handshake (TLS) is done, on every readiness edge until the
// upgrade is complete. Clients write their request and read the 101; servers read the request
// and write the answer. Bytes past the head stay in cumulation_ for the frame reader.
void stream_connection::ws_handshake_step() {
  if (!outbound_.empty()) {
    flush();
    if (phase_ == phase::closed || !outbound_.empty()) {
      return;
    }
  }
  if (ws_->upgraded) {
    become_open();  // a server whose 101 is now written
    return;
  }
  if (context_->outbound && !ws_->request_sent) {
    const ws_settings& settings = *context_->ws;
    ws_client_request request = make_ws_request(client_offer(settings));
    ws_->client_key = std::move(request.key);
    ws_->request_sent = true;
    outbound_.append(std::as_bytes(std::span(request.text.data(), request.text.size())));
    flush();
    if (phase_ == phase::closed || !outbound_.empty()) {
      return;
    }
  }
  for (;;) {
    std::span<std::byte> buffer = worker_.read_buffer();
    io_outcome outcome = stream_->read(buffer);
    if (outcome.status != io_status::done) {
      handshake_stalled(outcome, "the WebSocket handshake");
      return;
    }
    stats_shard::add(own_stats_->bytes_in, outcome.bytes);
    stats_shard::add(total_stats_.bytes_in, outcome.bytes);
    if (ws_read_handshake(buffer.first(outcome.bytes))) {
      return;
    }
  }
}

// Returns true when the handshake step is over for now (finished, failed or waiting to write).
bool stream_connection::ws_read_handshake(std::span<const std::byte> received) {
  cumulation_.insert(cumulation_.end(), received.begin(), received.end());
  if (context_->outbound) {
    ws_response_read read = read_ws_response(cumulation_, ws_->client_key, client_offer(*context_->ws));
    if (read.result == ws_response_read::outcome::need_more) {
      return false;
    }
    if (read.result == ws_response_read::outcome::failed) {
      finish(close_reason::handshake_error, read.error);
      return true;
    }
    cumulation_.erase(cumulation_.begin(), cumulation_.begin() + static_cast<std::ptrdiff_t>(read.consumed));
    std::string().swap(ws_->client_key);
    ws_->subprotocol = std::move(read.subprotocol);
    ws_->deflate_bits = static_cast<std::uint8_t>(read.deflate_bits);
    ws_->upgraded = true;
    become_open();
    return true;
  }
  ws_request_read read = read_ws_request(cumulation_, context_->ws->accept);
  if (read.result == ws_request_read::outcome::need_more) {
    return false;
  }
  if (read.result == ws_request_read::outcome::rejected) {
    // One best-effort write: the answer is small and the connection ends either way.
    iovec part{read.response.data(), read.response.size()};
    stream_->write(std::span<const iovec>(&part, 1));
    finish(close_reason::handshake_error, "WebSocket upgrade refused: " + read.error);
    return true;
  }
  cumulation_.erase(cumulation_.begin(), cumulation_.begin() + static_cast<std::ptrdiff_t>(read.consumed));
  ws_->subprotocol = std::move(read.subprotocol);
  ws_->deflate_bits = static_cast<std::uint8_t>(read.deflate_bits);
  ws_->upgraded = true;
  outbound_.append(std::as_bytes(std::span(read.response.data(), read.response.size())));
  flush();
  if (phase_ != phase::closed && outbound_.empty()) {
    become_open();
  }
  return true;
}

void stream_connection::ws_deliver(std::span<std::byte> bytes) {
  bool had_leftovers = !cumulation_.empty();
  if (had_leftovers) {
    cumulation_.insert(cumulation_.end(), bytes.begin(), bytes.end());
  }
  std::span<std::byte> input = had_leftovers ? std::span<std::byte>(cumulation_) : bytes;
  // Replies to the frames of one read (echoes, pongs) leave in one write, not one each.
  ws_->batching = true;
  std::size_t consumed = ws_consume(input);
  ws_->batching = false;
  if (phase_ == phase::open) {
    keep_unconsumed(input, consumed, had_leftovers);
  }
  // Also when closing: a close frame queued in the batch has not been tried on the socket yet,
  // so no writable edge would come for it.
  if ((phase_ == phase::open || phase_ == phase::closing) && !outbound_.empty()) {
    flush();
  }
}

// Reads every complete frame of `input`; returns the bytes they took. Stops as soon as the
// connection is no longer open: a callback may have closed it, and then `input` is gone.
std::size_t stream_connection::ws_consume(std::span<std::byte> input) {
  std::size_t at = 0;
  bool server = !context_->outbound;
  while (phase_ == phase::open && at < input.size()) {
    std::span<std::byte> rest = input.subspan(at);
    ws_header_read read = read_ws_header(rest, server, ws_->deflate_bits != 0, context_->max_frame);
    if (read.result == ws_header_read::outcome::need_more) {
      break;
    }
    if (read.result == ws_header_read::outcome::error) {
      ws_fail(read.close_code, read.error);
      break;
    }
    const ws_frame_header& header = read.header;
    if (header.opcode == ws_opcode::continuation && ws_->fragments.size() + header.payload_size > context_->max_frame) {
      ws_fail(ws_close::too_big, "a fragmented message over max_frame (" + std::to_string(context_->max_frame) + " bytes)");
      break;
    }
    if (rest.size() - header.header_size < header.payload_size) {
      break;
    }
    std::span<std::byte> payload = rest.subspan(header.header_size, header.payload_size);
    if (header.masked) {
      apply_ws_mask(payload, header.mask);
    }
    at += header.header_size + header.payload_size;
    ws_frame(header, payload);
  }
  return at;
}

void stream_connection::ws_frame(const ws_frame_header& header, std::span<std::byte> payload) {
  switch (header.opcode) {
    case ws_opcode::ping:
      ws_send_frame(ws_opcode::pong, payload);  // the one pong (NkPACKET sends two)
      return;
    case ws_opcode::pong:
      return;
    case ws_opcode::close: {
      ws_close_read read = read_ws_close(payload);
      if (!read.ok) {
        ws_fail(read.error_code, "a malformed close frame");
        return;
      }
      std::string detail = "WebSocket close " + std::to_string(read.payload.code);
      if (!read.payload.reason.empty()) {
        detail += " " + read.payload.reason;
      }
      if (!ws_->close_sent) {
        // Echo the code (RFC 6455 §5.5.1); a close without a code is answered without one.
        if (read.payload.code == ws_close::no_status) {
          ws_->close_sent = true;
          ws_send_frame(ws_opcode::close, {});
        } else {
          ws_send_close(read.payload.code, {});
        }
      }
      close_with(close_reason::peer_closed, std::move(detail));
      return;
    }
    case ws_opcode::text:
    case ws_opcode::binary: {
      if (ws_->fragmented) {
        ws_fail(ws_close::protocol_error, "a new message began inside a fragmented one");
        return;
      }
      bool text = header.opcode == ws_opcode::text;
      if (header.fin) {
        ws_message(payload, text, header.rsv1);
        return;
      }
      ws_->fragmented = true;
      ws_->fragment_text = text;
      ws_->fragment_compressed = header.rsv1;
      ws_->fragments.assign(payload.begin(), payload.end());
      return;
    }
    case ws_opcode::continuation: {
      if (!ws_->fragmented || header.rsv1) {
        ws_fail(ws_close::protocol_error, "a continuation frame without a message to continue, or compressed");
        return;
      }
      ws_->fragments.insert(ws_->fragments.end(), payload.begin(), payload.end());
      if (!header.fin) {
        return;
      }
      std::vector<std::byte> whole = std::move(ws_->fragments);
      ws_->fragments = {};
      ws_->fragmented = false;
      ws_message(whole, ws_->fragment_text, ws_->fragment_compressed);
      return;
    }
  }
}

void stream_connection::ws_message(std::span<const std::byte> payload, bool text, bool compressed) {
  ws_inflate_result inflated;
  if (compressed) {
    inflated = ws_inflate(payload, context_->max_frame);
    if (inflated.result == ws_inflate_result::outcome::too_big) {
      ws_fail(ws_close::too_big, "a compressed message inflates past max_frame (" + std::to_string(context_->max_frame) + " bytes)");
      return;
    }
    if (inflated.result == ws_inflate_result::outcome::corrupt) {
      ws_fail(ws_close::invalid_payload, "a compressed message that does not inflate");
      return;
    }
    payload = inflated.message;
  }
  if (text && !is_valid_utf8(payload)) {
    ws_fail(ws_close::invalid_payload, "a text message that is not UTF-8");
    return;
  }
  ws_->message_text = text;
  guarded([&] { context_->protocol->on_message(*this, payload); });
  if (ws_) {
    ws_->message_text = false;
  }
}

bool stream_connection::send_text(std::string_view text) {
  if (!ws_) {
    return connection::send(text);
  }
  if ((phase_ != phase::open && phase_ != phase::handshaking) || text.size() > context_->max_frame) {
    return false;
  }
  return ws_send_frame(ws_opcode::text, std::as_bytes(std::span(text.data(), text.size())));
}

bool stream_connection::ws_send_frame(ws_opcode opcode, std::span<const std::byte> payload) {
  if (ws_->close_sent || !ws_->upgraded) {
    return false;  // nothing may follow a close frame, nor come before the upgrade
  }
  if (opcode == ws_opcode::close) {
    ws_->close_sent = true;
  }
  std::array<std::byte, max_ws_header_size> header{};
  // permessage-deflate: messages worth it go compressed (control frames never are).
  std::vector<std::byte> compressed;
  bool rsv1 = false;
  if (ws_->deflate_bits != 0 && payload.size() >= min_deflate_size &&
      (opcode == ws_opcode::text || opcode == ws_opcode::binary)) {
    compressed = ws_deflate(payload, ws_->deflate_bits);
    if (compressed.size() < payload.size()) {
      payload = compressed;
      rsv1 = true;
    }
  }
  if (!context_->outbound) {
    std::size_t size = write_ws_header(header, opcode, true, rsv1, payload.size(), nullptr);
    std::array<std::span<const std::byte>, 2> frame{std::span<const std::byte>(header.data(), size), payload};
    return write_or_queue(frame);
  }
  // Clients mask every frame (RFC 6455 §5.3) with a fresh key, on a copy of the payload.
  std::array<std::byte, 4> mask{};
  RAND_bytes(reinterpret_cast<unsigned char*>(mask.data()), static_cast<int>(mask.size()));
  std::size_t size = write_ws_header(header, opcode, true, rsv1, payload.size(), &mask);
  std::vector<std::byte> masked(payload.begin(), payload.end());
  apply_ws_mask(masked, mask);
  std::array<std::span<const std::byte>, 2> frame{std::span<const std::byte>(header.data(), size), masked};
  return write_or_queue(frame);
}

void stream_connection::ws_send_close(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, 123));
  ws_send_frame(ws_opcode::close, std::as_bytes(std::span(payload.data(), payload.size())));
}

// The peer broke the protocol: tell it why with a close frame, then close (counted as frame_error).
void stream_connection::ws_fail(std::uint16_t code, std::string why) {
  ws_send_close(code, {});
  if (phase_ != phase::closed) {
    close_with(close_reason::frame_error, "WebSocket close " + std::to_string(code) + ": " + why);
  }
}

}  // namespace polyport::detail
