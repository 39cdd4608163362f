#pragma once
// Addresses of the two ends of a connection or a listener.
// Thread safety: plain value types.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polyport {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct ip_address {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  std::string to_string() const;
  // Parses a literal ("10.0.0.1", "::1"; no brackets); nullopt when it is not one.
  static std::optional<ip_address> parse(std::string_view text);
  friend bool operator==(const ip_address&, const ip_address&) = default;
};

// An IP address and port, or the path of a Unix-domain socket.
struct endpoint {
  ip_address address;
  std::uint16_t port = 0;
  std::string path;  // Unix-domain sockets only; empty otherwise

  // "1.2.3.4:5", "[::1]:5", or the socket path.
  std::string to_string() const;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

}  // namespace polyport
