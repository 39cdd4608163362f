#pragma once
// UDP for the STUN peer tests: a loopback socket that sends datagrams and receives them with a
// deadline, a free UDP port, and coturn's turnserver in STUN-only mode (PEERS.md).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "support/child_process.hpp"

namespace polyport::testing {

struct datagram {
  std::vector<std::byte> bytes;
  endpoint from;
};

class udp_peer {
 public:
  // Bound to `ip` ("127.0.0.1" or "::1") on a free port.
  explicit udp_peer(const std::string& ip = "127.0.0.1");
  ~udp_peer();
  udp_peer(const udp_peer&) = delete;
  udp_peer& operator=(const udp_peer&) = delete;

  endpoint local() const { return local_; }
  bool send_to(std::span<const std::byte> bytes, const endpoint& to);
  std::optional<datagram> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  endpoint local_;
};

// A UDP port on `ip` that was free a moment ago.
std::uint16_t free_udp_port(const std::string& ip = "127.0.0.1");

// `turnserver --stun-only` on 127.0.0.1 and ::1, started and answering; stopped on destruction.
class coturn_stun_server {
 public:
  coturn_stun_server();
  // False when it did not answer a Binding request within a few seconds.
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }

 private:
  std::unique_ptr<child_process> process_;
  std::uint16_t port_ = 0;
  bool ready_ = false;
};

}  // namespace polyport::testing
