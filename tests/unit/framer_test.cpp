#include "polyport/framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyport {
namespace {

using outcome = frame_step::outcome;

std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string as_text(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Payload bytes that differ from frame to frame, so a frame cut at the wrong place shows.
std::string binary_payload(std::size_t size, int seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((i * 7 + static_cast<std::size_t>(seed) * 31) & 0xff);
  }
  return out;
}

// Like binary_payload but only lower-case letters, for framers that forbid some bytes.
std::string letter_payload(std::size_t size, int seed) {
  std::string out(size, 'a');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>('a' + (i + static_cast<std::size_t>(seed)) % 26);
  }
  return out;
}

// The big-endian prefix, written independently of the framer's write_prefix.
std::string length_prefixed(int width, const std::string& payload) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) {
    out += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  }
  return out + payload;
}

// A connection's cumulation buffer, kept as DESIGN.md section 2 says the framework keeps it:
// frames are parsed straight from the read while nothing is pending, and only the leftover is
// copied; after an invalid outcome the connection is closed and reads are ignored. It checks the
// frame_step contract on every step.
class cumulation {
 public:
  cumulation(const framer& splitter, std::function<void(std::span<const std::byte>)> on_message)
      : splitter_(splitter), on_message_(std::move(on_message)) {}

  void read(std::span<const std::byte> chunk) {
    if (error_) {
      return;
    }
    if (buffer_.empty()) {
      std::span<const std::byte> rest = drain(chunk);
      buffer_.assign(rest.begin(), rest.end());
      return;
    }
    buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
    std::size_t left = drain(buffer_).size();
    buffer_.erase(buffer_.begin(), buffer_.end() - static_cast<std::ptrdiff_t>(left));
  }

  // Back to a fresh connection, keeping the buffer's capacity: the exhaustive sweeps run many
  // thousand feeds, and a new allocation each time dominates them under AddressSanitizer.
  void reset() {
    buffer_.clear();
    error_.reset();
    contract_violations_ = 0;
  }

  std::size_t pending() const { return buffer_.size(); }
  const std::optional<std::string>& error() const { return error_; }
  int contract_violations() const { return contract_violations_; }

 private:
  std::span<const std::byte> drain(std::span<const std::byte> input) {
    for (;;) {
      frame_step step = splitter_.next(input);
      if (step.result == outcome::need_more) {
        check(step.consumed == 0 && step.error.empty());
        return input;
      }
      if (step.result == outcome::invalid) {
        check(step.consumed == 0 && !step.error.empty());
        error_ = step.error;
        return input;
      }
      check(step.consumed > 0 && step.consumed <= input.size() && step.error.empty());
      check(step.payload.data() >= input.data() &&
            step.payload.data() + step.payload.size() <= input.data() + step.consumed);
      on_message_(step.payload);
      // A broken framer must fail the test, not hang it.
      if (step.consumed == 0 || step.consumed > input.size()) {
        return input;
      }
      input = input.subspan(step.consumed);
    }
  }

  void check(bool holds) {
    if (!holds) {
      ++contract_violations_;
    }
  }

  const framer& splitter_;
  std::function<void(std::span<const std::byte>)> on_message_;
  std::vector<std::byte> buffer_;
  std::optional<std::string> error_;
  int contract_violations_ = 0;
};

// Feeds a stream in the given reads and compares the messages with the expected ones as they
// come out (the exhaustive sweeps run many thousand feeds, so nothing is copied).
class replay {
 public:
  replay(const framer& splitter, const std::vector<std::string>& expected)
      : expected_(expected), buffer_(splitter, [this](std::span<const std::byte> payload) {
          if (seen_ >= expected_.size() || as_text_view(payload) != expected_[seen_]) {
            mismatch_ = true;
          }
          ++seen_;
        }) {}

  void read(std::span<const std::byte> chunk) { buffer_.read(chunk); }

  void reset() {
    buffer_.reset();
    seen_ = 0;
    mismatch_ = false;
  }

  // Exactly the expected frames came out, in order, with nothing left over and no error.
  bool matched() const {
    return !mismatch_ && seen_ == expected_.size() && buffer_.pending() == 0 && !buffer_.error() &&
           buffer_.contract_violations() == 0;
  }

  std::string describe() const {
    return "frames seen " + std::to_string(seen_) + " of " + std::to_string(expected_.size()) +
           (mismatch_ ? ", a frame differed" : "") + ", pending " +
           std::to_string(buffer_.pending()) + ", error '" + buffer_.error().value_or("") +
           "', contract violations " + std::to_string(buffer_.contract_violations());
  }

 private:
  static std::string_view as_text_view(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  const std::vector<std::string>& expected_;
  std::size_t seen_ = 0;
  bool mismatch_ = false;
  cumulation buffer_;
};

// The frames that go in come out, in order, however the stream is cut into reads: all in one
// read (many frames per read), split once at every byte boundary, and every byte alone.
void expect_any_split_yields(const framer& splitter, const std::string& stream_text,
                             const std::vector<std::string>& expected) {
  std::span<const std::byte> stream = as_bytes(stream_text);
  {
    replay whole(splitter, expected);
    whole.read(stream);
    EXPECT_TRUE(whole.matched()) << "one read: " << whole.describe();
  }
  replay halves(splitter, expected);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    halves.reset();
    halves.read(stream.first(split));
    halves.read(stream.subspan(split));
    if (!halves.matched()) {
      ADD_FAILURE() << "split at byte " << split << " of " << stream.size() << ": "
                    << halves.describe();
      break;
    }
  }
  replay bytewise(splitter, expected);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    bytewise.read(stream.subspan(i, 1));
  }
  EXPECT_TRUE(bytewise.matched()) << "a byte per read: " << bytewise.describe();
}

struct fed {
  std::vector<std::string> frames;
  std::optional<std::string> error;
  std::size_t pending = 0;
};

// Feeds each string as one read and collects what comes out.
fed feed(const framer& splitter, const std::vector<std::string>& reads) {
  fed out;
  cumulation buffer(splitter, [&out](std::span<const std::byte> payload) {
    out.frames.push_back(as_text(payload));
  });
  for (const std::string& chunk : reads) {
    buffer.read(as_bytes(chunk));
  }
  EXPECT_EQ(buffer.contract_violations(), 0);
  out.error = buffer.error();
  out.pending = buffer.pending();
  return out;
}

template <class Call>
std::string invalid_argument_message(Call call) {
  try {
    call();
  } catch (const std::invalid_argument& failure) {
    return failure.what();
  }
  return "(no std::invalid_argument thrown)";
}

using prefix_buffer = std::array<std::byte, framer::max_prefix_size>;
constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

// ---- raw ----

TEST(RawFramer, EmptyInputNeedsMore) {
  frame_step step = make_raw_framer()->next({});
  EXPECT_EQ(step.result, outcome::need_more);
  EXPECT_EQ(step.consumed, 0u);
}

TEST(RawFramer, EveryReadIsOneFrameAsItArrived) {
  auto raw = make_raw_framer();
  std::string big = binary_payload(100000, 1);
  for (const std::string& chunk : {std::string("x"), std::string("\n\r\0ab", 5), big}) {
    frame_step step = raw->next(as_bytes(chunk));
    EXPECT_EQ(step.result, outcome::frame);
    EXPECT_EQ(step.consumed, chunk.size());
    EXPECT_EQ(step.payload.data(), as_bytes(chunk).data());
    EXPECT_EQ(as_text(step.payload), chunk);
  }
  fed out = feed(*raw, {"ab", "", "c\n", "def"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"ab", "c\n", "def"}));
  EXPECT_EQ(out.pending, 0u);
}

TEST(RawFramer, SendsVerbatimWithoutLimit) {
  auto raw = make_raw_framer();
  prefix_buffer prefix{};
  EXPECT_EQ(raw->write_prefix(12345, prefix), 0u);
  EXPECT_EQ(raw->max_payload(), unlimited);
}

TEST(RawFramer, FromTcpPacketIgnoresMaxFrame) {
  auto raw = make_framer(framing::raw, 4);
  fed out = feed(*raw, {"longer than four"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"longer than four"}));
  EXPECT_FALSE(out.error);
}

// ---- line ----

TEST(LineFramer, FramesSurviveAnySplit) {
  constexpr std::size_t max_frame = 300;
  auto line = make_line_framer(max_frame);
  std::vector<std::pair<std::string, std::string>> lines = {
      {"", "\n"},
      {"", "\r\n"},
      {"a", "\n"},
      {"b", "\r\n"},
      {"a\rb", "\n"},    // a "\r" not before "\n" stays
      {"\r\r", "\r\n"},  // only the last "\r" goes
      {letter_payload(254, 1), "\n"},
      {letter_payload(255, 2), "\r\n"},
      {letter_payload(256, 3), "\n"},
      {letter_payload(max_frame - 1, 4), "\r\n"},
      {letter_payload(max_frame, 5), "\n"},
      {letter_payload(max_frame, 6), "\r\n"},
      {"", "\n"},
      {"z", "\n"},
  };
  std::string stream;
  std::vector<std::string> expected;
  for (const auto& [payload, ending] : lines) {
    stream += payload + ending;
    expected.push_back(payload);
  }
  expect_any_split_yields(*line, stream, expected);
}

TEST(LineFramer, DropsOnlyTheCarriageReturnBeforeTheNewline) {
  auto line = make_line_framer(default_max_frame);
  struct one_case {
    std::string input;
    std::string payload;
    std::size_t consumed;
  };
  for (const one_case& c : std::vector<one_case>{{"a\n", "a", 2},
                                                 {"a\r\n", "a", 3},
                                                 {"a\r\r\n", "a\r", 4},
                                                 {"\n", "", 1},
                                                 {"\r\n", "", 2},
                                                 {"a\rb\n", "a\rb", 4},
                                                 {"\n\r\n", "", 1},
                                                 {"ab\r\ncd\n", "ab", 4}}) {
    frame_step step = line->next(as_bytes(c.input));
    EXPECT_EQ(step.result, outcome::frame) << c.input;
    EXPECT_EQ(as_text(step.payload), c.payload);
    EXPECT_EQ(step.consumed, c.consumed);
  }
  EXPECT_EQ(line->next(as_bytes("abc\r")).result, outcome::need_more);
  EXPECT_EQ(line->next(as_bytes("\r")).result, outcome::need_more);
}

TEST(LineFramer, CrlfSplitBetweenReturnAndNewline) {
  auto line = make_line_framer(default_max_frame);
  fed out = feed(*line, {"one\r", "\ntwo\r", "\r", "\n"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"one", "two\r"}));
  EXPECT_EQ(out.pending, 0u);
}

TEST(LineFramer, EnforcesMaxFrame) {
  auto line = make_line_framer(4);
  EXPECT_EQ(as_text(line->next(as_bytes("abcd\n")).payload), "abcd");
  EXPECT_EQ(as_text(line->next(as_bytes("abcd\r\n")).payload), "abcd");
  EXPECT_EQ(line->next(as_bytes("abcd\r")).result, outcome::need_more);
  EXPECT_EQ(line->next(as_bytes("abcde")).result, outcome::need_more);

  frame_step too_long = line->next(as_bytes("abcde\n"));
  EXPECT_EQ(too_long.result, outcome::invalid);
  EXPECT_EQ(too_long.error, "line of 5 bytes exceeds max_frame 4");
  EXPECT_EQ(too_long.consumed, 0u);

  frame_step no_end = line->next(as_bytes("abcdef"));
  EXPECT_EQ(no_end.result, outcome::invalid);
  EXPECT_EQ(no_end.error, "no end of line in the first 6 bytes: a line exceeds max_frame 4");
  EXPECT_EQ(line->next(as_bytes("abcde\r\n")).result, outcome::invalid);
}

TEST(LineFramer, MaxFrameErrorStopsTheConnection) {
  auto line = make_line_framer(8);
  fed out = feed(*line, {"ok\nst", "ill growing", "\nnever\n"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"ok"}));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(*out.error, "no end of line in the first 10 bytes: a line exceeds max_frame 8");
}

// ---- delimiter ----

// Builds payload + delimiter frames, checking that the delimiter first occurs where meant (a
// payload whose tail begins the delimiter would otherwise end the frame early).
void expect_delimited_frames_survive_any_split(const std::string& delimiter, std::size_t max_frame,
                                               const std::vector<std::string>& payloads) {
  SCOPED_TRACE("delimiter \"" + delimiter + "\"");
  auto splitter = make_delimiter_framer(delimiter, max_frame);
  std::string stream;
  for (const std::string& payload : payloads) {
    std::string frame = payload + delimiter;
    ASSERT_EQ(frame.find(delimiter), payload.size()) << "bad test payload " << payload;
    stream += frame;
  }
  expect_any_split_yields(*splitter, stream, payloads);
}

TEST(DelimiterFramer, FramesSurviveAnySplit) {
  constexpr std::size_t max_frame = 300;
  std::vector<std::string> letters = {"",
                                      "a",
                                      letter_payload(2, 1),
                                      letter_payload(255, 2),
                                      letter_payload(256, 3),
                                      letter_payload(max_frame - 1, 4),
                                      letter_payload(max_frame, 5),
                                      "",
                                      "q"};
  expect_delimited_frames_survive_any_split("\n", max_frame, letters);
  expect_delimited_frames_survive_any_split("||", max_frame, letters);
  expect_delimited_frames_survive_any_split(std::string("\0", 1), max_frame, letters);

  // Near misses: partial delimiters inside payloads.
  std::vector<std::string> near_misses = letters;
  near_misses.insert(near_misses.end(),
                     {"\r", "\n", "\n\n", "x\r\n\r", "\r\n\rx\r\n\ry", "\r\n\rz"});
  expect_delimited_frames_survive_any_split("\r\n\r\n", max_frame, near_misses);

  // A self-overlapping delimiter: "aaab" must end its frame at "aab" starting at index 1.
  expect_delimited_frames_survive_any_split("aab", max_frame, {"a", "", "ba", "bbb", "a"});
}

TEST(DelimiterFramer, MultiByteDelimiterSplitAcrossReads) {
  auto splitter = make_delimiter_framer("\r\n\r\n", default_max_frame);
  fed out = feed(*splitter, {"GET / HTTP/1.1\r\nHost: h\r", "\n", "\r", "\nbody\r\n\r", "\n"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"GET / HTTP/1.1\r\nHost: h", "body"}));
  EXPECT_EQ(out.pending, 0u);
}

TEST(DelimiterFramer, EnforcesMaxFrame) {
  auto splitter = make_delimiter_framer("||", 4);
  EXPECT_EQ(as_text(splitter->next(as_bytes("abcd||")).payload), "abcd");
  EXPECT_EQ(splitter->next(as_bytes("abcd|")).result, outcome::need_more);

  frame_step too_long = splitter->next(as_bytes("abcde|"));
  EXPECT_EQ(too_long.result, outcome::invalid);
  EXPECT_EQ(too_long.error,
            "no delimiter \"||\" in the first 6 bytes: a frame exceeds max_frame 4");
  EXPECT_EQ(splitter->next(as_bytes("abcde||")).result, outcome::invalid);
}

TEST(DelimiterFramer, ErrorShowsInvisibleDelimiterBytes) {
  auto splitter = make_delimiter_framer(std::string("\r\n\0\x7f\"", 5), 1);
  frame_step step = splitter->next(as_bytes("abcdef"));
  EXPECT_EQ(step.result, outcome::invalid);
  EXPECT_EQ(step.error,
            "no delimiter \"\\r\\n\\x00\\x7f\\\"\" in the first 6 bytes: a frame exceeds "
            "max_frame 1");
}

TEST(DelimiterFramer, SendsVerbatimWithoutLimit) {
  auto splitter = make_delimiter_framer("\n", 10);
  prefix_buffer prefix{};
  EXPECT_EQ(splitter->write_prefix(100, prefix), 0u);
  EXPECT_EQ(splitter->max_payload(), unlimited);
}

// ---- length prefix ----

void expect_length_frames_survive_any_split(int width, std::size_t max_frame,
                                            const std::vector<std::size_t>& sizes) {
  SCOPED_TRACE("prefix width " + std::to_string(width));
  auto splitter = make_length_framer(width, max_frame);
  std::string stream;
  std::vector<std::string> payloads;
  int seed = 0;
  for (std::size_t size : sizes) {
    payloads.push_back(binary_payload(size, ++seed));
    stream += length_prefixed(width, payloads.back());
  }
  expect_any_split_yields(*splitter, stream, payloads);
}

TEST(LengthFramer, OneByteFramesSurviveAnySplit) {
  expect_length_frames_survive_any_split(1, 255, {0, 1, 2, 0, 127, 128, 254, 255, 255, 0, 1});
}

TEST(LengthFramer, TwoByteFramesSurviveAnySplit) {
  expect_length_frames_survive_any_split(2, 65535, {0, 1, 255, 256, 257, 0, 65535, 1, 0});
}

TEST(LengthFramer, FourByteFramesSurviveAnySplit) {
  // 65535 (00 00 ff ff) is left to the round-trip test: with it the sweep takes twice as long.
  expect_length_frames_survive_any_split(4, 65536, {0, 1, 255, 256, 0, 65536, 1, 0});
}

TEST(LengthFramer, ZeroLengthFrameConsumesOnlyThePrefix) {
  for (int width : {1, 2, 4}) {
    auto splitter = make_length_framer(width, default_max_frame);
    std::string input = length_prefixed(width, "") + "rest";
    frame_step step = splitter->next(as_bytes(input));
    EXPECT_EQ(step.result, outcome::frame) << width;
    EXPECT_EQ(step.consumed, static_cast<std::size_t>(width));
    EXPECT_TRUE(step.payload.empty());
  }
}

TEST(LengthFramer, RejectsOversizeFrameBeforeItsPayload) {
  auto two = make_length_framer(2, 1000);
  frame_step step = two->next(as_bytes(std::string("\x03\xe9", 2)));  // 1001
  EXPECT_EQ(step.result, outcome::invalid);
  EXPECT_EQ(step.error, "frame of 1001 bytes exceeds max_frame 1000");
  EXPECT_EQ(two->next(as_bytes(std::string("\x03\xe8", 2))).result, outcome::need_more);

  auto four = make_length_framer(4, 65536);
  step = four->next(as_bytes(std::string("\x00\x01\x11\x70", 4)));
  EXPECT_EQ(step.result, outcome::invalid);
  EXPECT_EQ(step.error, "frame of 70000 bytes exceeds max_frame 65536");

  auto one = make_length_framer(1, 10);
  fed out = feed(*one, {std::string("\x02hi\x0b", 4), "never read"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"hi"}));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(*out.error, "frame of 11 bytes exceeds max_frame 10");
}

TEST(LengthFramer, FourBytePrefixAtTheDefaultMaxFrame) {
  auto four = make_length_framer(4, default_max_frame);
  EXPECT_EQ(four->next(as_bytes(std::string("\x01\x00\x00\x01", 4))).error,
            "frame of 16777217 bytes exceeds max_frame 16777216");
  EXPECT_EQ(four->next(as_bytes(std::string("\xff\xff\xff\xff", 4))).error,
            "frame of 4294967295 bytes exceeds max_frame 16777216");

  std::string largest = length_prefixed(4, binary_payload(default_max_frame, 9));
  EXPECT_EQ(four->next(as_bytes(largest).first(largest.size() - 1)).result, outcome::need_more);
  frame_step step = four->next(as_bytes(largest));
  EXPECT_EQ(step.result, outcome::frame);
  EXPECT_EQ(step.consumed, default_max_frame + 4);
  EXPECT_EQ(step.payload.size(), default_max_frame);
}

TEST(LengthFramer, MaxPayloadIsMaxFrameWithinThePrefixWidth) {
  EXPECT_EQ(make_length_framer(1, 100)->max_payload(), 100u);
  EXPECT_EQ(make_length_framer(1, default_max_frame)->max_payload(), 255u);
  EXPECT_EQ(make_length_framer(2, 256)->max_payload(), 256u);
  EXPECT_EQ(make_length_framer(2, default_max_frame)->max_payload(), 65535u);
  EXPECT_EQ(make_length_framer(4, default_max_frame)->max_payload(), default_max_frame);
  EXPECT_EQ(make_length_framer(4, unlimited)->max_payload(), 4294967295u);
}

TEST(LengthFramer, WritePrefixIsBigEndianAndRoundTrips) {
  struct one_case {
    int width;
    std::size_t size;
  };
  for (const one_case& c : std::vector<one_case>{{1, 0},
                                                 {1, 1},
                                                 {1, 255},
                                                 {2, 0},
                                                 {2, 255},
                                                 {2, 256},
                                                 {2, 65535},
                                                 {4, 0},
                                                 {4, 256},
                                                 {4, 65535},
                                                 {4, 65536},
                                                 {4, 70000}}) {
    SCOPED_TRACE("width " + std::to_string(c.width) + " size " + std::to_string(c.size));
    auto splitter = make_length_framer(c.width, default_max_frame);
    std::string payload = binary_payload(c.size, c.width);
    prefix_buffer prefix{};
    ASSERT_EQ(splitter->write_prefix(c.size, prefix), static_cast<std::size_t>(c.width));
    std::string wire =
        as_text(std::span<const std::byte>(prefix).first(static_cast<std::size_t>(c.width)));
    EXPECT_EQ(wire + payload, length_prefixed(c.width, payload));
    std::string frame = wire + payload;
    frame_step step = splitter->next(as_bytes(frame));
    EXPECT_EQ(step.result, outcome::frame);
    EXPECT_EQ(as_text(step.payload), payload);
  }
}

TEST(LengthFramer, WritePrefixRefusesWhatThePeerWouldReject) {
  prefix_buffer prefix{};
  EXPECT_THROW(make_length_framer(1, default_max_frame)->write_prefix(256, prefix),
               std::length_error);
  EXPECT_THROW(make_length_framer(2, default_max_frame)->write_prefix(65536, prefix),
               std::length_error);
  EXPECT_THROW(make_length_framer(4, 1000)->write_prefix(1001, prefix), std::length_error);
  EXPECT_THROW(make_length_framer(4, unlimited)->write_prefix(std::size_t{1} << 32, prefix),
               std::length_error);
  try {
    make_length_framer(2, 1000)->write_prefix(1001, prefix);
    ADD_FAILURE() << "no std::length_error";
  } catch (const std::length_error& failure) {
    EXPECT_STREQ(failure.what(), "payload of 1001 bytes exceeds the framer's max_payload 1000");
  }
}

// ---- fixed ----

TEST(FixedFramer, FramesSurviveAnySplit) {
  for (std::size_t frame_size : {std::size_t{1}, std::size_t{3}, std::size_t{256}}) {
    SCOPED_TRACE("frame size " + std::to_string(frame_size));
    auto fixed = make_fixed_framer(frame_size);
    std::string stream;
    std::vector<std::string> payloads;
    for (int i = 0; i < 9; ++i) {
      payloads.push_back(binary_payload(frame_size, i));
      stream += payloads.back();
    }
    expect_any_split_yields(*fixed, stream, payloads);
  }
}

TEST(FixedFramer, KeepsAPartialFrame) {
  auto fixed = make_fixed_framer(4);
  fed out = feed(*fixed, {"abcdef", "ghij"});
  EXPECT_EQ(out.frames, (std::vector<std::string>{"abcd", "efgh"}));
  EXPECT_EQ(out.pending, 2u);
  prefix_buffer prefix{};
  EXPECT_EQ(fixed->write_prefix(4, prefix), 0u);
  EXPECT_EQ(fixed->max_payload(), unlimited);
}

// ---- every framer ----

std::vector<std::unique_ptr<framer>> every_framer() {
  std::vector<std::unique_ptr<framer>> all;
  all.push_back(make_raw_framer());
  all.push_back(make_line_framer(4));
  all.push_back(make_delimiter_framer("\r\n", 4));
  all.push_back(make_length_framer(1, 4));
  all.push_back(make_length_framer(2, 4));
  all.push_back(make_length_framer(4, 4));
  all.push_back(make_fixed_framer(4));
  return all;
}

TEST(EveryFramer, EmptyInputNeedsMore) {
  for (const auto& splitter : every_framer()) {
    frame_step step = splitter->next({});
    EXPECT_EQ(step.result, outcome::need_more);
    EXPECT_EQ(step.consumed, 0u);
    EXPECT_TRUE(step.error.empty());
  }
}

TEST(EveryFramer, InvalidStaysInvalidAsBytesArrive) {
  std::string garbage(64, '\x7f');
  std::size_t sticky_framers = 0;
  for (const auto& splitter : every_framer()) {
    std::optional<std::size_t> first_invalid;
    for (std::size_t size = 0; size <= garbage.size(); ++size) {
      frame_step step = splitter->next(as_bytes(garbage).first(size));
      if (first_invalid) {
        EXPECT_EQ(step.result, outcome::invalid) << "at " << size << " after " << *first_invalid;
      } else if (step.result == outcome::invalid) {
        first_invalid = size;
      }
    }
    sticky_framers += first_invalid ? 1 : 0;
  }
  EXPECT_EQ(sticky_framers, 5u);  // all but raw and fixed, which accept any bytes
}

// ---- factories ----

TEST(Factories, RejectBadArguments) {
  EXPECT_EQ(invalid_argument_message([] { make_length_framer(3, 100); }),
            "length prefix must be 1, 2 or 4 bytes (got 3)");
  EXPECT_EQ(invalid_argument_message([] { make_length_framer(0, 100); }),
            "length prefix must be 1, 2 or 4 bytes (got 0)");
  EXPECT_EQ(invalid_argument_message([] { make_length_framer(8, 100); }),
            "length prefix must be 1, 2 or 4 bytes (got 8)");
  EXPECT_EQ(invalid_argument_message([] { make_fixed_framer(0); }),
            "fixed frame size must be at least 1 byte (got 0)");
  EXPECT_EQ(invalid_argument_message([] { make_delimiter_framer("", 100); }),
            "delimiter must not be empty");
  const std::string zero_max = "max_frame must be at least 1 byte (got 0)";
  EXPECT_EQ(invalid_argument_message([] { make_line_framer(0); }), zero_max);
  EXPECT_EQ(invalid_argument_message([] { make_delimiter_framer("\n", 0); }), zero_max);
  EXPECT_EQ(invalid_argument_message([] { make_length_framer(2, 0); }), zero_max);
  for (framing kind :
       {framing::raw, framing::length1, framing::length2, framing::length4, framing::line}) {
    EXPECT_EQ(invalid_argument_message([kind] { make_framer(kind, 0); }), zero_max);
  }
}

TEST(Factories, MakeFramerFollowsTcpPacket) {
  prefix_buffer prefix{};
  EXPECT_EQ(make_framer(framing::length1, 1000)->write_prefix(3, prefix), 1u);
  EXPECT_EQ(make_framer(framing::length2, 1000)->write_prefix(3, prefix), 2u);
  EXPECT_EQ(make_framer(framing::length4, 1000)->write_prefix(3, prefix), 4u);
  EXPECT_EQ(make_framer(framing::length4, 1000)->max_payload(), 1000u);
  EXPECT_EQ(
      make_framer(framing::length4, 1000)->next(as_bytes(std::string("\0\0\x03\xe9", 4))).error,
      "frame of 1001 bytes exceeds max_frame 1000");

  fed lines = feed(*make_framer(framing::line, 1000), {"a\r\nb\n"});
  EXPECT_EQ(lines.frames, (std::vector<std::string>{"a", "b"}));
  fed raw = feed(*make_framer(framing::raw, 1000), {"a\r\nb\n"});
  EXPECT_EQ(raw.frames, (std::vector<std::string>{"a\r\nb\n"}));
}

}  // namespace
}  // namespace polyport

namespace polyport {
namespace {

std::string suffix_text(const framer& f) {
  auto bytes = f.suffix();
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// send() writes prefix + payload + suffix: every send is one frame the peer splits back out.
TEST(framer_suffix, delimited_framers_end_each_sent_frame_with_their_delimiter) {
  EXPECT_EQ(suffix_text(*make_line_framer(64)), "\n");
  EXPECT_EQ(suffix_text(*make_delimiter_framer("||", 64)), "||");
  EXPECT_EQ(suffix_text(*make_raw_framer()), "");
  EXPECT_EQ(suffix_text(*make_length_framer(2, 64)), "");
  EXPECT_EQ(suffix_text(*make_fixed_framer(8)), "");
}

}  // namespace
}  // namespace polyport
