#include "polyport/transport.hpp"

#include <array>
#include <utility>

#include "url/url_text.hpp"

namespace polyport {

namespace {

constexpr std::array<std::pair<transport, std::string_view>, 10> transport_names{{
    {transport::udp, "udp"},
    {transport::tcp, "tcp"},
    {transport::tls, "tls"},
    {transport::dtls, "dtls"},
    {transport::sctp, "sctp"},
    {transport::ws, "ws"},
    {transport::wss, "wss"},
    {transport::http, "http"},
    {transport::https, "https"},
    {transport::unix_stream, "unix"},
}};

}  // namespace

std::string_view to_string(transport t) {
  for (const auto& [value, name] : transport_names) {
    if (value == t) {
      return name;
    }
  }
  return "unknown";
}

std::optional<transport> transport_from_string(std::string_view name) {
  for (const auto& [value, known] : transport_names) {
    if (detail::equals_ignoring_case(name, known)) {
      return value;
    }
  }
  return std::nullopt;
}

bool is_stream(transport t) {
  return t != transport::udp && t != transport::dtls;
}

}  // namespace polyport
