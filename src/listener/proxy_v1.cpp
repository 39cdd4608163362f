// The human-readable header, version 1 (proxy-protocol.txt section 2.1):
//   "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
//   "PROXY UNKNOWN\r\n" (anything may follow UNKNOWN before the CRLF)

#include <arpa/inet.h>

#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "listener/proxy_header.hpp"

namespace polyport::detail {

namespace {

using outcome = proxy_parse_step::outcome;

proxy_parse_step invalid(std::string reason) {
  proxy_parse_step step;
  step.result = outcome::invalid;
  step.error = "PROXY v1: " + std::move(reason);
  return step;
}

// A field as a C string literal: a hostile line may hold any byte, and the log must show it.
std::string quoted(std::string_view field) {
  std::string out = "\"";
  for (unsigned char c : field) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + '"';
}

// "Exactly 4 integers in the range [0..255]" or the IPv6 text form, per the family; inet_pton
// is as strict as the spec (no heading zeroes in IPv4, exactly 128 bits in IPv6).
std::optional<ip_address> parse_address(std::string_view text, bool is_v6) {
  std::string terminated(text);
  ip_address out;
  out.is_v6 = is_v6;
  if (inet_pton(is_v6 ? AF_INET6 : AF_INET, terminated.c_str(), out.bytes.data()) != 1) {
    return std::nullopt;
  }
  return out;
}

// [0..65535] in decimal; "heading zeroes are not permitted" (so "0" alone is the only zero).
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// The fields after "PROXY ", each separated from the next by exactly one space.
std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  for (;;) {
    std::size_t space = text.find(' ');
    fields.push_back(text.substr(0, space));
    if (space == std::string_view::npos) {
      return fields;
    }
    text.remove_prefix(space + 1);
  }
}

// The line without its CRLF; `size` counts the CRLF.
proxy_parse_step parse_line(std::string_view line, std::size_t size) {
  std::string_view rest = line.substr(proxy_v1_opening.size());
  proxy_parse_step step;
  step.result = outcome::done;
  step.consumed = size;
  step.header.version = 1;

  std::string_view protocol = rest.substr(0, rest.find(' '));
  if (protocol == "UNKNOWN") {
    // "The receiver must ignore anything presented before the CRLF" and use the real addresses.
    step.header.local = true;
    return step;
  }
  if (protocol != "TCP4" && protocol != "TCP6") {
    return invalid("unknown protocol " + quoted(protocol) + " (TCP4, TCP6 or UNKNOWN)");
  }
  bool is_v6 = protocol == "TCP6";
  std::vector<std::string_view> fields = split_fields(rest);
  if (fields.size() != 5) {
    return invalid(std::string(protocol) + " needs 4 fields after it, got " + std::to_string(fields.size() - 1) +
                   " in " + quoted(line));
  }
  for (std::string_view field : fields) {
    if (field.empty()) {
      return invalid("fields must be separated by exactly one space: " + quoted(line));
    }
  }
  std::optional<ip_address> source = parse_address(fields[1], is_v6);
  if (!source) {
    return invalid("bad source address " + quoted(fields[1]) + " for " + std::string(protocol));
  }
  std::optional<ip_address> destination = parse_address(fields[2], is_v6);
  if (!destination) {
    return invalid("bad destination address " + quoted(fields[2]) + " for " + std::string(protocol));
  }
  std::optional<std::uint16_t> source_port = parse_port(fields[3]);
  if (!source_port) {
    return invalid("bad source port " + quoted(fields[3]));
  }
  std::optional<std::uint16_t> destination_port = parse_port(fields[4]);
  if (!destination_port) {
    return invalid("bad destination port " + quoted(fields[4]));
  }
  step.header.family = is_v6 ? proxy_family::inet6 : proxy_family::inet;
  step.header.transport = proxy_transport::stream;
  step.header.source = endpoint{.address = *source, .port = *source_port, .path = {}};
  step.header.destination = endpoint{.address = *destination, .port = *destination_port, .path = {}};
  return step;
}

}  // namespace

proxy_parse_step parse_proxy_v1(std::span<const std::byte> input) {
  // "The receiver must wait for the CRLF sequence before starting to decode", which must come
  // within 107 bytes, and "must not tolerate a single CR or LF character to end the line".
  // Only the first CR or LF decides, so the answer does not depend on how the bytes arrived.
  constexpr std::size_t last_cr = proxy_v1_max_size - 2;
  for (std::size_t i = 0; i < input.size() && i <= last_cr; ++i) {
    if (input[i] == std::byte{'\n'}) {
      return invalid("line ends with a bare LF at byte " + std::to_string(i) + " (CRLF expected)");
    }
    if (input[i] != std::byte{'\r'}) {
      continue;
    }
    if (i + 1 == input.size()) {
      return {};
    }
    if (input[i + 1] != std::byte{'\n'}) {
      return invalid("CR not followed by LF at byte " + std::to_string(i));
    }
    std::string_view line(reinterpret_cast<const char*>(input.data()), i);
    return parse_line(line, i + 2);
  }
  if (input.size() > last_cr) {
    return invalid("no CRLF in the first " + std::to_string(proxy_v1_max_size) + " bytes");
  }
  return {};
}

}  // namespace polyport::detail
