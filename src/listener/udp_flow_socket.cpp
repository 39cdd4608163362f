#include "listener/udp_flow_socket.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>


#include "listener/udp_listener.hpp"

namespace polyport::detail {

namespace {
// recvmmsg calls per readiness event before the worker's other work gets a turn.
constexpr int batches_per_turn = 8;
constexpr std::size_t max_batch = 64;
}  // namespace

std::size_t endpoint_hash::operator()(const endpoint& at) const noexcept {
  std::size_t hash = at.port;
  std::size_t length = at.address.is_v6 ? 16 : 4;
  for (std::size_t i = 0; i < length; ++i) {
    hash = hash * 131 + at.address.bytes[i];
  }
  return hash;
}

// Slots of udp_max_size (the kernel's MSG_TRUNC marks anything bigger), as many as the worker's
// read buffer holds.
udp_flow_socket::udp_flow_socket(worker& home, int fd, std::weak_ptr<udp_listener> owner, std::size_t max_datagram)
    : home_(home),
      fd_(fd),
      owner_(std::move(owner)),
      batch_(max_datagram, home.read_buffer().size(), max_batch),
      replies_(max_batch) {}

udp_flow_socket::~udp_flow_socket() {
  ::close(fd_);
}

void udp_flow_socket::start() {
  reading_ = home_.reactor().add(fd_, *this, EPOLLIN);
}

void udp_flow_socket::stop() {
  if (reading_) {
    home_.reactor().remove(fd_);
    reading_ = false;
  }
}

void udp_flow_socket::on_io_event(std::uint32_t events) {
  if ((events & (EPOLLIN | EPOLLERR)) != 0) {
    drain();
  }
}

void udp_flow_socket::drain() {
  auto owner = owner_.lock();
  if (!owner || !reading_) {
    return;
  }
  std::span<std::byte> buffer = home_.read_buffer();
  for (int turn = 0; turn < batches_per_turn; ++turn) {
    int count = batch_.receive(fd_, buffer);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count <= 0) {
      return;  // empty: the next datagram raises a new edge
    }
    dispatching_batch_ = true;
    for (int i = 0; i < count && reading_; ++i) {
      received_datagram datagram = batch_.at(i);
      if (datagram.truncated) {
        owner->dropped_oversized(home_, datagram.from);
        continue;
      }
      dispatch(*owner, datagram.bytes, datagram.from);
    }
    dispatching_batch_ = false;
    flush_replies(*owner);
    if (static_cast<std::size_t>(count) < batch_.slots()) {
      return;  // the socket is empty
    }
  }
  // Still more waiting: let the worker's other sockets and connections run first.
  boost::asio::post(home_.io(), [weak = owner_, self = this, &home = home_] {
    if (auto alive = weak.lock(); alive && alive->socket_of(home) == self) {
      self->drain();
    }
  });
}

void udp_flow_socket::dispatch(udp_listener& owner, std::span<const std::byte> datagram, const endpoint& from) {
  if (owner.intercepted(*this, datagram, from)) {
    return;
  }
  if (owner.without_connections()) {
    owner.deliver_datagram(home_, datagram, from);
    return;
  }
  if (auto found = flows_.find(from); found != flows_.end()) {
    found->second->receive(datagram);
    return;
  }
  owner.new_peer(*this, datagram, from);
}

void udp_flow_socket::receive_forwarded(std::span<const std::byte> datagram, const endpoint& from) {
  auto owner = owner_.lock();
  if (!owner || !reading_) {
    return;
  }
  dispatch(*owner, datagram, from);
}

void udp_flow_socket::adopt_flow(datagram_connection& conn) {
  flows_.emplace(conn.remote(), &conn);
}

int udp_flow_socket::send_to(std::span<const std::byte> bytes, const endpoint& to) {
  if (dispatching_batch_ && replies_.add(bytes, to)) {
    return 0;
  }
  return send_datagram(fd_, bytes, &to);
}

void udp_flow_socket::flush_replies(udp_listener& owner) {
  if (!replies_.empty()) {
    if (std::size_t refused = replies_.send(fd_); refused != 0) {
      owner.count_dropped(home_, refused);
    }
  }
}

void udp_flow_socket::flow_closed(datagram_connection& conn) {
  auto found = flows_.find(conn.remote());
  if (found == flows_.end() || found->second != &conn) {
    return;
  }
  flows_.erase(found);
  if (auto owner = owner_.lock()) {
    owner->flow_ended(conn.remote());
  }
}

}  // namespace polyport::detail
