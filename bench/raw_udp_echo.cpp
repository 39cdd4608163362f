// raw_udp_echo: the physical-limit UDP echo server udp_echo_bench compares polyport against.
//
// One thread, one non-blocking UDP socket, level-triggered epoll; each wake-up drains the
// socket with recvmmsg (64 datagrams per call) and sends the batch back with one sendmmsg to
// the senders. No per-peer state at all.
//
// Usage: raw_udp_echo [--port N]   (default 0: the kernel picks)
// Prints `listening raw udp 127.0.0.1:PORT` once ready; SIGTERM or SIGINT exit 0.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

constexpr unsigned batch = 64;
constexpr std::size_t slot_size = 2048;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "raw_udp_echo: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int parse_port(int argc, char** argv) {
  if (argc == 1) {
    return 0;
  }
  if (argc == 3 && std::string_view(argv[1]) == "--port") {
    return std::atoi(argv[2]);
  }
  std::fprintf(stderr, "usage: raw_udp_echo [--port N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = parse_port(argc, argv);
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    die("socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    die("bind");
  }
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  event.data.fd = signal_fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd, &event);

  std::printf("listening raw udp 127.0.0.1:%d\n", ntohs(address.sin_port));
  std::fflush(stdout);

  static std::array<std::array<char, slot_size>, batch> slots;
  std::array<mmsghdr, batch> messages{};
  std::array<iovec, batch> parts{};
  std::array<sockaddr_storage, batch> sources{};
  for (;;) {
    std::array<epoll_event, 2> ready{};
    const int count = epoll_wait(epoll_fd, ready.data(), static_cast<int>(ready.size()), -1);
    for (int i = 0; i < count; ++i) {
      if (ready[i].data.fd == signal_fd) {
        return 0;
      }
      for (;;) {
        for (unsigned m = 0; m < batch; ++m) {
          parts[m] = iovec{slots[m].data(), slot_size};
          messages[m].msg_hdr = msghdr{};
          messages[m].msg_hdr.msg_name = &sources[m];
          messages[m].msg_hdr.msg_namelen = sizeof sources[m];
          messages[m].msg_hdr.msg_iov = &parts[m];
          messages[m].msg_hdr.msg_iovlen = 1;
        }
        const int received = recvmmsg(fd, messages.data(), batch, MSG_DONTWAIT, nullptr);
        if (received <= 0) {
          break;
        }
        for (int m = 0; m < received; ++m) {
          parts[m].iov_len = messages[m].msg_len;  // send back exactly what came
        }
        sendmmsg(fd, messages.data(), static_cast<unsigned>(received), MSG_DONTWAIT);
        if (received < static_cast<int>(batch)) {
          break;
        }
      }
    }
  }
}
