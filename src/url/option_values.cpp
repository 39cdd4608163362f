#include "url/option_values.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "url/url_text.hpp"

namespace polyport::detail {

namespace {

// Finds `text` (any case) among `names`: a name table serves both directions of each enum.
template <class T, std::size_t n>
std::optional<T> find_name(const std::array<std::pair<T, std::string_view>, n>& names, std::string_view text) {
  for (const auto& [value, name] : names) {
    if (equals_ignoring_case(text, name)) {
      return value;
    }
  }
  return std::nullopt;
}

constexpr std::array<std::pair<framing, std::string_view>, 5> framing_names{{
    {framing::raw, "raw"},
    {framing::length1, "1"},
    {framing::length2, "2"},
    {framing::length4, "4"},
    {framing::line, "line"},
}};

constexpr std::array<std::pair<proxy_protocol_mode, std::string_view>, 5> proxy_protocol_names{{
    {proxy_protocol_mode::off, "off"},
    {proxy_protocol_mode::v1, "v1"},
    {proxy_protocol_mode::v2, "v2"},
    {proxy_protocol_mode::any, "any"},
    {proxy_protocol_mode::optional, "optional"},
}};

constexpr std::array<std::pair<overload_policy, std::string_view>, 2> overload_policy_names{{
    {overload_policy::reset, "reset"},
    {overload_policy::pause, "pause"},
}};

constexpr std::array<std::pair<acceptor_mode, std::string_view>, 2> acceptor_mode_names{{
    {acceptor_mode::reuseport, "reuseport"},
    {acceptor_mode::balanced, "balanced"},
}};

template <class Names, class Value>
std::string_view name_of(const Names& names, Value value) {
  for (const auto& [known, name] : names) {
    if (known == value) {
      return name;
    }
  }
  return "unknown";
}

bool is_token_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7f && std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

}  // namespace

result<std::uint64_t> parse_whole_number(std::string_view text, std::uint64_t min, std::uint64_t max,
                                         std::string_view unit) {
  std::string of_unit = unit.empty() ? "" : " of " + std::string(unit);
  std::string in_unit = unit.empty() ? "" : " " + std::string(unit);
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return error{"expected a whole number" + of_unit};
  }
  constexpr std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t number = 0;
  bool overflow = false;
  for (char c : text) {
    auto digit = static_cast<std::uint64_t>(c - '0');
    overflow = overflow || number > (limit - digit) / 10;
    number = overflow ? limit : number * 10 + digit;
  }
  if (overflow || number < min || number > max) {
    return error{"must be from " + std::to_string(min) + " to " + std::to_string(max) + in_unit};
  }
  return number;
}

result<bool> parse_boolean(std::string_view text) {
  for (std::string_view yes : {"true", "1", "yes"}) {
    if (equals_ignoring_case(text, yes)) {
      return true;
    }
  }
  for (std::string_view no : {"false", "0", "no"}) {
    if (equals_ignoring_case(text, no)) {
      return false;
    }
  }
  return error{"expected true, false, 1, 0, yes or no"};
}

result<polyport::transport> parse_transport(std::string_view text) {
  auto found = transport_from_string(text);
  if (!found) {
    return error{"expected one of udp, tcp, tls, dtls, sctp, ws, wss, http, https, unix"};
  }
  return *found;
}

result<framing> parse_framing(std::string_view text) {
  auto found = find_name(framing_names, text);
  if (!found) {
    return error{"expected raw, 1, 2, 4 or line"};
  }
  return *found;
}

result<proxy_protocol_mode> parse_proxy_protocol(std::string_view text) {
  auto found = find_name(proxy_protocol_names, text);
  if (!found) {
    return error{"expected off, v1, v2, any or optional"};
  }
  return *found;
}

result<overload_policy> parse_overload_policy(std::string_view text) {
  auto found = find_name(overload_policy_names, text);
  if (!found) {
    return error{"expected reset or pause"};
  }
  return *found;
}

result<acceptor_mode> parse_acceptor_mode(std::string_view text) {
  auto found = find_name(acceptor_mode_names, text);
  if (!found) {
    return error{"expected reuseport or balanced"};
  }
  return *found;
}

result<std::vector<std::string>> parse_tls_versions(std::string_view text) {
  bool tls12 = false;
  bool tls13 = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find_first_of("+,", start), text.size());
    std::string version = to_lower(trim(text.substr(start, end - start)));
    if (version == "tlsv1.2") {
      tls12 = true;
    } else if (version == "tlsv1.3") {
      tls13 = true;
    } else {
      return error{"expected tlsv1.2, tlsv1.3, or both joined by \"+\""};
    }
    start = end + 1;
  }
  std::vector<std::string> versions;
  if (tls12) {
    versions.emplace_back("tlsv1.2");
  }
  if (tls13) {
    versions.emplace_back("tlsv1.3");
  }
  return versions;
}

result<std::vector<access_rule>> parse_access_rules(std::string_view text, bool allow) {
  if (equals_ignoring_case(trim(text), "all")) {
    return std::vector<access_rule>{access_rule{allow, std::nullopt}};
  }
  std::vector<access_rule> rules;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(',', start), text.size());
    auto network = parse_cidr(trim(text.substr(start, end - start)));
    if (!network) {
      return network.error();
    }
    rules.push_back(access_rule{allow, *network});
    start = end + 1;
  }
  return rules;
}

result<connection_rate> parse_connection_rate(std::string_view text) {
  constexpr std::string_view expected = "expected COUNT/SECONDS, e.g. 100/1";
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return error{std::string(expected)};
  }
  auto count = parse_whole_number(text.substr(0, slash), 1, std::numeric_limits<std::uint32_t>::max(), "connections");
  auto seconds = parse_whole_number(text.substr(slash + 1), 1, 86400, "seconds");
  if (!count || !seconds) {
    return error{std::string(expected) + " (" + (count ? seconds : count).error().message + ")"};
  }
  return connection_rate{static_cast<std::uint32_t>(*count), std::chrono::milliseconds(*seconds * 1000)};
}

result<std::string> parse_ws_proto(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_token_char)) {
    return error{"expected a WebSocket subprotocol name (a token)"};
  }
  return to_lower(text);
}

}  // namespace polyport::detail

namespace polyport {

std::string_view to_string(framing f) { return detail::name_of(detail::framing_names, f); }

std::string_view to_string(overload_policy policy) { return detail::name_of(detail::overload_policy_names, policy); }

std::string_view to_string(acceptor_mode mode) { return detail::name_of(detail::acceptor_mode_names, mode); }

std::string_view to_string(proxy_protocol_mode mode) { return detail::name_of(detail::proxy_protocol_names, mode); }

}  // namespace polyport
