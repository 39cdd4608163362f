#pragma once
// Parsers for option values ("5000", "yes", "tlsv1.2+tlsv1.3", "10.0.0.0/8,::1").
// Private to src/url/. Errors carry only the detail ("expected a whole number of
// milliseconds"); the caller names the option and the URL. Thread safety: pure functions.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

// A whole number in [min, max]; `unit` ("milliseconds") goes into the messages.
result<std::uint64_t> parse_whole_number(std::string_view text, std::uint64_t min, std::uint64_t max,
                                         std::string_view unit = "");

// true/false/1/0/yes/no, any case.
result<bool> parse_boolean(std::string_view text);

result<polyport::transport> parse_transport(std::string_view text);
result<framing> parse_framing(std::string_view text);
result<proxy_protocol_mode> parse_proxy_protocol(std::string_view text);
result<overload_policy> parse_overload_policy(std::string_view text);
result<acceptor_mode> parse_acceptor_mode(std::string_view text);

// "tlsv1.2", "tlsv1.3", or both joined by "+" or ","; returned in that order, once each.
result<std::vector<std::string>> parse_tls_versions(std::string_view text);

// "all", or CIDRs joined by ",": one rule each, in order.
result<std::vector<access_rule>> parse_access_rules(std::string_view text, bool allow);

// "COUNT/SECONDS", e.g. "100/1".
result<connection_rate> parse_connection_rate(std::string_view text);

// An RFC 6455 subprotocol name (an RFC 7230 token), lower-cased as NkPACKET does.
result<std::string> parse_ws_proto(std::string_view text);

}  // namespace polyport::detail
