#include "support/sourced_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transport/socket_ops.hpp"

namespace polyport::testing {

sourced_client::sourced_client(const std::string& source, const endpoint& to) {
  endpoint from{*ip_address::parse(source), 0, {}};
  fd_ = ::socket(to.address.is_v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval limit{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  detail::socket_address bound = detail::to_socket_address(from);
  detail::socket_address target = detail::to_socket_address(to);
  if (::bind(fd_, bound.get(), bound.length) != 0) {
    error_ = "bind to " + source + ": " + std::strerror(errno);
  } else if (::connect(fd_, target.get(), target.length) != 0) {
    error_ = "connect to " + to.to_string() + ": " + std::strerror(errno);
  } else {
    local_ = detail::local_endpoint_of(fd_);
  }
}

sourced_client::sourced_client(const std::string& source, std::uint16_t port)
    : sourced_client(source, endpoint{*ip_address::parse("127.0.0.1"), port, {}}) {}

bool sourced_client::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string sourced_client::read_exact(std::size_t count) {
  std::string received(count, '\0');
  std::size_t got = 0;
  while (got < count) {
    ssize_t n = ::recv(fd_, received.data() + got, count - got, 0);
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  received.resize(got);
  return received;
}

bool sourced_client::wait_closed() {
  char buffer[256];
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0) {
      return true;
    }
    if (n < 0) {
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }
}

void sourced_client::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace polyport::testing
