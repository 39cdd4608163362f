#include "support/udp_peer.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "polyport/stun.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::testing {

udp_peer::udp_peer(const std::string& ip) {
  auto at = detail::to_socket_address(endpoint{*ip_address::parse(ip), 0, {}});
  fd_ = ::socket(at.storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ::bind(fd_, at.get(), at.length);
  local_ = detail::local_endpoint_of(fd_);
}

udp_peer::~udp_peer() { ::close(fd_); }

bool udp_peer::send_to(std::span<const std::byte> bytes, const endpoint& to) {
  auto address = detail::to_socket_address(to);
  return ::sendto(fd_, bytes.data(), bytes.size(), 0, address.get(), address.length) ==
         static_cast<ssize_t>(bytes.size());
}

std::optional<datagram> udp_peer::receive(std::chrono::milliseconds timeout) {
  pollfd wait{fd_, POLLIN, 0};
  if (::poll(&wait, 1, static_cast<int>(timeout.count())) != 1) {
    return std::nullopt;
  }
  datagram got;
  got.bytes.resize(65536);
  sockaddr_storage sender{};
  socklen_t length = sizeof sender;
  ssize_t size = ::recvfrom(fd_, got.bytes.data(), got.bytes.size(), 0, reinterpret_cast<sockaddr*>(&sender), &length);
  if (size < 0) {
    return std::nullopt;
  }
  got.bytes.resize(static_cast<std::size_t>(size));
  got.from = detail::to_endpoint(sender, length);
  return got;
}

std::uint16_t free_udp_port(const std::string& ip) { return udp_peer(ip).local().port; }

coturn_stun_server::coturn_stun_server() {
  // A port free a moment ago may be taken by the time coturn binds it (coturn then retries
  // forever): a few fresh ports.
  for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
    port_ = free_udp_port();
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{"turnserver", "-n", "--listening-ip=127.0.0.1", "--listening-ip=::1",
                                 "--listening-port=" + std::to_string(port_), "--stun-only", "--no-auth", "--no-tcp",
                                 "--no-tls", "--no-dtls", "--no-cli", "--no-stdout-log", "--log-file=/dev/null"});
    udp_peer probe;
    auto request = stun::message_builder(stun::message_class::request, stun::binding, stun::random_transaction_id())
                       .finish()
                       .value();
    endpoint server{*ip_address::parse("127.0.0.1"), port_, {}};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!ready_ && std::chrono::steady_clock::now() < deadline) {
      probe.send_to(request, server);
      ready_ = probe.receive(std::chrono::milliseconds(100)).has_value();
    }
  }
}

}  // namespace polyport::testing
