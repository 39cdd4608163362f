// Writes URLs back as text: the canonical form parse_url reads back equal.

#include <string>
#include <tuple>

#include "polyport/url.hpp"

namespace polyport {

namespace {

// Characters a parameter value may hold without quotes; anything else gets quoted.
bool is_plain_value_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("-_.!~*'()%/:@+=[]$").find(c) != std::string_view::npos;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string format_params(char lead, const std::vector<url_param>& params) {
  std::string out;
  for (const url_param& param : params) {
    out += lead;
    out += param.key;
    if (param.value) {
      const std::string& value = *param.value;
      bool plain = !value.empty();
      for (char c : value) {
        plain = plain && is_plain_value_char(c);
      }
      out += '=';
      out += plain ? value : quote(value);
    }
    lead = lead == '?' ? '&' : lead;
  }
  return out;
}

std::string format_host(const url& u) {
  std::string host_port = u.kind == host_kind::ipv6 || u.kind == host_kind::any_ipv6 ? "[" + u.host + "]" : u.host;
  if (u.port) {
    host_port += ":" + std::to_string(*u.port);
  }
  return host_port;
}

// A comma is read as a list separator outside <...>.
bool needs_brackets(const url& u) {
  return !u.display_name.empty() || !u.uri_params.empty() ||
         (u.user + u.password + u.path).find(',') != std::string::npos;
}

}  // namespace

bool operator==(const url& a, const url& b) {
  auto parts = [](const url& u) {
    return std::tie(u.display_name, u.scheme, u.user, u.password, u.host, u.kind, u.port, u.path, u.uri_params,
                    u.params, u.headers);
  };
  return parts(a) == parts(b);
}

std::string to_string(const url& u) {
  std::string address = u.scheme + "://";
  if (!u.user.empty() || !u.password.empty()) {
    address += u.user + (u.password.empty() ? "" : ":" + u.password) + "@";
  }
  address += format_host(u) + u.path;
  std::string tail = format_params(';', u.params) + format_params('?', u.headers);
  if (!needs_brackets(u)) {
    return address + tail;
  }
  std::string display = u.display_name.empty() ? "" : quote(u.display_name) + " ";
  return display + "<" + address + format_params(';', u.uri_params) + ">" + tail;
}

std::string format_endpoint(std::string_view ip, std::uint16_t port) {
  std::string host = ip.find(':') != std::string_view::npos ? "[" + std::string(ip) + "]" : std::string(ip);
  return host + ":" + std::to_string(port);
}

}  // namespace polyport
