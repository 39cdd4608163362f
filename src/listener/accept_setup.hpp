#pragma once
// What a stream listener applies to each connection it accepts (connection context, TLS context,
// PROXY protocol mode, trusted proxies, socket options), built from its options. A live update
// (listener::update) builds a new one and swaps it in whole; connections accepted before keep
// the one they started with.
// Thread safety: immutable once built; shared between the listener and its connections.

#include <memory>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "polyport/access_rules.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

class tls_context;

struct accept_setup {
  polyport::options opts;
  std::shared_ptr<connection_context> context;
  std::shared_ptr<tls_context> tls;                       // tls listeners only
  std::shared_ptr<const access_rules> trusted_proxies;    // proxy_trusted; null: anyone
  proxy_protocol_mode proxy_mode = proxy_protocol_mode::off;
};

// Builds the setup for `plan`; `base` carries what every setup of one listener shares (stats,
// owner hooks, access rules, the listener-wide byte bucket), copied into the new context.
// Errors name what failed (a certificate that does not load, ...).
result<std::shared_ptr<const accept_setup>> make_accept_setup(const route_plan& plan, const connection_context& base);

// An error naming the first option that differs between `before` and `after` and cannot change
// while the listener runs (it needs a new socket or another protocol): transport, host, path,
// backlog, acceptors, acceptor_mode, class, ws_proto, UDP and SCTP options.
result<void> check_live_change(const options& before, const options& after);

}  // namespace polyport::detail
