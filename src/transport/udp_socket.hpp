#pragma once
// UDP socket calls: bound and connected sockets, and batched receive (recvmmsg) into one buffer
// cut into equal slots, so a readiness event drains many datagrams with one system call.
// Thread safety: a datagram_batch belongs to one worker; the functions are free of state.

#include <sys/socket.h>

#include <cstddef>
#include <span>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

struct socket_address_storage {
  sockaddr_storage address{};
  socklen_t length = 0;
};

// A non-blocking UDP socket bound to `at`; with reuse_port several may share the port.
result<int> open_udp_socket(const endpoint& at, bool reuse_port, const options& opts);
// A non-blocking UDP socket connected to `to` (the kernel then drops datagrams of anyone else).
result<int> open_connected_udp_socket(const endpoint& to, const options& opts);

struct received_datagram {
  std::span<const std::byte> bytes;
  endpoint from;
  bool truncated = false;  // larger than a slot: only the slot's worth arrived
};

class datagram_batch {
 public:
  // Datagrams of at most `slot_size` bytes, as many per receive() as `buffer_size` bytes hold
  // (at least one, at most `max_slots`).
  datagram_batch(std::size_t slot_size, std::size_t buffer_size, std::size_t max_slots);

  // One recvmmsg into `buffer` (slot_size × slots() bytes at least, typically the worker's read
  // buffer): the number of datagrams, 0 when none is waiting, or -1 with errno set.
  int receive(int fd, std::span<std::byte> buffer);
  received_datagram at(int index) const;
  std::size_t slots() const { return headers_.size(); }
  std::size_t slot_size() const { return slot_size_; }

 private:
  std::size_t slot_size_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> parts_;
  std::vector<sockaddr_storage> sources_;
};

// Datagrams queued to leave together with one sendmmsg (replies to a received batch).
class reply_batch {
 public:
  explicit reply_batch(std::size_t max_datagrams) : max_(max_datagrams) {}
  // False when full (send it directly then).
  bool add(std::span<const std::byte> bytes, const endpoint& to);
  bool empty() const { return lengths_.empty(); }
  // Sends everything queued and empties the batch: the number of datagrams the socket refused.
  std::size_t send(int fd);

 private:
  std::size_t max_;
  std::vector<std::byte> bytes_;
  std::vector<std::size_t> lengths_;
  std::vector<socket_address_storage> destinations_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> parts_;
};

// One datagram to `to` (on a connected socket `to` may be empty). Returns 0 or an errno value.
int send_datagram(int fd, std::span<const std::byte> bytes, const endpoint* to);

}  // namespace polyport::detail
