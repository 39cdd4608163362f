// The PROXY protocol v2 header (haproxy.org proxy-protocol.txt 2.2) a load balancer would send
// in front of a connection, so a benchmark can exercise a listener with proxy_protocol=v2. The
// harness builds without polyport, hence its own few lines rather than the library's encoder.
// Thread-safety: pure function.
#pragma once

#include <string>

namespace bench {

// PROXY TCP4 (or TCP6) naming the connected socket `fd`'s own local and remote addresses.
std::string proxy_v2_header_for(int fd);

}  // namespace bench
