#pragma once
// What a connection on a shared HTTP/WebSocket port asks, per request: which listener's context
// it goes on with, or the status to answer instead (404 no route, 403 denied, 503 full).
// Implemented by the port (src/listener/shared_port.*); asked by stream_connection_route.cpp.
// Thread safety: route() is safe from any worker.

#include <memory>

#include "core/http_route.hpp"
#include "polyport/endpoint.hpp"

namespace polyport::detail {

struct connection_context;

struct route_answer {
  std::shared_ptr<const connection_context> context;  // the chosen listener's; null: answer `status`
  int status = 404;
};

class http_router {
 public:
  virtual ~http_router() = default;
  // `peer` is the effective client address (after a PROXY header), checked against the chosen
  // listener's access rules. `current` is the owner of the connection's context now: a listener
  // that is not `current` counts the connection in (max_connections) when it takes it.
  virtual route_answer route(const route_query& query, const endpoint& peer, const void* current) const = 0;
};

}  // namespace polyport::detail
