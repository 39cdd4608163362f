// The chunk stream parser of examples/chunk_server.cpp, without sockets: hand-built streams with
// every header format, fed whole, split at every byte, and in reads of every size; a round trip
// through chunk_writer; and bad input.
#include "../../examples/chunk_stream/chunk_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../../examples/chunk_stream/chunk_writer.hpp"

namespace chunk_stream {
namespace {

struct received {
  std::uint32_t chunk_stream_id = 0;
  std::uint32_t timestamp = 0;
  std::uint8_t type_id = 0;
  std::uint32_t stream_id = 0;
  std::string payload;
  friend bool operator==(const received&, const received&) = default;
};

std::ostream& operator<<(std::ostream& out, const received& r) {
  return out << "{csid " << r.chunk_stream_id << " ts " << r.timestamp << " type " << int{r.type_id} << " sid "
             << r.stream_id << " " << r.payload.size() << " bytes}";
}

received from(const message& m) {
  return {m.chunk_stream_id, m.timestamp, m.type_id, m.stream_id,
          std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size())};
}

message to_message(const received& r) {
  return {r.chunk_stream_id, r.timestamp, r.type_id, r.stream_id,
          std::as_bytes(std::span(r.payload.data(), r.payload.size()))};
}

std::string pattern(char first, std::size_t size) {
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    text += static_cast<char>(first + i % 26);
  }
  return text;
}

// Writes chunks byte by byte, as the spec draws them, and remembers where each chunk starts.
class stream_builder {
 public:
  stream_builder& chunk(unsigned format, std::uint32_t chunk_stream_id, bool three_byte_form = false) {
    boundaries_.insert(bytes_.size());
    const auto top = static_cast<int>(format << 6);
    if (chunk_stream_id < 64 && !three_byte_form) {
      byte(top | static_cast<int>(chunk_stream_id));
    } else if (chunk_stream_id < 320 && !three_byte_form) {
      byte(top);
      byte(static_cast<int>(chunk_stream_id - 64));
    } else {
      byte(top | 1);
      byte(static_cast<int>((chunk_stream_id - 64) & 0xFF));
      byte(static_cast<int>((chunk_stream_id - 64) >> 8));
    }
    return *this;
  }
  stream_builder& be(std::uint32_t value, int width) {
    for (int i = width; i-- > 0;) {
      byte(static_cast<int>((value >> (8 * i)) & 0xFF));
    }
    return *this;
  }
  stream_builder& le32(std::uint32_t value) {
    for (int i = 0; i < 4; ++i) {
      byte(static_cast<int>((value >> (8 * i)) & 0xFF));
    }
    return *this;
  }
  stream_builder& text(const std::string& payload) {
    for (char c : payload) {
      byte(static_cast<unsigned char>(c));
    }
    return *this;
  }
  // Format 0 message header: timestamp, length, type, message stream id.
  stream_builder& header0(std::uint32_t timestamp, std::uint32_t length, int type, std::uint32_t stream_id) {
    return be(timestamp, 3).be(length, 3).be(static_cast<std::uint32_t>(type), 1).le32(stream_id);
  }
  stream_builder& header1(std::uint32_t delta, std::uint32_t length, int type) {
    return be(delta, 3).be(length, 3).be(static_cast<std::uint32_t>(type), 1);
  }

  const std::vector<std::byte>& bytes() const { return bytes_; }
  // Offsets where a chunk starts, and the end: the only places a parser may stop.
  std::set<std::size_t> boundaries() const {
    auto all = boundaries_;
    all.insert(bytes_.size());
    return all;
  }

 private:
  void byte(int value) { bytes_.push_back(static_cast<std::byte>(value)); }
  std::vector<std::byte> bytes_;
  std::set<std::size_t> boundaries_;
};

constexpr std::uint32_t small_chunk = 10;
constexpr std::uint32_t big_timestamp = 0x01000000;  // needs the extended timestamp

// Fourteen messages on six chunk streams: every format, every basic header form, extended
// timestamps in formats 0, 1 and 3, interleaved multi-chunk messages and an empty message.
struct sample {
  stream_builder wire;
  std::vector<received> expected;
};

sample make_sample() {
  sample s;
  auto& w = s.wire;
  const std::string m1 = pattern('a', 25), m2 = pattern('A', 15), m7 = pattern('k', 12), m8 = pattern('B', 15),
                    m9 = pattern('C', 15);
  // M1 (csid 3) and M2 (csid 4, extended timestamp) interleave; M2 completes first.
  w.chunk(0, 3).header0(1000, 25, 8, 1).text(m1.substr(0, 10));
  w.chunk(0, 4).header0(0xFFFFFF, 15, 9, 1).be(big_timestamp, 4).text(m2.substr(0, 10));
  w.chunk(3, 3).text(m1.substr(10, 10));
  w.chunk(3, 4).be(big_timestamp, 4).text(m2.substr(10));  // format 3 repeats the extended field
  w.chunk(3, 3).text(m1.substr(20));
  // Formats 1, 2 and 3 starting new messages on csid 3.
  w.chunk(1, 3).header1(20, 4, 20).text("m3m3");
  w.chunk(2, 3).be(30, 3).text("m4m4");
  w.chunk(3, 3).text("m5m5");
  // Two-byte basic header (csid 70), an empty message, a little-endian stream id.
  w.chunk(0, 70).header0(5, 0, 18, 0x01020304);
  // Three-byte basic header (csid 400), two chunks.
  w.chunk(0, 400).header0(7, 12, 15, 2).text(m7.substr(0, 10));
  w.chunk(3, 400).text(m7.substr(10));
  // Format 3 new message after an extended header: the extended field is there, and is the delta.
  w.chunk(3, 4).be(big_timestamp, 4).text(m8.substr(0, 10));
  w.chunk(3, 4).be(big_timestamp, 4).text(m8.substr(10));
  // Format 2 with a small delta: no extended field from now on.
  w.chunk(2, 4).be(1, 3).text(m9.substr(0, 10));
  w.chunk(3, 4).text(m9.substr(10));
  w.chunk(1, 70).header1(3, 3, 18).text("m10");
  // csid 64 written in the three-byte form, then in the two-byte form: the same stream.
  w.chunk(0, 64, true).header0(9, 2, 8, 1).text("eb");
  w.chunk(3, 64).text("fc");
  // An extended delta in format 1.
  w.chunk(0, 5).header0(10, 1, 8, 3).text("x");
  w.chunk(1, 5).header1(0xFFFFFF, 1, 9).be(0x02000000, 4).text("y");

  s.expected = {
      {4, big_timestamp, 9, 1, m2},
      {3, 1000, 8, 1, m1},
      {3, 1020, 20, 1, "m3m3"},
      {3, 1050, 20, 1, "m4m4"},
      {3, 1080, 20, 1, "m5m5"},
      {70, 5, 18, 0x01020304, ""},
      {400, 7, 15, 2, m7},
      {4, 2 * big_timestamp, 9, 1, m8},
      {4, 2 * big_timestamp + 1, 9, 1, m9},
      {70, 8, 18, 0x01020304, "m10"},
      {64, 9, 8, 1, "eb"},
      {64, 18, 8, 1, "fc"},
      {5, 10, 8, 3, "x"},
      {5, 10 + 0x02000000, 9, 3, "y"},
  };
  return s;
}

// Plays polyport's part: keeps what feed() did not consume and offers it again with the next
// read. Checks that the parser only ever stops at a chunk boundary.
struct feed_result {
  std::vector<received> messages;
  std::size_t left_over = 0;
  std::string error;
};

feed_result feed_in_reads(const std::vector<std::byte>& wire, const std::vector<std::size_t>& read_sizes,
                          std::uint32_t chunk_size, const std::set<std::size_t>& boundaries = {}, limits bounds = {}) {
  feed_result out;
  chunk_parser parser([&](const message& m) { out.messages.push_back(from(m)); }, bounds);
  EXPECT_TRUE(parser.set_chunk_size(chunk_size).ok());
  std::vector<std::byte> pending;
  std::size_t offset = 0;  // of pending[0] in wire
  std::size_t next_read = 0;
  for (std::size_t at = 0; at < wire.size();) {
    std::size_t size = std::min(read_sizes[next_read++ % read_sizes.size()], wire.size() - at);
    pending.insert(pending.end(), wire.begin() + static_cast<std::ptrdiff_t>(at),
                   wire.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
    std::size_t consumed = parser.feed(pending);
    EXPECT_LE(consumed, pending.size());
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(consumed));
    offset += consumed;
    if (!boundaries.empty()) {
      EXPECT_TRUE(boundaries.contains(offset)) << "stopped inside a chunk at byte " << offset;
    }
    if (parser.failed()) {
      break;
    }
  }
  out.left_over = pending.size();
  out.error = parser.error();
  return out;
}

TEST(chunk_stream, every_header_format_in_one_read) {
  sample s = make_sample();
  feed_result got = feed_in_reads(s.wire.bytes(), {s.wire.bytes().size()}, small_chunk, s.wire.boundaries());
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.left_over, 0u);
  EXPECT_EQ(got.messages, s.expected);
}

TEST(chunk_stream, split_at_every_byte_boundary) {
  sample s = make_sample();
  const auto& wire = s.wire.bytes();
  for (std::size_t split = 1; split < wire.size(); ++split) {
    feed_result got = feed_in_reads(wire, {split, wire.size()}, small_chunk, s.wire.boundaries());
    ASSERT_EQ(got.error, "") << "split at " << split;
    ASSERT_EQ(got.left_over, 0u) << "split at " << split;
    ASSERT_EQ(got.messages, s.expected) << "split at " << split;
  }
}

TEST(chunk_stream, reads_of_every_size) {
  sample s = make_sample();
  const auto& wire = s.wire.bytes();
  for (std::size_t read_size = 1; read_size <= 64; ++read_size) {
    feed_result got = feed_in_reads(wire, {read_size}, small_chunk, s.wire.boundaries());
    ASSERT_EQ(got.error, "") << "reads of " << read_size;
    ASSERT_EQ(got.left_over, 0u) << "reads of " << read_size;
    ASSERT_EQ(got.messages, s.expected) << "reads of " << read_size;
  }
}

// Messages in the shape a sender produces, chunked by chunk_writer at the default 128 bytes.
std::vector<received> random_messages(std::mt19937& random, std::size_t count) {
  const std::vector<std::uint32_t> chunk_streams = {2, 3, 63, 64, 319, 320, 65599};
  std::vector<received> messages;
  std::vector<std::uint32_t> clock(chunk_streams.size(), 0);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t pick = random() % chunk_streams.size();
    // Mostly steady deltas, so formats 2 and 3 appear; sometimes huge ones, for extended fields.
    std::uint32_t delta = random() % 4 == 0 ? 40 : (random() % 8 == 0 ? 0x01000000 + random() % 100 : 20);
    clock[pick] += delta;
    std::size_t length = random() % 3 == 0 ? 100 : random() % 1000;
    messages.push_back({chunk_streams[pick], clock[pick], static_cast<std::uint8_t>(8 + random() % 2),
                        random() % 5 == 0 ? 2u : 1u, pattern(static_cast<char>('a' + i % 26), length)});
  }
  return messages;
}

std::vector<std::byte> encode_all(chunk_writer& writer, const std::vector<received>& messages) {
  std::vector<std::byte> wire;
  for (const auto& m : messages) {
    auto chunks = writer.encode(to_message(m));
    wire.insert(wire.end(), chunks.begin(), chunks.end());
  }
  return wire;
}

TEST(chunk_stream, writer_round_trip_in_three_and_a_half_chunks_per_read) {
  std::mt19937 random(7);
  auto messages = random_messages(random, 200);
  chunk_writer writer;
  auto wire = encode_all(writer, messages);
  // A full chunk on the wire is 1 header byte + 128 payload bytes (5 more with an extended field).
  const std::size_t three_and_a_half = 3 * 129 + 64;
  for (auto reads : std::vector<std::vector<std::size_t>>{{three_and_a_half}, {1}, {wire.size()}, {7, 300, 1, 4096}}) {
    feed_result got = feed_in_reads(wire, reads, default_chunk_size);
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(got.left_over, 0u);
    EXPECT_EQ(got.messages, messages) << "first read size " << reads.front();
  }
}

TEST(chunk_stream, writer_picks_the_shortest_header) {
  chunk_writer writer;
  auto format_of = [&](const received& m) { return std::to_integer<int>(writer.encode(to_message(m)).front()) >> 6; };
  EXPECT_EQ(format_of({3, 100, 8, 1, "abcd"}), 0);  // first on the stream
  EXPECT_EQ(format_of({3, 110, 8, 1, "abc"}), 1);   // other length
  EXPECT_EQ(format_of({3, 115, 8, 1, "xyz"}), 2);   // other delta
  EXPECT_EQ(format_of({3, 120, 8, 1, "uvw"}), 3);   // all as before
  EXPECT_EQ(format_of({3, 125, 8, 2, "uvw"}), 0);   // other message stream
  EXPECT_EQ(format_of({3, 10, 8, 2, "uvw"}), 0);    // time went back
  EXPECT_EQ(format_of({70, 0, 8, 1, ""}), 0);       // a new stream, two-byte form
}

TEST(chunk_stream, set_chunk_size_applies_to_the_next_chunk_of_the_same_read) {
  chunk_writer writer;
  std::vector<received> messages = {{2, 0, set_chunk_size_type, 0, std::string("\x00\x00\x10\x00", 4)}};
  auto wire = encode_all(writer, messages);
  writer.set_chunk_size(4096);
  std::mt19937 random(11);
  auto after = random_messages(random, 20);
  auto rest = encode_all(writer, after);
  wire.insert(wire.end(), rest.begin(), rest.end());
  messages.insert(messages.end(), after.begin(), after.end());

  for (std::size_t read_size : {wire.size(), std::size_t{1}, std::size_t{333}}) {
    std::vector<received> got;
    chunk_parser parser([&](const message& m) {
      got.push_back(from(m));
      if (m.type_id == set_chunk_size_type) {
        EXPECT_TRUE(parser.set_chunk_size(4096).ok());
      }
    });
    std::vector<std::byte> pending;
    for (std::size_t at = 0; at < wire.size(); at += read_size) {
      pending.insert(pending.end(), wire.begin() + static_cast<std::ptrdiff_t>(at),
                     wire.begin() + static_cast<std::ptrdiff_t>(std::min(wire.size(), at + read_size)));
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(parser.feed(pending)));
    }
    EXPECT_EQ(parser.error(), "");
    EXPECT_TRUE(pending.empty());
    EXPECT_EQ(got, messages) << "reads of " << read_size;
  }
}

// --- Bad input ---

feed_result feed_all(const stream_builder& wire, limits bounds = {}) {
  return feed_in_reads(wire.bytes(), {wire.bytes().size()}, default_chunk_size, {}, bounds);
}

TEST(chunk_stream, rejects_a_chunk_stream_it_has_not_seen) {
  stream_builder wire;
  wire.chunk(0, 3).header0(1, 2, 8, 1).text("ok");
  wire.chunk(1, 9).header1(1, 2, 8).text("no");
  feed_result got = feed_all(wire);
  EXPECT_EQ(got.messages.size(), 1u);  // what came before the bad chunk was delivered
  EXPECT_EQ(got.error, "chunk stream 9: format 1 chunk with no previous header to inherit from");
  EXPECT_EQ(got.left_over, wire.bytes().size() - 14);  // the good chunk only was consumed
}

TEST(chunk_stream, rejects_an_oversized_message_as_soon_as_its_header_arrives) {
  stream_builder wire;
  wire.chunk(0, 3).header0(1, 70000, 8, 1);  // no payload sent: the header alone is enough
  feed_result got = feed_all(wire, limits{.max_message_length = 65536});
  EXPECT_EQ(got.error, "chunk stream 3: message of 70000 bytes exceeds max_message_length 65536");
}

TEST(chunk_stream, rejects_too_many_chunk_streams) {
  stream_builder wire;
  for (std::uint32_t id = 2; id < 6; ++id) {
    wire.chunk(0, id).header0(0, 1, 8, 1).text("z");
  }
  feed_result got = feed_all(wire, limits{.max_chunk_streams = 3});
  EXPECT_EQ(got.messages.size(), 3u);
  EXPECT_EQ(got.error, "chunk stream 5: more than max_chunk_streams 3 chunk streams");
}

TEST(chunk_stream, rejects_a_new_header_inside_a_message) {
  stream_builder wire;
  wire.chunk(0, 3).header0(0, 200, 8, 1).text(pattern('a', 128));
  wire.chunk(2, 3).be(5, 3).text("zz");
  feed_result got = feed_all(wire);
  EXPECT_EQ(got.error, "chunk stream 3: format 2 header while a message of 200 bytes is incomplete (128 received)");
}

TEST(chunk_stream, bounds_the_bytes_held_for_incomplete_messages) {
  stream_builder wire;
  wire.chunk(0, 3).header0(0, 1000, 8, 1).text(pattern('a', 128));
  wire.chunk(0, 4).header0(0, 1000, 8, 1).text(pattern('b', 128));
  feed_result got = feed_all(wire, limits{.max_pending_bytes = 200});
  EXPECT_EQ(got.error, "chunk stream 4: incomplete messages would hold more than max_pending_bytes 200");
}

TEST(chunk_stream, failure_is_final_and_the_handler_can_fail_the_stream) {
  stream_builder wire;
  wire.chunk(0, 3).header0(0, 1, 8, 1).text("a");
  wire.chunk(0, 4).header0(0, 1, 8, 1).text("b");
  int seen = 0;
  chunk_parser parser([&](const message&) {
    ++seen;
    parser.fail("not wanted");
  });
  EXPECT_EQ(parser.feed(wire.bytes()), 13u);  // the first chunk, and no further
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(parser.error(), "not wanted");
  EXPECT_EQ(parser.feed(std::span(wire.bytes()).subspan(13)), 0u);
  EXPECT_EQ(seen, 1);
}

TEST(chunk_stream, chunk_size_is_bounded) {
  chunk_parser parser([](const message&) {}, limits{.max_chunk_size = 4096});
  EXPECT_EQ(parser.set_chunk_size(0).error().message, "chunk size 0 is outside 1..4096");
  EXPECT_EQ(parser.set_chunk_size(4097).error().message, "chunk size 4097 is outside 1..4096");
  EXPECT_TRUE(parser.set_chunk_size(4096).ok());
  EXPECT_EQ(parser.chunk_size(), 4096u);
}

TEST(chunk_stream, random_bytes_never_overrun) {
  std::mt19937 random(3);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> junk(random() % 200);
    for (auto& b : junk) {
      b = static_cast<std::byte>(random());
    }
    std::size_t held = 0;
    chunk_parser parser([&](const message& m) { held += m.payload.size(); },
                        limits{.max_message_length = 4096, .max_chunk_streams = 8, .max_pending_bytes = 8192});
    std::size_t consumed = parser.feed(junk);
    ASSERT_LE(consumed, junk.size());
    ASSERT_LE(held, consumed);
  }
}

}  // namespace
}  // namespace chunk_stream
