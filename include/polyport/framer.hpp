#pragma once
// Stock framers: they split a connection's byte stream into messages.
//
//   read ──▶ cumulation buffer ──next()──▶ frame_step ──▶ on_message(payload)
//              ▲                              │
//              └── keep input[consumed..] ◀───┘  (need_more: keep it all, wait for the next read)
//
// The framework keeps the unconsumed bytes of each connection and offers them to next() after
// every read, again and again until it answers need_more. Framers hold no per-connection state,
// so one framer object serves every connection of a listener.

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "polyport/framing.hpp"

namespace polyport {

// What a framer found at the start of its input.
// Thread safety: a plain value type; `payload` views the input given to next().
struct frame_step {
  enum class outcome { need_more, frame, invalid };
  outcome result = outcome::need_more;
  // Input bytes this frame took: header + payload + delimiter. 0 unless result is frame.
  std::size_t consumed = 0;
  // A view into the input: the frame without its header or delimiter.
  std::span<const std::byte> payload;
  // outcome::invalid only: why the stream cannot go on, e.g.
  // "frame of 70000 bytes exceeds max_frame 65536". The connection is closed with this reason.
  std::string error;
};

// Splits a byte stream into frames.
// Thread safety: const and stateless; share one object freely between connections and threads.
class framer {
 public:
  virtual ~framer() = default;

  // Called by the connection's worker after each read, with the bytes not yet consumed; it looks
  // from the start of input. Does not allocate (except to word an invalid outcome) and does not
  // throw. An invalid answer stays invalid however many bytes follow.
  virtual frame_step next(std::span<const std::byte> input) const = 0;

  static constexpr std::size_t max_prefix_size = 4;

  // Called by send() before a payload: writes the bytes to send first (the length prefix) into
  // out and returns how many; 0 for raw, line, delimiter and fixed, which send bytes verbatim.
  // Precondition: payload_size <= max_payload(); otherwise throws std::length_error rather than
  // write a length that would desynchronise the peer.
  virtual std::size_t write_prefix(std::size_t payload_size,
                                   std::span<std::byte, max_prefix_size> out) const;

  // Called by send() after a payload: the bytes that end a frame ("\n" for line, the delimiter
  // for delimiter framers), so that every send() is one frame the peer's framer splits back out.
  // Empty for raw, length and fixed framers.
  virtual std::span<const std::byte> suffix() const;

  // Called by send(): the largest payload it accepts through this framer. For a length framer,
  // the smaller of max_frame and what the prefix width can express; unlimited (SIZE_MAX) for the
  // framers that send bytes verbatim, as one send() may carry many delimited or fixed frames.
  virtual std::size_t max_payload() const;
};

constexpr std::size_t default_max_frame = 16 * 1024 * 1024;

// Every non-empty input is one frame, all of it: messages are the reads as they arrived.
std::unique_ptr<framer> make_raw_framer();

// "\n" ends a frame, and a "\r" just before it is dropped from the payload too. A payload longer
// than max_frame, or max_frame + 2 bytes without "\n", is invalid.
std::unique_ptr<framer> make_line_framer(std::size_t max_frame);

// Any non-empty delimiter ends a frame; it is not part of the payload. max_frame + the delimiter's
// length bytes without a delimiter are invalid.
std::unique_ptr<framer> make_delimiter_framer(std::string delimiter, std::size_t max_frame);

// A big-endian length of the payload, prefix_bytes (1, 2 or 4) wide, precedes the payload, as in
// Erlang's {packet, N} and NkPACKET's tcp_packet. A declared length above max_frame is invalid
// as soon as the prefix arrives. Zero-length frames are valid.
std::unique_ptr<framer> make_length_framer(int prefix_bytes, std::size_t max_frame);

// Every frame_size bytes are one frame.
std::unique_ptr<framer> make_fixed_framer(std::size_t frame_size);

// The framer a `tcp_packet` option names. max_frame does not apply to raw (a raw frame is never
// larger than one read) but must still be valid.
std::unique_ptr<framer> make_framer(framing kind, std::size_t max_frame);

// The factories throw std::invalid_argument for a prefix width other than 1, 2 or 4, a zero
// frame_size or max_frame, and an empty delimiter.

}  // namespace polyport
