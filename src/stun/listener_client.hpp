#pragma once
// STUN Binding queries sent from a UDP listener's socket, so the mapped address a server sees
// is the listener's own (listener::discover_mapped_address; RFC 8489 §6.2 timers). The queries
// run on one worker, the home of the socket they leave from. Their answers may reach any socket
// of the listener's reuseport group, so every worker offers each datagram to `claims` first:
// a STUN response from a server being asked is taken and forwarded home; anything else, and
// every datagram while nothing is asked (one relaxed load), goes on to the protocol untouched.
// Thread safety: discover and claims from any thread; cancel_here on the home worker.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/stun_client.hpp"

namespace polyport::detail {

class worker;

class listener_stun_client : public std::enable_shared_from_this<listener_stun_client> {
 public:
  // `send` sends from the listener's socket on `home`; it is called on `home` only.
  listener_stun_client(worker& home, stun::send_function send);

  worker& home() const { return home_; }

  // Asks `servers` in turn; `done` runs on the home worker (at once on the caller's thread
  // once cancelled).
  void discover(std::vector<endpoint> servers, stun::client_settings settings, stun::mapped_handler done);

  // True when `datagram` from `from` answers a query in flight; it is then handled here.
  bool claims(std::span<const std::byte> datagram, const endpoint& from);

  // The listener stops: queries in flight fail ("STUN query cancelled"), later ones at once.
  void cancel_here();

 private:
  void ask(const std::weak_ptr<stun::binding_client>& client, const endpoint& server, stun::mapped_handler done);
  void offer_home(std::span<const std::byte> datagram, const endpoint& from);
  void forget(const std::shared_ptr<stun::binding_client>& client);

  worker& home_;
  stun::send_function send_;
  std::atomic<bool> cancelled_{false};
  std::atomic<std::size_t> asking_{0};  // queries in flight; zero keeps claims() to one load
  std::mutex asked_mutex_;
  std::vector<endpoint> asked_;  // the server of each query in flight (a server may repeat)
  std::vector<std::shared_ptr<stun::binding_client>> clients_;  // one per discover; home only
};

}  // namespace polyport::detail
