#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "polyport/framer.hpp"

namespace polyport {

std::size_t framer::write_prefix(std::size_t /*payload_size*/,
                                 std::span<std::byte, max_prefix_size> /*out*/) const {
  return 0;
}

std::size_t framer::max_payload() const { return std::numeric_limits<std::size_t>::max(); }

std::span<const std::byte> framer::suffix() const { return {}; }

namespace {

using outcome = frame_step::outcome;

// max_frame may be SIZE_MAX ("no limit"); search windows must not wrap around to tiny sizes.
std::size_t saturating_add(std::size_t a, std::size_t b) {
  return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

frame_step make_frame(std::span<const std::byte> payload, std::size_t consumed) {
  return frame_step{
      .result = outcome::frame, .consumed = consumed, .payload = payload, .error = {}};
}

frame_step make_invalid(std::string reason) {
  return frame_step{
      .result = outcome::invalid, .consumed = 0, .payload = {}, .error = std::move(reason)};
}

// The delimiter as a C string literal, so an error message shows invisible bytes.
std::string quoted(const std::string& bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
      case '\\':
        out += '\\';
        out += static_cast<char>(c);
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        }
    }
  }
  out += '"';
  return out;
}

void require_max_frame(std::size_t max_frame) {
  if (max_frame == 0) {
    throw std::invalid_argument("max_frame must be at least 1 byte (got 0)");
  }
}

class raw_framer final : public framer {
 public:
  frame_step next(std::span<const std::byte> input) const noexcept override {
    if (input.empty()) {
      return {};
    }
    return make_frame(input, input.size());
  }
};

// FIXME: stateless, so each next() scans the whole buffer again; a line that arrives a byte per
// read costs O(max_frame^2) in memchr over its life. memchr keeps the constant small; a scan
// offset kept by the cumulation buffer would remove the square.
class line_framer final : public framer {
 public:
  explicit line_framer(std::size_t max_frame)
      : max_frame_(max_frame), window_(saturating_add(max_frame, 2)) {}

  frame_step next(std::span<const std::byte> input) const noexcept override {
    if (input.empty()) {
      return {};
    }
    std::size_t searched = std::min(input.size(), window_);
    const void* newline = std::memchr(input.data(), '\n', searched);
    if (newline == nullptr) {
      if (input.size() >= window_) {
        return make_invalid("no end of line in the first " + std::to_string(window_) +
                            " bytes: a line exceeds max_frame " + std::to_string(max_frame_));
      }
      return {};
    }
    std::size_t end =
        static_cast<std::size_t>(static_cast<const std::byte*>(newline) - input.data());
    std::size_t payload_size = end;
    if (end > 0 && input[end - 1] == std::byte{'\r'}) {
      --payload_size;
    }
    if (payload_size > max_frame_) {
      return make_invalid("line of " + std::to_string(payload_size) + " bytes exceeds max_frame " +
                          std::to_string(max_frame_));
    }
    return make_frame(input.first(payload_size), end + 1);
  }

  std::span<const std::byte> suffix() const override {
    static constexpr std::byte newline[] = {std::byte{'\n'}};
    return newline;
  }

 private:
  std::size_t max_frame_;
  std::size_t window_;  // a frame's "\n" lies within this many bytes: payload, "\r", "\n"
};

// FIXME: same rescanning cost as line_framer for a frame that arrives a byte per read.
class delimiter_framer final : public framer {
 public:
  delimiter_framer(std::string delimiter, std::size_t max_frame)
      : delimiter_(std::move(delimiter)),
        quoted_delimiter_(quoted(delimiter_)),
        max_frame_(max_frame),
        window_(saturating_add(max_frame, delimiter_.size())) {}

  frame_step next(std::span<const std::byte> input) const noexcept override {
    std::span<const std::byte> searched = input.first(std::min(input.size(), window_));
    const std::byte* found = find_delimiter(searched);
    if (found == nullptr) {
      if (input.size() >= window_) {
        return make_invalid("no delimiter " + quoted_delimiter_ + " in the first " +
                            std::to_string(window_) + " bytes: a frame exceeds max_frame " +
                            std::to_string(max_frame_));
      }
      return {};
    }
    std::size_t payload_size = static_cast<std::size_t>(found - input.data());
    return make_frame(input.first(payload_size), payload_size + delimiter_.size());
  }

  std::span<const std::byte> suffix() const override { return std::as_bytes(std::span(delimiter_)); }

 private:
  // memchr for the first byte, then compare the rest: fast for the short delimiters protocols use,
  // O(size * delimiter length) at worst.
  const std::byte* find_delimiter(std::span<const std::byte> searched) const noexcept {
    std::size_t length = delimiter_.size();
    if (searched.size() < length) {
      return nullptr;
    }
    const std::byte* candidate = searched.data();
    const std::byte* last_start = searched.data() + (searched.size() - length);
    while (candidate <= last_start) {
      const void* first = std::memchr(candidate, delimiter_.front(),
                                      static_cast<std::size_t>(last_start - candidate) + 1);
      if (first == nullptr) {
        return nullptr;
      }
      candidate = static_cast<const std::byte*>(first);
      if (std::memcmp(candidate + 1, delimiter_.data() + 1, length - 1) == 0) {
        return candidate;
      }
      ++candidate;
    }
    return nullptr;
  }

  std::string delimiter_;
  std::string quoted_delimiter_;  // worded once, for the error message
  std::size_t max_frame_;
  std::size_t window_;  // a frame's delimiter starts within max_frame bytes
};

// One class per width so the width is a constant in next(), not a branch per message.
template <std::size_t width>
class length_framer final : public framer {
 public:
  explicit length_framer(std::size_t max_frame)
      : max_frame_(max_frame), max_payload_(std::min<std::uint64_t>(max_frame, width_limit)) {}

  frame_step next(std::span<const std::byte> input) const noexcept override {
    if (input.size() < width) {
      return {};
    }
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < width; ++i) {
      length = (length << 8) | std::to_integer<std::uint64_t>(input[i]);
    }
    // Refuse before the payload arrives: waiting for it would let a peer make us buffer it.
    if (length > max_frame_) {
      return make_invalid("frame of " + std::to_string(length) + " bytes exceeds max_frame " +
                          std::to_string(max_frame_));
    }
    if (input.size() - width < length) {
      return {};
    }
    return make_frame(input.subspan(width, length), width + length);
  }

  std::size_t write_prefix(std::size_t payload_size,
                           std::span<std::byte, max_prefix_size> out) const override {
    if (payload_size > max_payload_) {
      throw std::length_error("payload of " + std::to_string(payload_size) +
                              " bytes exceeds the framer's max_payload " +
                              std::to_string(max_payload_));
    }
    for (std::size_t i = 0; i < width; ++i) {
      out[width - 1 - i] = static_cast<std::byte>(payload_size >> (8 * i));
    }
    return width;
  }

  std::size_t max_payload() const override { return max_payload_; }

 private:
  static constexpr std::uint64_t width_limit = (std::uint64_t{1} << (8 * width)) - 1;
  static_assert(width <= framer::max_prefix_size);

  std::size_t max_frame_;
  std::size_t max_payload_;
};

class fixed_framer final : public framer {
 public:
  explicit fixed_framer(std::size_t frame_size) : frame_size_(frame_size) {}

  frame_step next(std::span<const std::byte> input) const noexcept override {
    if (input.size() < frame_size_) {
      return {};
    }
    return make_frame(input.first(frame_size_), frame_size_);
  }

 private:
  std::size_t frame_size_;
};

}  // namespace

std::unique_ptr<framer> make_raw_framer() { return std::make_unique<raw_framer>(); }

std::unique_ptr<framer> make_line_framer(std::size_t max_frame) {
  require_max_frame(max_frame);
  return std::make_unique<line_framer>(max_frame);
}

std::unique_ptr<framer> make_delimiter_framer(std::string delimiter, std::size_t max_frame) {
  if (delimiter.empty()) {
    throw std::invalid_argument("delimiter must not be empty");
  }
  require_max_frame(max_frame);
  return std::make_unique<delimiter_framer>(std::move(delimiter), max_frame);
}

std::unique_ptr<framer> make_length_framer(int prefix_bytes, std::size_t max_frame) {
  require_max_frame(max_frame);
  switch (prefix_bytes) {
    case 1:
      return std::make_unique<length_framer<1>>(max_frame);
    case 2:
      return std::make_unique<length_framer<2>>(max_frame);
    case 4:
      return std::make_unique<length_framer<4>>(max_frame);
    default:
      throw std::invalid_argument("length prefix must be 1, 2 or 4 bytes (got " +
                                  std::to_string(prefix_bytes) + ")");
  }
}

std::unique_ptr<framer> make_fixed_framer(std::size_t frame_size) {
  if (frame_size == 0) {
    throw std::invalid_argument("fixed frame size must be at least 1 byte (got 0)");
  }
  return std::make_unique<fixed_framer>(frame_size);
}

std::unique_ptr<framer> make_framer(framing kind, std::size_t max_frame) {
  require_max_frame(max_frame);
  switch (kind) {
    case framing::raw:
      return make_raw_framer();
    case framing::length1:
      return make_length_framer(1, max_frame);
    case framing::length2:
      return make_length_framer(2, max_frame);
    case framing::length4:
      return make_length_framer(4, max_frame);
    case framing::line:
      return make_line_framer(max_frame);
  }
  throw std::invalid_argument("unknown framing " + std::to_string(static_cast<int>(kind)));
}

}  // namespace polyport
