#include "client/http_request_text.hpp"

#include <array>

namespace polyport::detail {

std::string http_target_of(const url& u) {
  std::string_view text = u.text;
  auto scheme_end = text.find("://");
  if (text.starts_with('<') || scheme_end == std::string_view::npos) {
    return u.path.empty() ? "/" : u.path;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  auto path_start = rest.find_first_of("/;?");
  if (path_start == std::string_view::npos) {
    return "/";
  }
  rest = rest.substr(path_start);
  std::string_view path = rest.substr(0, rest.find_first_of(";?"));
  std::string target(path.empty() ? std::string_view("/") : path);
  if (auto query = rest.find('?'); query != std::string_view::npos) {
    target += rest.substr(query);
  }
  return target;
}

std::string http_host_of(const url& u, std::uint16_t port) {
  std::string host = u.kind == host_kind::ipv6 ? "[" + u.host + "]" : u.host;
  std::uint16_t usual = u.scheme == "https" ? 443 : 80;
  if (port != usual) {
    host += ':' + std::to_string(port);
  }
  return host;
}

std::string serialize_http_request(const http_client_request& request, std::string_view target,
                                   std::string_view host) {
  std::string out;
  out.reserve(128 + request.body.size());
  out += request.method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  if (request.header("host").empty()) {
    out += "Host: ";
    out += host;
    out += "\r\n";
  }
  for (const auto& [name, value] : request.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  bool has_length = !request.header("content-length").empty() || !request.header("transfer-encoding").empty();
  // A body, or a method whose requests carry one, says its length (RFC 9110 §8.6).
  if (!has_length && (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                      request.method == "PATCH")) {
    out += "Content-Length: ";
    out += std::to_string(request.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

bool is_idempotent(std::string_view method) {
  constexpr std::array<std::string_view, 6> safe{"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
  for (auto name : safe) {
    if (method == name) {
      return true;
    }
  }
  return false;
}

}  // namespace polyport::detail
