#pragma once
// Splits messages into RTMP-style chunks (RTMP 1.0 specification §5.3.1), the inverse of
// chunk_parser. Like an RTMP sender it picks the shortest header that the receiver can complete
// from the previous header of the same chunk stream:
//
//   new stream, other message stream id, or time went back  → format 0 (11 bytes, absolute time)
//   other length or type                                    → format 1 (7 bytes, time delta)
//   other time delta                                        → format 2 (3 bytes, time delta)
//   everything as before                                    → format 3 (no message header)
//
// and every chunk after a message's first is format 3.
// Thread safety: distinct objects: safe. Shared objects: unsafe (one writer per connection).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "chunk_parser.hpp"

namespace chunk_stream {

class chunk_writer {
 public:
  explicit chunk_writer(std::uint32_t chunk_size = default_chunk_size) { set_chunk_size(chunk_size); }

  // Takes effect for the next message. The peer must have been told first (Set Chunk Size).
  void set_chunk_size(std::uint32_t size) {
    if (size == 0 || size > 0x7FFFFFFF) {
      throw std::invalid_argument("chunk size " + std::to_string(size) + " is outside 1..2^31-1");
    }
    chunk_size_ = size;
  }
  std::uint32_t chunk_size() const { return chunk_size_; }

  // The chunks of `m`, ready to write. Throws std::invalid_argument for a chunk stream id
  // outside 2..65599 or a payload longer than the 3-byte length field allows.
  std::vector<std::byte> encode(const message& m) {
    if (m.chunk_stream_id < first_chunk_stream_id || m.chunk_stream_id > last_chunk_stream_id) {
      throw std::invalid_argument("chunk stream id " + std::to_string(m.chunk_stream_id) + " is outside 2..65599");
    }
    if (m.payload.size() > max_message_length_field) {
      throw std::invalid_argument("message of " + std::to_string(m.payload.size()) + " bytes is too long");
    }
    const auto length = static_cast<std::uint32_t>(m.payload.size());
    auto [found, is_new] = last_.try_emplace(m.chunk_stream_id);
    last_header& previous = found->second;

    unsigned format = 0;
    std::uint32_t timestamp_field = m.timestamp;
    if (!is_new && m.stream_id == previous.stream_id && m.timestamp >= previous.timestamp) {
      timestamp_field = m.timestamp - previous.timestamp;
      if (length != previous.length || m.type_id != previous.type_id) {
        format = 1;
      } else if (timestamp_field != previous.timestamp_field) {
        format = 2;
      } else {
        format = 3;
      }
    }
    const bool extended = timestamp_field >= timestamp_escape;

    std::vector<std::byte> out;
    const std::size_t chunks = length == 0 ? 1 : (length + chunk_size_ - 1) / chunk_size_;
    out.reserve(length + max_chunk_header_size + (chunks - 1) * (3 + 4));
    put_basic_header(out, format, m.chunk_stream_id);
    if (format <= 2) {
      put_be(out, extended ? timestamp_escape : timestamp_field, 3);
    }
    if (format <= 1) {
      put_be(out, length, 3);
      out.push_back(std::byte{m.type_id});
    }
    if (format == 0) {
      for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<std::byte>(m.stream_id >> (8 * i)));
      }
    }
    std::size_t sent = 0;
    for (;;) {
      if (extended) {
        put_be(out, timestamp_field, 4);
      }
      std::size_t piece = std::min<std::size_t>(chunk_size_, length - sent);
      out.insert(out.end(), m.payload.begin() + static_cast<std::ptrdiff_t>(sent),
                 m.payload.begin() + static_cast<std::ptrdiff_t>(sent + piece));
      sent += piece;
      if (sent >= length) {
        break;
      }
      put_basic_header(out, 3, m.chunk_stream_id);
    }

    previous = last_header{.timestamp = m.timestamp,
                           .timestamp_field = timestamp_field,
                           .length = length,
                           .type_id = m.type_id,
                           .stream_id = m.stream_id};
    return out;
  }

 private:
  struct last_header {
    std::uint32_t timestamp = 0;
    std::uint32_t timestamp_field = 0;
    std::uint32_t length = 0;
    std::uint8_t type_id = 0;
    std::uint32_t stream_id = 0;
  };

  static void put_be(std::vector<std::byte>& out, std::uint32_t value, int width) {
    for (int i = width; i-- > 0;) {
      out.push_back(static_cast<std::byte>(value >> (8 * i)));
    }
  }

  static void put_basic_header(std::vector<std::byte>& out, unsigned format, std::uint32_t chunk_stream_id) {
    const auto top = static_cast<std::uint32_t>(format << 6);
    if (chunk_stream_id < 64) {
      out.push_back(static_cast<std::byte>(top | chunk_stream_id));
    } else if (chunk_stream_id < 64 + 256) {
      out.push_back(static_cast<std::byte>(top | 0));
      out.push_back(static_cast<std::byte>(chunk_stream_id - 64));
    } else {
      out.push_back(static_cast<std::byte>(top | 1));
      out.push_back(static_cast<std::byte>((chunk_stream_id - 64) & 0xFF));
      out.push_back(static_cast<std::byte>((chunk_stream_id - 64) >> 8));
    }
  }

  std::uint32_t chunk_size_ = default_chunk_size;
  std::unordered_map<std::uint32_t, last_header> last_;
};

}  // namespace chunk_stream
