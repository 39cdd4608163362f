#pragma once
// One outbound connection attempt to one resolved address: non-blocking connect under
// connect_timeout, then the transport handshake (bounded by the same deadline), then on_open.

#include <functional>
#include <memory>
#include <string>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "core/worker.hpp"
#include "polyport/connection.hpp"
#include "polyport/result.hpp"
#include "polyport/runtime.hpp"

namespace polyport::detail {

// Builds the shared context for the outbound connections of one route.
std::shared_ptr<connection_context> make_outbound_context(runtime::state& owner, const route_plan& route,
                                                          std::shared_ptr<void> user_data);

// Connects on `home` (call on any thread); `done` runs on `home` with the open connection or an
// error such as `connect to tcp 127.0.0.1:1: Connection refused`.
void connect_to(runtime::state& owner, worker& home, const route_plan& route, std::shared_ptr<connection_context> context,
                endpoint destination, std::function<void(result<connection_ref>)> done);

}  // namespace polyport::detail
