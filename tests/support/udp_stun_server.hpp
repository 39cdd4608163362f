#pragma once
// A minimal UDP socket that runs stun::binding_responder on every datagram, the way the UDP
// listener's hook will: it stands in for `polyport serve stun://` until UDP listeners exist.
// Batched (recvmmsg/sendmmsg) so the benchmark measures the responder, not the loop.
// Thread safety: construct and destroy on one thread; the counters may be read from any.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "polyport/stun_server.hpp"

namespace polyport::testing {

class udp_stun_server {
 public:
  // Binds `ip` on `port` (0: any free port) and serves on its own thread.
  explicit udp_stun_server(const std::string& ip, std::uint16_t port = 0,
                           stun::server_settings settings = {.answer_classic = true});
  ~udp_stun_server();
  udp_stun_server(const udp_stun_server&) = delete;
  udp_stun_server& operator=(const udp_stun_server&) = delete;

  bool ok() const { return fd_ >= 0; }
  std::uint16_t port() const { return port_; }
  const stun::binding_responder& responder() const { return responder_; }
  // Datagrams the responder left to the protocol (this stand-in has none and drops them).
  std::uint64_t passed() const { return passed_.load(std::memory_order_relaxed); }
  // The sender of the last datagram answered (what its reflexive address must be).
  endpoint last_answered() const;

 private:
  void serve();

  stun::binding_responder responder_;
  int fd_ = -1;
  int wake_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> passed_{0};
  mutable std::mutex last_mutex_;
  endpoint last_answered_;
  std::thread thread_;
};

}  // namespace polyport::testing
