#pragma once
// Counters of a listener, of the outbound connections, or of the whole process.
// Thread safety: a snapshot; read it from any thread.

#include <array>
#include <cstdint>

#include "polyport/close_reason.hpp"

namespace polyport {

struct connection_stats {
  std::uint64_t accepted = 0;   // connections opened (accepted by a listener, or connected out)
  std::uint64_t current = 0;    // open now
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t accept_errors = 0;  // accept() failures, e.g. out of file descriptors
  // UDP: datagrams dropped (over udp_max_size, for a paused peer, or that a protocol callback
  // threw on), and datagrams handed to the worker that owns their peer.
  std::uint64_t datagrams_dropped = 0;
  std::uint64_t datagrams_forwarded = 0;
  // DTLS listeners: HelloVerifyRequests sent to ClientHellos without a valid cookie.
  std::uint64_t dtls_cookies_sent = 0;
  std::array<std::uint64_t, close_reason_count> closed{};  // indexed by close_reason

  std::uint64_t closed_by(close_reason reason) const { return closed[static_cast<std::size_t>(reason)]; }
};

}  // namespace polyport
