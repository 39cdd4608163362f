#pragma once
// A hook a UDP listener consults for every datagram before the protocol sees it: when it
// returns bytes, they are sent back to the sender from the same socket and the datagram goes no
// further (no connection, no protocol callback). This is where `udp_stun_reply` plugs in a STUN
// Binding responder; the listener takes one at start (udp_listener::start).
// Thread safety: answer() runs on every worker of the listener at once; keep it free of shared
// mutable state or guard it.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "polyport/endpoint.hpp"

namespace polyport::detail {

class datagram_interceptor {
 public:
  virtual ~datagram_interceptor() = default;
  // The reply to send to `from`, or nullopt to let the datagram through to the protocol.
  virtual std::optional<std::vector<std::byte>> answer(std::span<const std::byte> datagram, const endpoint& from) = 0;
};

}  // namespace polyport::detail
