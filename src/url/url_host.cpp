#include "url/url_host.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "url/url_text.hpp"

namespace polyport::detail {

namespace {

// inet_ntop's text for an IPv4 or IPv6 literal, or "" when `text` is not one.
std::string canonical_ip(int family, std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  std::string copy(text);  // inet_pton needs a terminated string
  if (inet_pton(family, copy.c_str(), bytes.data()) != 1 ||
      inet_ntop(family, bytes.data(), out.data(), out.size()) == nullptr) {
    return "";
  }
  return out.data();
}

// RFC 1123 names, plus "_" for SRV-style labels (_sip._tcp) and one trailing dot (an FQDN).
bool is_host_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label_length = 0;
  for (char c : name) {
    if (c == '.') {
      if (label_length == 0) {
        return false;
      }
      label_length = 0;
      continue;
    }
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!allowed || ++label_length > 63) {
      return false;
    }
  }
  return label_length > 0;
}

result<host_port> parse_ipv6_host(std::string_view text) {
  std::size_t close = text.find(']');
  if (close == std::string_view::npos) {
    return error{"unterminated IPv6 address"};
  }
  std::string_view literal = text.substr(1, close - 1);
  std::string ip = canonical_ip(AF_INET6, literal);
  if (ip.empty()) {
    return error{"invalid IPv6 address \"" + std::string(literal) + "\""};
  }
  host_port out{ip, ip == "::" ? host_kind::any_ipv6 : host_kind::ipv6, std::nullopt};
  std::string_view after = text.substr(close + 1);
  if (after.empty()) {
    return out;
  }
  if (after.front() != ':') {
    return error{"unexpected text after the IPv6 address"};
  }
  auto port = parse_port(after.substr(1));
  if (!port) {
    return port.error();
  }
  out.port = *port;
  return out;
}

// A host without brackets or port: `all`, `all6`, an IPv4 literal or a DNS name.
result<host_port> classify_host(std::string_view text) {
  std::string lower = to_lower(text);
  if (lower == "all") {
    return host_port{"0.0.0.0", host_kind::any_ipv4, std::nullopt};
  }
  if (lower == "all6") {
    return host_port{"::", host_kind::any_ipv6, std::nullopt};
  }
  // All digits and dots is meant as an IPv4 literal: never send "1.2.3" to DNS.
  if (std::all_of(lower.begin(), lower.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); })) {
    std::string ip = canonical_ip(AF_INET, lower);
    if (ip.empty()) {
      return error{"invalid IPv4 address \"" + std::string(text) + "\""};
    }
    return host_port{ip, ip == "0.0.0.0" ? host_kind::any_ipv4 : host_kind::ipv4, std::nullopt};
  }
  if (!is_host_name(lower)) {
    return error{"invalid host \"" + std::string(text) + "\""};
  }
  return host_port{lower, host_kind::name, std::nullopt};
}

}  // namespace

result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) {
    return error{"missing port after \":\""};
  }
  std::uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return error{"invalid port \"" + std::string(text) + "\""};
    }
    // Stop accumulating once out of range, so a long run of digits cannot overflow.
    if (port <= 65535) {
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
  }
  if (port > 65535) {
    return error{"port out of range"};
  }
  return static_cast<std::uint16_t>(port);
}

result<host_port> parse_host_port(std::string_view text) {
  if (text.empty()) {
    return host_port{"", host_kind::none, std::nullopt};
  }
  if (text.front() == '[') {
    return parse_ipv6_host(text);
  }
  std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
    return error{"an IPv6 address needs brackets: [" + std::string(text) + "]"};
  }
  std::string_view host = text.substr(0, colon);
  if (host.empty()) {
    return error{"missing host"};
  }
  auto out = classify_host(host);
  if (!out || colon == std::string_view::npos) {
    return out;
  }
  auto port = parse_port(text.substr(colon + 1));
  if (!port) {
    return port.error();
  }
  out->port = *port;
  return out;
}

}  // namespace polyport::detail
