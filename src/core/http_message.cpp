#include <algorithm>

#include "polyport/http.hpp"
#include "polyport/http_client.hpp"

namespace polyport {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

std::string_view first_header(const http_headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) {
      return value;
    }
  }
  return {};
}

}  // namespace

std::string_view http_request::header(std::string_view name) const {
  return first_header(headers, name);
}

void http_response::set_header(std::string_view name, std::string_view value) {
  std::erase_if(headers, [&](const auto& field) { return same_name(field.first, name); });
  headers.emplace_back(std::string(name), std::string(value));
}

void http_response::redirect(std::string_view location, int code) {
  status = code;
  set_header("Location", location);
  set_header("Content-Type", "text/plain");
  body = "moved to " + std::string(location) + "\n";
}

std::string_view http_client_request::header(std::string_view name) const {
  return first_header(headers, name);
}

std::string_view http_client_response::header(std::string_view name) const {
  return first_header(headers, name);
}

}  // namespace polyport
