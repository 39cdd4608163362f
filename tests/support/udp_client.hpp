#pragma once
// A blocking, unconnected UDP socket bound to a chosen source (127.0.0.x, ::1, port 0), so a
// test sees where replies come from and can be a peer from "another host" on loopback.
// Receives time out (SO_RCVTIMEO): a test waiting for a datagram that never comes fails.
// Thread safety: distinct objects: safe. Shared objects: unsafe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "polyport/endpoint.hpp"

namespace polyport::testing {

struct udp_reply {
  std::string bytes;
  endpoint from;
};

class udp_client {
 public:
  explicit udp_client(const std::string& source = "127.0.0.1",
                      std::chrono::milliseconds receive_timeout = std::chrono::milliseconds(2000));
  ~udp_client();
  udp_client(const udp_client&) = delete;
  udp_client& operator=(const udp_client&) = delete;

  const endpoint& local() const { return local_; }
  int fd() const { return fd_; }
  bool send_to(std::string_view bytes, const endpoint& to);
  // The next datagram, or nullopt at the receive timeout.
  std::optional<udp_reply> receive();
  // A datagram already waiting, or nullopt.
  std::optional<udp_reply> receive_now();

 private:
  std::optional<udp_reply> receive_with(int flags);

  int fd_ = -1;
  endpoint local_;
};

}  // namespace polyport::testing
