#pragma once
// The client side of the PROXY protocol (`proxy_send`): the header an outbound connection writes
// before its first byte and before any TLS handshake, so that a polyport listener (or HAProxy's
// `accept-proxy`) behind it learns the client it names. Thread safety: pure functions.

#include <cstddef>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"
#include "polyport/transport.hpp"

namespace polyport::detail {

// `given` (opts.proxy_send_header) with what it leaves empty taken from the connection: source
// `local`, destination `remote`, the family of those addresses (IPv4 next to IPv6 becomes
// IPv4-mapped IPv6, as HAProxy does), transport stream. A unix connection has an unnamed local
// end. Errors name a mix the header cannot carry, e.g. an IP source to a unix socket.
result<proxy_header> complete_proxy_header(proxy_header given, polyport::transport transport, const endpoint& local,
                                           const endpoint& remote);

// The bytes to send for `opts` (proxy_send set) on a connection between `local` and `remote`.
result<std::vector<std::byte>> proxy_send_bytes(const options& opts, polyport::transport transport,
                                                const endpoint& local, const endpoint& remote);

// What sets this connection apart for reuse: a connection that named one client must not carry
// another's messages. Empty without proxy_send.
std::string proxy_send_key(const options& opts);

}  // namespace polyport::detail
