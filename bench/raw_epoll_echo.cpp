// raw_epoll_echo: the physical-limit TCP echo server the benchmarks compare polyport against.
//
// One thread, one level-triggered epoll set, non-blocking sockets, one shared read buffer.
// A connection owns memory only while the kernel refuses part of an echo (its backlog); an idle
// connection costs nothing here beyond its kernel socket.
//
// Usage: raw_epoll_echo [--port N]   (default 0: the kernel picks)
// Prints `listening raw tcp 127.0.0.1:PORT` once ready; SIGTERM or SIGINT exit 0.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

constexpr std::size_t read_buffer_size = std::size_t{64} * 1024;
constexpr int max_events = 256;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "raw_epoll_echo: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int parse_port(int argc, char** argv) {
  if (argc == 1) {
    return 0;
  }
  if (argc == 3 && std::string_view(argv[1]) == "--port") {
    return std::atoi(argv[2]);
  }
  std::fprintf(stderr, "usage: raw_epoll_echo [--port N]\n");
  std::exit(2);
}

int open_listener(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    die("socket");
  }
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    die("bind");
  }
  if (listen(fd, SOMAXCONN) < 0) {
    die("listen");
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// Termination arrives as a readable fd so the loop never sleeps through it.
int open_signal_fd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    die("signalfd");
  }
  return fd;
}

class echo_server {
 public:
  explicit echo_server(int port)
      : epoll_(epoll_create1(EPOLL_CLOEXEC)), listener_(open_listener(port)), signals_(open_signal_fd()) {
    if (epoll_ < 0) {
      die("epoll_create1");
    }
    watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
    watch(signals_, EPOLLIN, EPOLL_CTL_ADD);
  }

  int port() const { return bound_port(listener_); }

  // Runs until SIGTERM or SIGINT.
  void run() {
    epoll_event events[max_events];
    for (;;) {
      const int ready = epoll_wait(epoll_, events, max_events, -1);
      if (ready < 0 && errno != EINTR) {
        die("epoll_wait");
      }
      for (int i = 0; i < ready; ++i) {
        const int fd = events[i].data.fd;
        if (fd == signals_) {
          return;
        }
        if (fd == listener_) {
          accept_all();
        } else if (events[i].events & EPOLLOUT) {
          flush_backlog(fd);
        } else {
          echo(fd);
        }
      }
    }
  }

 private:
  void watch(int fd, uint32_t events, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (epoll_ctl(epoll_, operation, fd, &event) < 0) {
      die("epoll_ctl");
    }
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // FIXME: at the fd limit (EMFILE) the level-triggered listener fires again at once;
        // the benchmarks stay below the limit, so the loop spinning there is accepted.
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
          std::fprintf(stderr, "raw_epoll_echo: accept: %s\n", std::strerror(errno));
        }
        return;
      }
      // Echo replies are small; Nagle would hold them behind the peer's delayed ACK.
      const int on = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void close_connection(int fd) {
    backlogs_.erase(fd);
    close(fd);
  }

  // One read per readiness event: level triggering brings us back, and other sockets get a turn.
  void echo(int fd) {
    const ssize_t received = read(fd, buffer_, sizeof buffer_);
    if (received == 0 || (received < 0 && errno != EAGAIN && errno != EINTR)) {
      close_connection(fd);
      return;
    }
    if (received < 0) {
      return;
    }
    // MSG_NOSIGNAL: a peer that reset must cost its connection, not the process (SIGPIPE).
    const ssize_t sent = send(fd, buffer_, static_cast<size_t>(received), MSG_NOSIGNAL);
    if (sent == received) {
      return;
    }
    if (sent < 0 && errno != EAGAIN && errno != EINTR) {
      close_connection(fd);
      return;
    }
    const size_t kept = sent < 0 ? 0 : static_cast<size_t>(sent);
    // The peer is not draining: stop reading until the backlog is out (backpressure).
    backlogs_[fd].assign(buffer_ + kept, static_cast<size_t>(received) - kept);
    watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
  }

  void flush_backlog(int fd) {
    std::string& backlog = backlogs_[fd];
    const ssize_t sent = send(fd, backlog.data(), backlog.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        close_connection(fd);
      }
      return;
    }
    backlog.erase(0, static_cast<size_t>(sent));
    if (backlog.empty()) {
      backlogs_.erase(fd);
      watch(fd, EPOLLIN, EPOLL_CTL_MOD);
    }
  }

  int epoll_;
  int listener_;
  int signals_;
  char buffer_[read_buffer_size];
  std::unordered_map<int, std::string> backlogs_;
};

}  // namespace

int main(int argc, char** argv) {
  echo_server server(parse_port(argc, argv));
  std::printf("listening raw tcp 127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  server.run();
  return 0;
}
