// Fuzzes the PROXY protocol parser as a listener drives it: the first bytes of a connection,
// arriving in two reads, offered to parse_proxy_header after each.
//
// Input: bytes 0-1 choose where the second read starts (big-endian, modulo the size + 1); the
// rest is what the peer sends. Each mode (v1, v2, any) parses it.
//
// Beyond the proxy_parse_step contract, it checks that
// - the answer does not depend on how the bytes were cut: a decided first read gives the
//   one-shot answer, and a header is decided only when its last byte is there;
// - the modes agree: a mode differs from `any` only by refusing the other version's header;
// - whatever parsed encodes in its version, and the encoding parses back to the same header
//   and encodes to the same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "listener/proxy_header.hpp"
#include "fuzz_require.hpp"

namespace {

using polyport::detail::proxy_mode;
using polyport::detail::proxy_parse_step;
using outcome = proxy_parse_step::outcome;

using polyport::fuzzing::require;

bool same(const proxy_parse_step& a, const proxy_parse_step& b) {
  return a.result == b.result && a.consumed == b.consumed && a.header == b.header && a.error == b.error;
}

bool opens_with(std::span<const std::byte> input, std::span<const std::byte> opening) {
  return input.size() >= opening.size() && std::equal(opening.begin(), opening.end(), input.begin());
}

void check_contract(std::span<const std::byte> input, const proxy_parse_step& step) {
  switch (step.result) {
    case outcome::need_more:
    case outcome::not_proxy:
      require(step.consumed == 0 && step.error.empty() && step.header == polyport::proxy_header{});
      require(step.result == outcome::not_proxy || input.size() < polyport::detail::proxy_v2_max_size);
      return;
    case outcome::invalid: {
      std::string_view error = step.error;
      require(step.consumed == 0 && (error.starts_with("PROXY v1") || error.starts_with("PROXY v2")));
      return;
    }
    case outcome::done:
      require(step.error.empty() && step.consumed > 0 && step.consumed <= input.size());
      if (step.header.version == 1) {
        require(step.consumed <= polyport::detail::proxy_v1_max_size);
      } else {
        require(step.header.version == 2 && step.consumed >= 16 &&
                step.consumed <= polyport::detail::proxy_v2_max_size);
      }
      return;
  }
  __builtin_trap();
}

void check_split(std::span<const std::byte> input, std::size_t split, proxy_mode mode, const proxy_parse_step& whole) {
  proxy_parse_step first = polyport::detail::parse_proxy_header(input.first(split), mode);
  check_contract(input.first(split), first);
  require(first.result == outcome::need_more || same(first, whole));
  if (whole.result == outcome::done) {
    // Decided by its own bytes, and not one byte earlier.
    require(same(polyport::detail::parse_proxy_header(input.first(whole.consumed), mode), whole));
    require(polyport::detail::parse_proxy_header(input.first(whole.consumed - 1), mode).result == outcome::need_more);
  }
}

void check_round_trip(const polyport::proxy_header& header) {
  auto encoded =
      header.version == 1 ? polyport::detail::encode_proxy_v1(header) : polyport::detail::encode_proxy_v2(header);
  require(encoded.ok());
  proxy_mode mode = header.version == 1 ? proxy_mode::v1 : proxy_mode::v2;
  proxy_parse_step again = polyport::detail::parse_proxy_header(*encoded, mode);
  require(again.result == outcome::done && again.consumed == encoded->size() && again.header == header);
  auto twice = header.version == 1 ? polyport::detail::encode_proxy_v1(again.header)
                                   : polyport::detail::encode_proxy_v2(again.header);
  require(twice.ok() && *twice == *encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  std::span<const std::byte> input = std::as_bytes(std::span(data, size)).subspan(2);
  std::size_t split = (static_cast<std::size_t>(data[0]) << 8 | data[1]) % (input.size() + 1);

  proxy_parse_step any = polyport::detail::parse_proxy_header(input, proxy_mode::any);
  check_contract(input, any);
  check_split(input, split, proxy_mode::any, any);
  for (proxy_mode mode : {proxy_mode::v1, proxy_mode::v2}) {
    proxy_parse_step step = polyport::detail::parse_proxy_header(input, mode);
    check_contract(input, step);
    check_split(input, split, mode, step);
    std::span<const std::byte> other = mode == proxy_mode::v1
                                           ? std::span<const std::byte>(polyport::detail::proxy_v2_signature)
                                           : std::span<const std::byte>(polyport::detail::proxy_v1_opening);
    if (opens_with(input, other)) {
      require(step.result == outcome::invalid);
    } else {
      require(same(step, any));
    }
  }
  if (any.result == outcome::done) {
    check_round_trip(any.header);
  }
  return 0;
}
