#include "support/udp_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

#include "transport/socket_ops.hpp"

namespace polyport::testing {

udp_client::udp_client(const std::string& source, std::chrono::milliseconds receive_timeout) {
  auto address = ip_address::parse(source);
  if (!address) {
    throw std::invalid_argument("not an IP literal: " + source);
  }
  fd_ = ::socket(address->is_v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval limit{static_cast<time_t>(receive_timeout.count() / 1000),
                static_cast<suseconds_t>((receive_timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  detail::socket_address bound = detail::to_socket_address(endpoint{*address, 0, {}});
  if (::bind(fd_, bound.get(), bound.length) != 0) {
    throw std::runtime_error("cannot bind a UDP client to " + source);
  }
  local_ = detail::local_endpoint_of(fd_);
}

udp_client::~udp_client() {
  ::close(fd_);
}

bool udp_client::send_to(std::string_view bytes, const endpoint& to) {
  detail::socket_address address = detail::to_socket_address(to);
  return ::sendto(fd_, bytes.data(), bytes.size(), 0, address.get(), address.length) ==
         static_cast<ssize_t>(bytes.size());
}

std::optional<udp_reply> udp_client::receive() {
  return receive_with(0);
}

std::optional<udp_reply> udp_client::receive_now() {
  return receive_with(MSG_DONTWAIT);
}

std::optional<udp_reply> udp_client::receive_with(int flags) {
  std::array<char, 65536> buffer{};
  sockaddr_storage from{};
  socklen_t length = sizeof from;
  ssize_t got = ::recvfrom(fd_, buffer.data(), buffer.size(), flags, reinterpret_cast<sockaddr*>(&from), &length);
  if (got < 0) {
    return std::nullopt;
  }
  return udp_reply{std::string(buffer.data(), static_cast<std::size_t>(got)), detail::to_endpoint(from, length)};
}

}  // namespace polyport::testing
