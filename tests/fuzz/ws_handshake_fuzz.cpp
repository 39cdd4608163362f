// Fuzzes the WebSocket upgrade: the server reading a request head and the client reading a 101
// response, both offered growing prefixes of the input as a connection would (the same bytes
// again, plus more), and the permessage-deflate offer and answer parsers on the raw input.
//
// Checks beyond "no crash": a result other than need_more never consumes more than it was
// given, and once a prefix gives a result, the whole input gives the same kind.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <span>
#include <string_view>

#include "transport/ws_deflate.hpp"
#include "transport/ws_handshake.hpp"
#include "fuzz_require.hpp"

namespace {

using namespace polyport::detail;

using polyport::fuzzing::require;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  ws_accept_rules rules{.host = "*.example.com", .path = "/chat", .ws_proto = "proto1", .max_header = 2048};
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, size}) {
    if (step == 0) {
      continue;
    }
    for (std::size_t end = step; end < size + step; end += step) {
      auto prefix = bytes.first(std::min(end, size));
      ws_request_read request = read_ws_request(prefix, rules);
      require(request.consumed <= prefix.size());
      require((request.result == ws_request_read::outcome::need_more) == request.response.empty());
      ws_response_read response = read_ws_response(prefix, "dGhlIHNhbXBsZSBub25jZQ==", {.ws_proto = "proto1", .deflate = true}, 2048);
      require(response.consumed <= prefix.size());
      if (request.result != ws_request_read::outcome::need_more &&
          response.result != ws_response_read::outcome::need_more) {
        break;
      }
    }
  }
  check_ws_deflate_answer(std::string_view(reinterpret_cast<const char*>(data), size));
  accept_ws_deflate(std::string_view(reinterpret_cast<const char*>(data), size));
  host_matches("*.example.com", std::string_view(reinterpret_cast<const char*>(data), size));
  path_matches("/chat", std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
