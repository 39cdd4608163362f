#pragma once
// Outbound UDP: one connected UDP socket per destination, carrying one datagram_connection.
// A connected socket (rather than NkPACKET's "send from a listener's socket") needs no listener,
// lets the kernel drop datagrams from anyone but the destination, and reports ICMP port
// unreachable as ECONNREFUSED, which closes the connection (io_error) instead of letting it
// wait for its idle timeout. Over dtls the connection carries a DTLS client session, and the
// connect completes when its handshake does (or fails with why, or after connect_timeout).

#include <functional>
#include <memory>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "core/worker.hpp"
#include "polyport/connection.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

// On `home`'s thread: opens the socket and the connection. `done` runs once on `home`: before
// returning for udp, when the handshake ends for dtls. From `route`: sndbuf and rcvbuf, and for
// dtls the tls_* options, the server name (host) and connect_timeout.
void connect_udp(worker& home, std::shared_ptr<connection_context> context, const endpoint& destination,
                 const route_plan& route, std::function<void(result<connection_ref>)> done);

}  // namespace polyport::detail
