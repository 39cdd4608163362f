#pragma once
// The host[:port] part of a URL. Private to src/url/. Thread safety: pure functions.
// Errors carry only the detail ("port out of range"); the caller names the URL.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "polyport/result.hpp"
#include "polyport/url.hpp"

namespace polyport::detail {

struct host_port {
  std::string host;
  host_kind kind = host_kind::none;
  std::optional<std::uint16_t> port;
};

// "0".."65535".
result<std::uint16_t> parse_port(std::string_view text);

// "", "name", "1.2.3.4:5", "[::1]:5", "all6": an empty text gives kind none.
result<host_port> parse_host_port(std::string_view text);

}  // namespace polyport::detail
