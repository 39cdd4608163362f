// Fuzzes the stock framers as a connection drives them: reads of fuzzer-chosen sizes go into a
// cumulation buffer that is offered to next() until it needs more.
//
// Input: byte 0 picks the framer (byte % 7) and its parameter (byte / 7: max_frame, delimiter or
// frame size). Then, repeatedly, one byte gives the next read's size and that many bytes follow.
//
// Beyond the frame_step contract, it checks that framing does not depend on how the stream was cut
// into reads: the same bytes offered in one read give the same frames and the same end.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/framer.hpp"
#include "fuzz_require.hpp"

namespace {

using polyport::frame_step;
using outcome = frame_step::outcome;

using polyport::fuzzing::require;

enum class kind { raw, line, delimiter, length1, length2, length4, fixed };

struct setup {
  kind chosen = kind::raw;
  std::unique_ptr<polyport::framer> splitter;
  std::size_t max_frame = 0;
  std::string delimiter;
  std::size_t width = 0;         // length prefix bytes
  std::size_t frame_size = 0;    // fixed
  std::size_t most_pending = 0;  // need_more is only allowed below this many bytes
};

setup make_setup(std::uint8_t selector) {
  static constexpr std::array<std::string_view, 4> delimiters = {"\n", "\r\n", "\r\n\r\n", "aab"};
  setup s;
  s.chosen = static_cast<kind>(selector % 7);
  std::size_t param = selector / 7;  // 0..36
  // Small limits so inputs reach them; the last few parameters keep the default.
  s.max_frame = param < 32 ? 1 + param * 9 : polyport::default_max_frame;
  switch (s.chosen) {
    case kind::raw:
      s.splitter = polyport::make_raw_framer();
      s.most_pending = 1;
      break;
    case kind::line:
      s.splitter = polyport::make_line_framer(s.max_frame);
      s.most_pending = s.max_frame + 2;
      break;
    case kind::delimiter:
      s.delimiter = std::string(delimiters[param % delimiters.size()]);
      s.max_frame = 1 + (param / delimiters.size()) * 9;
      s.splitter = polyport::make_delimiter_framer(s.delimiter, s.max_frame);
      s.most_pending = s.max_frame + s.delimiter.size();
      break;
    case kind::length1:
    case kind::length2:
    case kind::length4:
      s.width = s.chosen == kind::length1 ? 1 : s.chosen == kind::length2 ? 2 : 4;
      s.splitter = polyport::make_length_framer(static_cast<int>(s.width), s.max_frame);
      s.most_pending = s.width + s.max_frame;
      break;
    case kind::fixed:
      s.frame_size = 1 + param;
      s.splitter = polyport::make_fixed_framer(s.frame_size);
      s.most_pending = s.frame_size;
      break;
  }
  return s;
}

// A frame as offsets into the whole stream, so frames from different feeds compare.
struct frame_record {
  std::size_t start = 0;
  std::size_t consumed = 0;
  std::size_t payload_start = 0;
  std::size_t payload_size = 0;
  bool operator==(const frame_record&) const = default;
};

struct run_result {
  std::vector<frame_record> frames;
  std::string error;  // empty unless invalid
  std::size_t pending = 0;
  bool operator==(const run_result&) const = default;
};

// What the framer should answer, worked out from the documented rules by plain searches over the
// whole input (the framers search a bounded window with memchr).
struct expectation {
  outcome result = outcome::need_more;
  std::size_t consumed = 0;
  std::size_t payload_offset = 0;
  std::size_t payload_size = 0;
};

expectation expected_step(const setup& s, std::span<const std::byte> input) {
  std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  std::size_t n = input.size();
  switch (s.chosen) {
    case kind::raw:
      return n == 0 ? expectation{} : expectation{outcome::frame, n, 0, n};
    case kind::line: {
      std::size_t newline = text.find('\n');
      if (newline == std::string_view::npos) {
        return n >= s.max_frame + 2 ? expectation{outcome::invalid} : expectation{};
      }
      std::size_t length = newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline;
      return length > s.max_frame ? expectation{outcome::invalid}
                                  : expectation{outcome::frame, newline + 1, 0, length};
    }
    case kind::delimiter: {
      std::size_t found = text.find(s.delimiter);
      if (found != std::string_view::npos && found <= s.max_frame) {
        return {outcome::frame, found + s.delimiter.size(), 0, found};
      }
      return n >= s.max_frame + s.delimiter.size() ? expectation{outcome::invalid} : expectation{};
    }
    case kind::length1:
    case kind::length2:
    case kind::length4: {
      if (n < s.width) {
        return {};
      }
      std::uint64_t declared = 0;
      for (std::size_t i = 0; i < s.width; ++i) {
        declared = (declared << 8) | std::to_integer<std::uint64_t>(input[i]);
      }
      if (declared > s.max_frame) {
        return {outcome::invalid};
      }
      if (n - s.width < declared) {
        return {};
      }
      return {outcome::frame, s.width + static_cast<std::size_t>(declared), s.width,
              static_cast<std::size_t>(declared)};
    }
    case kind::fixed:
      return n < s.frame_size ? expectation{}
                              : expectation{outcome::frame, s.frame_size, 0, s.frame_size};
  }
  __builtin_trap();
}

// Checks one step against the frame_step contract and the expected answer.
void check_step(const setup& s, std::span<const std::byte> input, const frame_step& step) {
  expectation expected = expected_step(s, input);
  require(step.result == expected.result && step.consumed == expected.consumed);
  switch (step.result) {
    case outcome::need_more:
      require(step.error.empty() && input.size() < s.most_pending);
      return;
    case outcome::invalid: {
      require(!step.error.empty());
      frame_step again = s.splitter->next(input);
      require(again.result == outcome::invalid && again.error == step.error);
      return;
    }
    case outcome::frame:
      break;
  }
  require(step.error.empty());
  require(step.consumed > 0 && step.consumed <= input.size());
  require(step.payload.data() >= input.data());
  require(step.payload.data() + step.payload.size() <= input.data() + step.consumed);
  require(static_cast<std::size_t>(step.payload.data() - input.data()) == expected.payload_offset);
  require(step.payload.size() == expected.payload_size);
}

// Offers input (which starts at stream offset `at`) until the framer needs more or gives up;
// returns how many bytes were consumed.
std::size_t drain(const setup& s, std::span<const std::byte> input, std::size_t at,
                  run_result& out) {
  std::size_t taken = 0;
  for (;;) {
    std::span<const std::byte> rest = input.subspan(taken);
    frame_step step = s.splitter->next(rest);
    check_step(s, rest, step);
    if (step.result == outcome::invalid) {
      out.error = step.error;
      return taken;
    }
    if (step.result == outcome::need_more) {
      return taken;
    }
    std::size_t start = at + taken;
    out.frames.push_back({start, step.consumed,
                          start + static_cast<std::size_t>(step.payload.data() - rest.data()),
                          step.payload.size()});
    taken += step.consumed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  setup s = make_setup(data[0]);

  // The reads, and the stream they make.
  std::vector<std::span<const std::byte>> reads;
  std::vector<std::byte> stream;
  auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size)).subspan(1);
  while (!bytes.empty()) {
    std::size_t length =
        std::min<std::size_t>(std::to_integer<std::size_t>(bytes[0]), bytes.size() - 1);
    reads.push_back(bytes.subspan(1, length));
    stream.insert(stream.end(), reads.back().begin(), reads.back().end());
    bytes = bytes.subspan(1 + length);
  }

  // Read by read, through a cumulation buffer as a connection keeps it.
  run_result chunked;
  std::vector<std::byte> buffer;
  std::size_t buffer_at = 0;  // stream offset of buffer[0]
  for (std::span<const std::byte> chunk : reads) {
    buffer.insert(buffer.end(), chunk.begin(), chunk.end());
    std::size_t taken = drain(s, buffer, buffer_at, chunked);
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(taken));
    buffer_at += taken;
    if (!chunked.error.empty()) {
      break;
    }
  }
  chunked.pending = chunked.error.empty() ? buffer.size() : 0;

  // Raw frames are the reads themselves, so only the other framers must agree with one read.
  if (s.chosen == kind::raw) {
    std::size_t non_empty = 0;
    for (std::span<const std::byte> chunk : reads) {
      non_empty += chunk.empty() ? 0 : 1;
    }
    require(chunked.frames.size() == non_empty && chunked.pending == 0);
    return 0;
  }
  run_result whole;
  std::size_t taken = drain(s, stream, 0, whole);
  whole.pending = whole.error.empty() ? stream.size() - taken : 0;
  require(whole == chunked);
  return 0;
}
