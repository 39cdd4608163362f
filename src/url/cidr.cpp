#include "polyport/cidr.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace polyport {

namespace {

error cidr_error(std::string_view text, std::string_view what) {
  return error{"invalid CIDR \"" + std::string(text.substr(0, 100)) + "\": " + std::string(what)};
}

// Whether the first `bits` bits of `a` and `b` are equal.
bool same_prefix(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, unsigned bits) {
  std::size_t whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) {
    return false;
  }
  unsigned rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

constexpr std::array<std::uint8_t, 12> v4_mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

result<cidr> parse_cidr(std::string_view text) {
  std::size_t slash = text.find('/');
  std::string ip(text.substr(0, slash));
  cidr network;
  if (inet_pton(AF_INET, ip.c_str(), network.bytes.data()) == 1) {
    network.family = ip_family::v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), network.bytes.data()) == 1) {
    network.family = ip_family::v6;
  } else {
    return cidr_error(text, "expected an IPv4 or IPv6 address");
  }
  unsigned full_length = network.family == ip_family::v4 ? 32 : 128;
  network.prefix_length = full_length;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return cidr_error(text, "expected a prefix length after \"/\"");
    }
    network.prefix_length = static_cast<unsigned>(std::stoul(std::string(digits)));
    if (network.prefix_length > full_length) {
      return cidr_error(text, "prefix length over " + std::to_string(full_length));
    }
  }
  std::span<const std::uint8_t> address(network.bytes.data(), full_length / 8);
  for (unsigned bit = network.prefix_length; bit < full_length; ++bit) {
    if ((address[bit / 8] >> (7 - bit % 8)) & 1) {
      return cidr_error(text, "address has bits set beyond the /" + std::to_string(network.prefix_length) + " prefix");
    }
  }
  return network;
}

std::string to_string(const cidr& network) {
  char text[INET6_ADDRSTRLEN] = {};
  int family = network.family == ip_family::v4 ? AF_INET : AF_INET6;
  inet_ntop(family, network.bytes.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(network.prefix_length);
}

bool contains(const cidr& network, std::span<const std::uint8_t> address) {
  // Both forms of the address: `v4` for IPv4 rules, `v6` (mapped when IPv4) for IPv6 rules.
  std::array<std::uint8_t, 16> v6{};
  std::span<const std::uint8_t> v4;
  if (address.size() == 4) {
    std::copy(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), v6.begin());
    std::copy(address.begin(), address.end(), v6.begin() + 12);
    v4 = address;
  } else if (address.size() == 16) {
    std::copy(address.begin(), address.end(), v6.begin());
    if (std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), address.begin())) {
      v4 = address.subspan(12);
    }
  } else {
    return false;
  }
  if (network.family == ip_family::v4) {
    return !v4.empty() && same_prefix(network.bytes, v4, network.prefix_length);
  }
  return same_prefix(network.bytes, v6, network.prefix_length);
}

}  // namespace polyport
