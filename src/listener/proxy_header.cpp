#include "listener/proxy_header.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace polyport::detail {

namespace {

using outcome = proxy_parse_step::outcome;

proxy_parse_step answer(outcome result, std::string error = {}) {
  proxy_parse_step step;
  step.result = result;
  step.error = std::move(error);
  return step;
}

// How the input compares with a fixed opening: a mismatch, a match so far, or a whole match.
enum class prefix_match { mismatch, partial, whole };

prefix_match match_prefix(std::span<const std::byte> input, std::span<const std::byte> opening) {
  std::size_t n = std::min(input.size(), opening.size());
  if (!std::equal(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(n), opening.begin())) {
    return prefix_match::mismatch;
  }
  return n == opening.size() ? prefix_match::whole : prefix_match::partial;
}

// The reflected Castagnoli table (RFC 4960 appendix B: polynomial 0x1EDC6F41).
constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> crc32c_table = make_crc32c_table();

}  // namespace

std::uint32_t crc32c(std::uint32_t crc, std::span<const std::byte> bytes) {
  crc = ~crc;
  for (std::byte b : bytes) {
    crc = crc32c_table[(crc ^ std::to_integer<std::uint32_t>(b)) & 0xffu] ^ (crc >> 8);
  }
  return ~crc;
}

proxy_parse_step parse_proxy_header(std::span<const std::byte> input, proxy_mode mode) {
  if (input.empty()) {
    return answer(outcome::need_more);
  }
  // Spec 2.2 tells the versions apart by their openings: "PROXY" or the v2 signature. Both are
  // checked byte by byte, so an HTTP "POST" is not_proxy at its second byte.
  switch (match_prefix(input, proxy_v1_opening)) {
    case prefix_match::partial:
      return answer(outcome::need_more);
    case prefix_match::whole:
      if (mode == proxy_mode::v2) {
        return answer(outcome::invalid, "PROXY v1 header where version 2 is expected");
      }
      return parse_proxy_v1(input);
    case prefix_match::mismatch:
      break;
  }
  switch (match_prefix(input, proxy_v2_signature)) {
    case prefix_match::partial:
      return answer(outcome::need_more);
    case prefix_match::whole:
      if (mode == proxy_mode::v1) {
        return answer(outcome::invalid, "PROXY v2 signature where version 1 is expected");
      }
      return parse_proxy_v2(input);
    case prefix_match::mismatch:
      break;
  }
  return answer(outcome::not_proxy);
}

}  // namespace polyport::detail
