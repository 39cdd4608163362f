#pragma once
// Answering STUN Binding requests (RFC 8489 §6.3, compatible with RFC 5389 and, optionally,
// RFC 3489 clients), as a pure function of a datagram and its sender, so any UDP socket can
// answer before its protocol sees the datagram (`udp_stun_reply`), and as the built-in `stun`
// scheme, a plain STUN server.
//
//   datagram ──▶ binding_answer ──▶ answered: send `reply` back from the same socket
//                                ├▶ ignored / dropped: consumed (dropped: count and log it)
//                                ├▶ response: a Binding response; for a stun::binding_client of
//                                │   the socket (offer it first), else the protocol's
//                                └▶ pass: not the responder's: give the datagram to the protocol
//
// Thread safety: binding_answer is pure; binding_responder and stun_protocol: distinct and shared
// objects: safe, call from any worker.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/protocol.hpp"

namespace polyport::stun {

struct server_settings {
  std::string software = "polyport";  // the SOFTWARE attribute of answers; empty: none
  // Answer Binding requests without the magic cookie (RFC 3489 clients) with MAPPED-ADDRESS, as
  // RFC 8489 §12.2 suggests. Off by default on a protocol's socket, where 20 bytes with a
  // matching length and type 0x0001 could be the protocol's own traffic; on for `stun://`.
  bool answer_classic = false;
};

enum class verdict {
  pass,      // not STUN, or STUN of another method (TURN, ...): the protocol's datagram
  answered,  // a Binding request: `reply` is the success or error response to send back
  response,  // a Binding response: for the socket's pending client transactions, else the protocol's
  ignored,   // a Binding indication (a keep-alive): needs no answer
  dropped,   // malformed STUN (bad length, bad FINGERPRINT, ...): `reason` says what
};

struct binding_outcome {
  stun::verdict verdict = verdict::pass;
  std::vector<std::byte> reply;
  std::string reason;
};

binding_outcome binding_answer(std::span<const std::byte> datagram, const endpoint& from,
                               const server_settings& settings = {});

// binding_answer for one socket or listener, in the shape of the UDP listener's hook: bytes to
// send back; an empty vector: consumed, send nothing; nullopt: the protocol's (a Binding response
// included: a socket with a binding_client offers datagrams to it first). It counts what it did
// and logs the first dropped datagram.
class binding_responder {
 public:
  explicit binding_responder(server_settings settings = {}) : settings_(std::move(settings)) {}

  std::optional<std::vector<std::byte>> answer(std::span<const std::byte> datagram, const endpoint& from);

  std::uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  const server_settings& settings() const { return settings_; }

 private:
  server_settings settings_;
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<bool> logged_drop_{false};
};

// The built-in `stun` scheme: UDP, port 3478, Binding requests answered (RFC 3489 clients too)
// by its responder, every other datagram dropped. A UDP listener of this scheme must run
// responder().answer on each datagram, as it does for `udp_stun_reply`.
class stun_protocol : public protocol {
 public:
  explicit stun_protocol(server_settings settings = {.answer_classic = true}) : responder_(std::move(settings)) {}

  std::vector<polyport::transport> transports(std::string_view scheme) const override;
  std::optional<std::uint16_t> default_port(polyport::transport transport) const override;
  binding_responder& responder() { return responder_; }

 private:
  binding_responder responder_;
};

}  // namespace polyport::stun
