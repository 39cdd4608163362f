#pragma once
// Walks the destinations of a URL list in order — each route, resolved through the DNS engine
// into its ordered destinations (docs/dns.md) — until one attempt succeeds. When all fail, the
// error names the last failure.

#include <functional>
#include <memory>
#include <vector>

#include "core/route_plan.hpp"
#include "polyport/connection.hpp"
#include "polyport/result.hpp"
#include "polyport/runtime.hpp"

namespace polyport::detail {

using attempt_done = std::function<void(result<connection_ref>)>;
// Tries one destination and reports through `next`. `route` carries the destination's transport.
using destination_attempt = std::function<void(const route_plan& route, const endpoint& destination, attempt_done next)>;

void walk_destinations(std::shared_ptr<runtime::state> owner, std::vector<route_plan> routes,
                       destination_attempt attempt, connect_handler done);

}  // namespace polyport::detail
