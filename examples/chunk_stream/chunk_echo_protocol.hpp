#pragma once
// A protocol that reads an RTMP-style chunk stream and sends every reassembled message back,
// chunked again: the server side of examples/chunk_server.cpp, in a header so that
// tests/integration/chunk_example_test.cpp can run it in-process.
//
// How it uses polyport: it overrides on_data, so no framer splits the bytes; the parser decides
// where chunks end, and on_data returns how many bytes it used. polyport keeps the rest in the
// connection's cumulation buffer and offers it again, with more, after the next read. Everything
// a connection needs (the previous headers, half-received messages, the outbound chunk state)
// lives in connection state, created in on_open: one protocol object serves every connection on
// every worker at once, so it holds nothing per connection itself.
//
// Set Chunk Size (type 1 on chunk stream 2) is applied to the inbound parser at once, echoed,
// and then applied to the outbound chunks too, so both directions use the size the peer chose.
// Thread safety: shared by all workers; its own members are immutable after construction.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "chunk_parser.hpp"
#include "chunk_writer.hpp"
#include "polyport/framer.hpp"
#include "polyport/protocol.hpp"

namespace chunk_stream {

class chunk_echo_protocol : public polyport::protocol {
 public:
  explicit chunk_echo_protocol(limits bounds = {}) : limits_(bounds) {}

  // On the connection's worker, once, before any on_data.
  void on_open(polyport::connection& conn) override { conn.emplace_state<session>(conn, limits_); }

  // On the connection's worker, after each read, with every byte not consumed before.
  std::size_t on_data(polyport::connection& conn, std::span<const std::byte> bytes) override {
    session& current = conn.state<session>();
    std::size_t consumed = current.parser.feed(bytes);
    if (current.parser.failed()) {
      // One bad peer closes its own connection, counted as frame_error; others go on.
      conn.close_with(polyport::close_reason::frame_error, current.parser.error());
    }
    return consumed;
  }

  // The peer reads slower than it sends: stop reading until our replies drain.
  void on_writable(polyport::connection& conn, bool writable) override {
    if (writable) {
      conn.resume_reading();
    } else {
      conn.pause_reading();
    }
  }

  // Whatever tcp_packet says, replies must go out verbatim (no length prefix in front of the
  // chunks). max_frame still bounds the cumulation buffer: keep it above chunk size + 18.
  std::shared_ptr<const polyport::framer> make_framer(const polyport::options&) const override {
    return polyport::make_raw_framer();
  }

 private:
  // Per-connection state. It never moves (the connection holds it by pointer), so the parser's
  // callback may point back at it and at its connection, which outlives it.
  struct session {
    session(polyport::connection& conn, limits bounds)
        : parser([this, &conn](const message& m) { on_message(conn, m); }, bounds) {}
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void on_message(polyport::connection& conn, const message& m) {
      if (m.type_id == set_chunk_size_type) {
        if (m.payload.size() != 4) {
          parser.fail("Set Chunk Size message of " + std::to_string(m.payload.size()) + " bytes, expected 4");
          return;
        }
        std::uint32_t size = 0;
        for (std::byte b : m.payload) {
          size = (size << 8) | std::to_integer<std::uint32_t>(b);
        }
        size &= 0x7FFFFFFF;  // the top bit is reserved (RTMP §5.4.1)
        if (auto applied = parser.set_chunk_size(size); !applied) {
          parser.fail(applied.error().message);
          return;
        }
        conn.send(writer.encode(m));  // told at the old size...
        writer.set_chunk_size(size);  // ...then every later chunk uses the new one
        return;
      }
      conn.send(writer.encode(m));
    }

    chunk_parser parser;
    chunk_writer writer;
  };

  limits limits_;
};

}  // namespace chunk_stream
