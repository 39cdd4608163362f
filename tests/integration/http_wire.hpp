#pragma once
// HTTP/1.1 on the wire for tests that play a client byte by byte over a raw_peer.
// Thread safety: free functions on caller-owned peers.

#include <string>

#include "raw_peer.hpp"

namespace polyport::testing {

// One response: its head and a Content-Length body (none without that header), or what came
// before EOF or the deadline.
std::string read_http_response(raw_peer& peer);

}  // namespace polyport::testing
