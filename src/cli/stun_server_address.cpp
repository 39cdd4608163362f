#include "cli/stun_server_address.hpp"

#include <charconv>

namespace polyport::cli {

result<stun_server_address> parse_stun_server(const std::string& text) {
  stun_server_address out;
  std::string port_text;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string::npos || (close + 1 < text.size() && text[close + 1] != ':')) {
      return error{"invalid server \"" + text + "\": expected [IPv6]:PORT"};
    }
    out.host = text.substr(1, close - 1);
    port_text = close + 1 < text.size() ? text.substr(close + 2) : "";
  } else if (text.find(':') != text.rfind(':')) {
    out.host = text;  // a bare IPv6 literal
  } else if (auto colon = text.find(':'); colon != std::string::npos) {
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) {
      return error{"invalid server \"" + text + "\": empty port"};
    }
  } else {
    out.host = text;
  }
  if (out.host.empty()) {
    return error{"invalid server \"" + text + "\": empty host"};
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, failed] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (failed != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return error{"invalid server \"" + text + "\": port \"" + port_text + "\" is not 1..65535"};
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

std::vector<endpoint> stun_server_endpoints(const stun_server_address& server) {
  if (server.host == "localhost") {
    return {endpoint{*ip_address::parse("127.0.0.1"), server.port, {}},
            endpoint{*ip_address::parse("::1"), server.port, {}}};
  }
  if (auto literal = ip_address::parse(server.host)) {
    return {endpoint{*literal, server.port, {}}};
  }
  return {};
}

}  // namespace polyport::cli
