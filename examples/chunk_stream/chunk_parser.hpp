#pragma once
// An incremental parser for an RTMP-style chunk stream (RTMP 1.0 specification §5.3.1; the wire
// format is drawn at the top of examples/chunk_server.cpp). It knows nothing about sockets:
// give it bytes, it calls you back with whole messages and tells you how many bytes it used.
//
//   bytes ──feed()──▶ [basic header][message header][ext. timestamp][payload ≤ chunk size] ─┐
//     ▲                                                                                     │
//     └── the caller keeps input[consumed..] and offers it again with the next read ◀───────┘
//
// feed() consumes whole chunks only: a chunk whose header or payload is cut short is left in the
// input, and its header is read again when more bytes arrive. A header is at most 18 bytes, so
// reading it twice costs less than remembering "where we stopped" in a state machine, and the
// only state kept between reads is the state the protocol itself defines: the previous header of
// each chunk stream (formats 1–3 inherit from it) and the messages not yet complete.
//
// Not handled: the RTMP handshake, Abort Message (type 2) and acknowledgements. Set Chunk Size
// (type 1) is the caller's to apply with set_chunk_size(), as it is a message, not framing.
//
// Thread safety: distinct objects: safe. Shared objects: unsafe (one parser per connection).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "polyport/result.hpp"

namespace chunk_stream {

inline constexpr std::uint32_t default_chunk_size = 128;             // RTMP §5.4.1
inline constexpr std::uint32_t timestamp_escape = 0xFFFFFF;          // "look in the extended timestamp"
inline constexpr std::uint32_t max_message_length_field = 0xFFFFFF;  // 3 bytes on the wire
inline constexpr std::uint32_t first_chunk_stream_id = 2;            // 0 and 1 select longer basic headers
inline constexpr std::uint32_t last_chunk_stream_id = 65599;         // 3-byte form: 64 + 0xFFFF
inline constexpr std::size_t max_chunk_header_size = 3 + 11 + 4;

// Message header bytes after the basic header, indexed by format (RTMP §5.3.1.2).
inline constexpr std::array<std::size_t, 4> message_header_sizes = {11, 7, 3, 0};

// RTMP's protocol control message that changes the sender's chunk size (RTMP §5.4.1).
inline constexpr std::uint8_t set_chunk_size_type = 1;

// One reassembled message. `payload` views the parser's or the caller's bytes: copy it to keep it
// after the callback returns.
struct message {
  std::uint32_t chunk_stream_id = 0;
  std::uint32_t timestamp = 0;  // absolute, in milliseconds, wrapping at 2^32
  std::uint8_t type_id = 0;
  std::uint32_t stream_id = 0;  // the message stream id (little-endian on the wire)
  std::span<const std::byte> payload;
};

// Bounds on what a peer can make the parser hold. Exceeding one fails the stream.
struct limits {
  std::uint32_t max_message_length = 1024 * 1024;
  std::size_t max_chunk_streams = 64;
  std::uint32_t max_chunk_size = 65536;
  // Bytes of incomplete messages held over all chunk streams together.
  std::size_t max_pending_bytes = std::size_t{4} * 1024 * 1024;
};

class chunk_parser {
 public:
  using message_handler = std::function<void(const message&)>;

  explicit chunk_parser(message_handler on_message, limits bounds = {})
      : on_message_(std::move(on_message)), limits_(bounds) {}

  // Parses as many whole chunks as `input` holds, calling the handler (synchronously, in order)
  // for each completed message, and returns the bytes consumed. Stops at the first bad chunk:
  // failed() then says why and every later feed() returns 0.
  std::size_t feed(std::span<const std::byte> input) {
    std::size_t consumed = 0;
    while (!failed()) {
      std::size_t used = read_chunk(input.subspan(consumed));
      if (used == 0) {
        break;
      }
      consumed += used;
    }
    return consumed;
  }

  // Applies a peer's Set Chunk Size to the chunks that follow. Safe to call from the handler:
  // the next chunk of the same feed() already uses the new size.
  polyport::result<void> set_chunk_size(std::uint32_t size) {
    if (size == 0 || size > limits_.max_chunk_size) {
      return polyport::error{"chunk size " + std::to_string(size) + " is outside 1.." +
                             std::to_string(limits_.max_chunk_size)};
    }
    chunk_size_ = size;
    return {};
  }
  std::uint32_t chunk_size() const { return chunk_size_; }

  // Rejects the stream from inside the handler (a message the caller cannot accept): feed()
  // stops after the current chunk and failed() reports `reason`.
  void fail(std::string reason) {
    if (!failed()) {
      error_ = std::move(reason);
    }
  }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  // What a chunk stream remembers between chunks, for formats 1–3 and for reassembly.
  struct stream_state {
    std::uint32_t timestamp = 0;        // of the current or last message
    std::uint32_t timestamp_field = 0;  // the last timestamp or delta read: format 3 adds it again
    bool extended = false;              // the last format 0–2 header had an extended timestamp
    std::uint32_t length = 0;
    std::uint8_t type_id = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t received = 0;      // payload bytes of the current message so far
    std::vector<std::byte> partial;  // only for messages that span several chunks
    bool incomplete() const { return received < length; }
  };

  static std::uint32_t read_be(std::span<const std::byte> bytes) {
    std::uint32_t value = 0;
    for (std::byte b : bytes) {
      value = (value << 8) | std::to_integer<std::uint32_t>(b);
    }
    return value;
  }
  static std::uint32_t read_le32(std::span<const std::byte> bytes) {
    std::uint32_t value = 0;
    for (std::size_t i = 4; i-- > 0;) {
      value = (value << 8) | std::to_integer<std::uint32_t>(bytes[i]);
    }
    return value;
  }

  std::size_t stop(std::string reason) {
    error_ = std::move(reason);
    return 0;
  }

  // Reads one chunk from the start of `input`; returns its size, or 0 when it is not all there
  // yet (or is bad: then error_ is set). Nothing is changed until the whole chunk is present.
  std::size_t read_chunk(std::span<const std::byte> input) {
    if (input.empty()) {
      return 0;
    }
    const auto first = std::to_integer<std::uint32_t>(input[0]);
    const unsigned format = first >> 6;
    std::uint32_t chunk_stream_id = first & 0x3F;
    std::size_t position = 1;
    if (chunk_stream_id == 0) {  // 2-byte form: ids 64–319
      if (input.size() < 2) {
        return 0;
      }
      chunk_stream_id = 64 + std::to_integer<std::uint32_t>(input[1]);
      position = 2;
    } else if (chunk_stream_id == 1) {  // 3-byte form: ids 64–65599, low byte first
      if (input.size() < 3) {
        return 0;
      }
      chunk_stream_id = 64 + std::to_integer<std::uint32_t>(input[1]) + 256 * std::to_integer<std::uint32_t>(input[2]);
      position = 3;
    }
    // Only for error messages: built when needed, as this runs for every chunk.
    auto where = [chunk_stream_id] { return "chunk stream " + std::to_string(chunk_stream_id); };

    auto found = streams_.find(chunk_stream_id);
    stream_state* previous = found == streams_.end() ? nullptr : &found->second;
    if (previous == nullptr) {
      if (format != 0) {
        return stop(where() + ": format " + std::to_string(format) + " chunk with no previous header to inherit from");
      }
      if (streams_.size() >= limits_.max_chunk_streams) {
        return stop(where() + ": more than max_chunk_streams " + std::to_string(limits_.max_chunk_streams) +
                    " chunk streams");
      }
    }
    const bool continues = previous != nullptr && previous->incomplete();
    if (continues && format != 3) {
      return stop(where() + ": format " + std::to_string(format) + " header while a message of " +
                  std::to_string(previous->length) + " bytes is incomplete (" + std::to_string(previous->received) +
                  " received)");
    }

    const std::size_t header_size = message_header_sizes[format];
    if (input.size() < position + header_size) {
      return 0;
    }
    std::span<const std::byte> header = input.subspan(position, header_size);
    position += header_size;
    std::uint32_t timestamp_field = format == 3 ? previous->timestamp_field : read_be(header.first(3));
    const bool extended = format == 3 ? previous->extended : timestamp_field == timestamp_escape;
    if (extended) {
      if (input.size() < position + 4) {
        return 0;
      }
      timestamp_field = read_be(input.subspan(position, 4));
      position += 4;
    }
    const std::uint32_t length = format <= 1 ? read_be(header.subspan(3, 3)) : previous->length;
    if (length > limits_.max_message_length) {
      return stop(where() + ": message of " + std::to_string(length) + " bytes exceeds max_message_length " +
                  std::to_string(limits_.max_message_length));
    }

    const std::uint32_t received = continues ? previous->received : 0;
    const std::size_t payload_size = std::min<std::size_t>(chunk_size_, length - received);
    const bool single_chunk = !continues && payload_size == length;
    if (!single_chunk && pending_bytes_ + payload_size > limits_.max_pending_bytes) {
      return stop(where() + ": incomplete messages would hold more than max_pending_bytes " +
                  std::to_string(limits_.max_pending_bytes));
    }
    if (input.size() < position + payload_size) {
      return 0;
    }
    std::span<const std::byte> payload = input.subspan(position, payload_size);

    // The whole chunk is here: commit it.
    stream_state& stream = streams_[chunk_stream_id];
    if (!continues) {
      // Format 0 carries the absolute timestamp; 1 and 2 a delta; 3 repeats the previous field,
      // which after a format 0 header is that header's timestamp (RTMP §5.3.1.2.4).
      stream.timestamp = format == 0 ? timestamp_field : stream.timestamp + timestamp_field;
      stream.timestamp_field = timestamp_field;
      if (format != 3) {
        stream.extended = extended;
      }
      if (format <= 1) {
        stream.length = length;
        stream.type_id = std::to_integer<std::uint8_t>(header[6]);
      }
      if (format == 0) {
        stream.stream_id = read_le32(header.subspan(7, 4));
      }
      stream.received = 0;
    }
    if (single_chunk) {
      // The common case costs no copy: the payload is handed out straight from the input.
      stream.received = length;
      emit(chunk_stream_id, stream, payload);
      return position + payload_size;
    }
    stream.partial.insert(stream.partial.end(), payload.begin(), payload.end());
    stream.received += static_cast<std::uint32_t>(payload_size);
    pending_bytes_ += payload_size;
    if (!stream.incomplete()) {
      pending_bytes_ -= stream.partial.size();
      emit(chunk_stream_id, stream, stream.partial);
      // Give the memory back: an idle connection should hold no message buffers.
      std::vector<std::byte>().swap(stream.partial);
    }
    return position + payload_size;
  }

  void emit(std::uint32_t chunk_stream_id, const stream_state& stream, std::span<const std::byte> payload) {
    on_message_(message{.chunk_stream_id = chunk_stream_id,
                        .timestamp = stream.timestamp,
                        .type_id = stream.type_id,
                        .stream_id = stream.stream_id,
                        .payload = payload});
  }

  message_handler on_message_;
  limits limits_;
  std::uint32_t chunk_size_ = default_chunk_size;
  std::size_t pending_bytes_ = 0;
  std::unordered_map<std::uint32_t, stream_state> streams_;
  std::string error_;
};

}  // namespace chunk_stream
