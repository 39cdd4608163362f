#include "transport/udp_socket.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "transport/socket_ops.hpp"

namespace polyport::detail {

namespace {

void set_flag(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

result<int> new_udp_socket(bool v6, const options& opts) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return error{"socket: " + describe_errno(errno)};
  }
  if (opts.sndbuf) {
    set_flag(fd, SOL_SOCKET, SO_SNDBUF, static_cast<int>(*opts.sndbuf));
  }
  if (opts.rcvbuf) {
    set_flag(fd, SOL_SOCKET, SO_RCVBUF, static_cast<int>(*opts.rcvbuf));
  }
  return fd;
}

result<int> close_with_error(int fd, const std::string& what) {
  int saved = errno;
  ::close(fd);
  return error{what + ": " + describe_errno(saved)};
}

}  // namespace

result<int> open_udp_socket(const endpoint& at, bool reuse_port, const options& opts) {
  auto fd = new_udp_socket(at.address.is_v6, opts);
  if (!fd) {
    return fd;
  }
  if (reuse_port) {
    set_flag(*fd, SOL_SOCKET, SO_REUSEPORT, 1);
  }
  if (at.address.is_v6) {
    set_flag(*fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);  // as TCP: [::] is IPv6 only
  }
  socket_address address = to_socket_address(at);
  if (::bind(*fd, address.get(), address.length) != 0) {
    return close_with_error(*fd, "bind udp " + at.to_string());
  }
  return fd;
}

result<int> open_connected_udp_socket(const endpoint& to, const options& opts) {
  auto fd = new_udp_socket(to.address.is_v6, opts);
  if (!fd) {
    return fd;
  }
  socket_address address = to_socket_address(to);
  if (::connect(*fd, address.get(), address.length) != 0) {
    return close_with_error(*fd, "connect udp " + to.to_string());
  }
  return fd;
}

datagram_batch::datagram_batch(std::size_t slot_size, std::size_t buffer_size, std::size_t max_slots)
    : slot_size_(slot_size),
      headers_(std::clamp<std::size_t>(buffer_size / slot_size, 1, max_slots)),
      parts_(headers_.size()),
      sources_(headers_.size()) {}

int datagram_batch::receive(int fd, std::span<std::byte> buffer) {
  std::size_t count = std::min(headers_.size(), buffer.size() / slot_size_);
  for (std::size_t i = 0; i < count; ++i) {
    parts_[i] = iovec{buffer.data() + i * slot_size_, slot_size_};
    msghdr& header = headers_[i].msg_hdr;
    header = msghdr{};
    header.msg_name = &sources_[i];
    header.msg_namelen = sizeof(sockaddr_storage);
    header.msg_iov = &parts_[i];
    header.msg_iovlen = 1;
  }
  int received = ::recvmmsg(fd, headers_.data(), static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
  if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return 0;
  }
  return received;
}

received_datagram datagram_batch::at(int index) const {
  const mmsghdr& message = headers_[static_cast<std::size_t>(index)];
  received_datagram out;
  std::size_t length = std::min<std::size_t>(message.msg_len, slot_size_);
  out.bytes = std::span<const std::byte>(static_cast<const std::byte*>(parts_[static_cast<std::size_t>(index)].iov_base), length);
  out.from = to_endpoint(sources_[static_cast<std::size_t>(index)], message.msg_hdr.msg_namelen);
  out.truncated = (message.msg_hdr.msg_flags & MSG_TRUNC) != 0;
  return out;
}

bool reply_batch::add(std::span<const std::byte> bytes, const endpoint& to) {
  if (lengths_.size() >= max_) {
    return false;
  }
  socket_address address = to_socket_address(to);
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  lengths_.push_back(bytes.size());
  destinations_.push_back(socket_address_storage{address.storage, address.length});
  return true;
}

std::size_t reply_batch::send(int fd) {
  std::size_t count = lengths_.size();
  headers_.assign(count, mmsghdr{});
  parts_.resize(count);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    parts_[i] = iovec{bytes_.data() + offset, lengths_[i]};
    offset += lengths_[i];
    headers_[i].msg_hdr.msg_name = &destinations_[i].address;
    headers_[i].msg_hdr.msg_namelen = destinations_[i].length;
    headers_[i].msg_hdr.msg_iov = &parts_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
  std::size_t sent = 0;
  while (sent < count) {
    int done = ::sendmmsg(fd, headers_.data() + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (done <= 0) {
      if (done < 0 && errno == EINTR) {
        continue;
      }
      // The one that failed is dropped (as a sendto failure would be); try the rest.
      ++sent;
      continue;
    }
    sent += static_cast<std::size_t>(done);
  }
  std::size_t refused = 0;
  for (std::size_t i = 0; i < count; ++i) {
    refused += headers_[i].msg_len == lengths_[i] ? 0 : 1;
  }
  bytes_.clear();
  lengths_.clear();
  destinations_.clear();
  return refused;
}

int send_datagram(int fd, std::span<const std::byte> bytes, const endpoint* to) {
  ssize_t sent = 0;
  if (to != nullptr) {
    socket_address address = to_socket_address(*to);
    sent = ::sendto(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL, address.get(), address.length);
  } else {
    sent = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  return sent < 0 ? errno : 0;
}

}  // namespace polyport::detail
