#pragma once
// IP networks in CIDR notation (RFC 4632 §3.1; RFC 4291 §2.3 for IPv6), for the allow/deny
// access rules. Thread safety: plain value types and pure functions.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "polyport/result.hpp"

namespace polyport {

enum class ip_family { v4, v6 };

struct cidr {
  ip_family family = ip_family::v4;
  std::array<std::uint8_t, 16> bytes{};  // network address; IPv4 uses the first 4, the rest are 0
  unsigned prefix_length = 0;            // 0..32 (v4) or 0..128 (v6)

  friend bool operator==(const cidr&, const cidr&) = default;
};

// "10.0.0.0/8", "::1/128", or a plain IP (a network of that one address). Bits set beyond the
// prefix ("10.0.0.1/8") are an error: such a rule is nearly always a typo.
result<cidr> parse_cidr(std::string_view text);

// "10.0.0.0/8", "::1/128" (inet_ntop's IPv6 text): parse_cidr reads it back equal.
std::string to_string(const cidr& network);

// Whether `address` (4 bytes for IPv4, 16 for IPv6, in network order) is in `network`. An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports) is also matched
// as the IPv4 address a.b.c.d, and the other way round. Any other size matches nothing.
bool contains(const cidr& network, std::span<const std::uint8_t> address);

}  // namespace polyport
