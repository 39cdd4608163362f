#pragma once
// STUN servers as the command line names them: HOST[:PORT] with an IP literal or localhost,
// port 3478 by default (`polyport stun`, and the admin verb `stun`).
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"

namespace polyport::cli {

struct stun_server_address {
  std::string host;
  std::uint16_t port = 3478;
};

// "1.2.3.4", "1.2.3.4:3478", "::1", "[::1]", "[::1]:3478", "localhost:3478"; an error names
// what is malformed.
result<stun_server_address> parse_stun_server(const std::string& text);

// Its addresses: the literal, or 127.0.0.1 and ::1 for localhost; empty for any other name
// (host names are not resolved here).
std::vector<endpoint> stun_server_endpoints(const stun_server_address& server);

}  // namespace polyport::cli
