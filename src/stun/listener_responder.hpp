#pragma once
// Plugs STUN into UDP listeners: `stun://` listeners answer Binding requests with their scheme's
// responder, and any UDP listener with `udp_stun_reply` with one of its own, on the listening
// socket and before the protocol sees the datagram (docs/stun.md).
// Thread safety: the interceptor is called from every worker of its listener at once.

#include <memory>

#include "core/route_plan.hpp"
#include "transport/datagram_interceptor.hpp"

namespace polyport::detail {

// The interceptor for a UDP listener planned as `plan`, or nullptr when it answers no STUN.
std::shared_ptr<datagram_interceptor> stun_interceptor_for(const route_plan& plan);

}  // namespace polyport::detail
