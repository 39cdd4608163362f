#pragma once
// Asking STUN servers one after another until one answers: shared by discovery from fresh
// sockets (stun::discover_mapped_address) and from a listener's socket
// (listener::discover_mapped_address).
// Thread safety: runs wherever `ask` completes; one sequence belongs to one thread.

#include <functional>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/stun_client.hpp"

namespace polyport::stun::detail {

// Starts one Binding query with `server`; calls `done` once with its outcome.
using ask_function = std::function<void(const endpoint& server, mapped_handler done)>;

// Asks `servers` in order with `ask`; `done` runs once with the first mapped address, or an
// error naming each server's failure ("no STUN server given" for an empty list).
void ask_in_turn(std::vector<endpoint> servers, ask_function ask, mapped_handler done);

}  // namespace polyport::stun::detail
