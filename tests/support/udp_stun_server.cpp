#include "support/udp_stun_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <vector>

#include "transport/socket_ops.hpp"

namespace polyport::testing {

namespace {

constexpr std::size_t batch = 64;
constexpr std::size_t slot_size = 4096;  // over stun::max_message_size, so the responder judges size

}  // namespace

udp_stun_server::udp_stun_server(const std::string& ip, std::uint16_t port, stun::server_settings settings)
    : responder_(std::move(settings)) {
  auto address = ip_address::parse(ip);
  if (!address) {
    return;
  }
  auto at = detail::to_socket_address(endpoint{*address, port, {}});
  fd_ = ::socket(at.storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::bind(fd_, at.get(), at.length) != 0) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
    return;
  }
  port_ = detail::local_endpoint_of(fd_).port;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { serve(); });
}

udp_stun_server::~udp_stun_server() {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
}

endpoint udp_stun_server::last_answered() const {
  std::lock_guard lock(last_mutex_);
  return last_answered_;
}

void udp_stun_server::serve() {
  std::vector<std::array<std::byte, slot_size>> slots(batch);
  std::array<sockaddr_storage, batch> senders{};
  std::array<iovec, batch> in_vectors{};
  std::array<mmsghdr, batch> in{};
  std::vector<std::vector<std::byte>> replies(batch);
  std::array<iovec, batch> out_vectors{};
  std::array<mmsghdr, batch> out{};
  std::array<pollfd, 2> waits{{{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
  while (true) {
    for (std::size_t i = 0; i < batch; ++i) {
      in_vectors[i] = {slots[i].data(), slot_size};
      in[i].msg_hdr = {};
      in[i].msg_hdr.msg_name = &senders[i];
      in[i].msg_hdr.msg_namelen = sizeof senders[i];
      in[i].msg_hdr.msg_iov = &in_vectors[i];
      in[i].msg_hdr.msg_iovlen = 1;
    }
    int received = ::recvmmsg(fd_, in.data(), batch, 0, nullptr);
    if (received <= 0) {
      ::poll(waits.data(), waits.size(), -1);
      if ((waits[1].revents & POLLIN) != 0) {
        return;
      }
      continue;
    }
    unsigned replying = 0;
    for (int i = 0; i < received; ++i) {
      // A datagram larger than a slot arrives cut (MSG_TRUNC): drop it, as the listener will.
      if ((in[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        continue;
      }
      auto answer = responder_.answer(std::span(slots[i].data(), in[i].msg_len),
                                      detail::to_endpoint(senders[i], in[i].msg_hdr.msg_namelen));
      if (!answer) {
        passed_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (answer->empty()) {
        continue;
      }
      replies[replying] = std::move(*answer);
      out_vectors[replying] = {replies[replying].data(), replies[replying].size()};
      out[replying].msg_hdr = {};
      out[replying].msg_hdr.msg_name = &senders[i];
      out[replying].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
      out[replying].msg_hdr.msg_iov = &out_vectors[replying];
      out[replying].msg_hdr.msg_iovlen = 1;
      ++replying;
    }
    if (replying > 0) {
      std::lock_guard lock(last_mutex_);
      last_answered_ = detail::to_endpoint(*static_cast<sockaddr_storage*>(out[replying - 1].msg_hdr.msg_name),
                                           out[replying - 1].msg_hdr.msg_namelen);
    }
    if (replying > 0) {
      ::sendmmsg(fd_, out.data(), replying, 0);
    }
  }
}

}  // namespace polyport::testing
