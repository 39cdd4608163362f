#include "connect_load.hpp"

#include "proxy_v2.hpp"
#include "stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

using steady = std::chrono::steady_clock;

constexpr auto stall_limit = std::chrono::seconds(2);
constexpr int max_events = 256;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

connect_load::connect_load(int port, int concurrency, std::size_t message_size, bool proxy_v2_header)
    : port_(port), proxy_v2_header_(proxy_v2_header), epoll_(epoll_create1(EPOLL_CLOEXEC)), read_buffer_(std::size_t{64} * 1024) {
  if (epoll_ < 0) {
    fail("epoll_create1");
  }
  for (std::size_t i = 0; i < message_size; ++i) {
    message_.push_back(static_cast<char>('a' + i % 26));
  }
  slots_.resize(static_cast<std::size_t>(concurrency));
}

connect_load::~connect_load() {
  for (const slot& s : slots_) {
    if (s.fd >= 0) {
      close(s.fd);
    }
  }
  close(epoll_);
}

void connect_load::open_slot(slot& s) {
  s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) {
    fail("socket");
  }
  const int on = 1;
  setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  s.connected = false;
  s.received = 0;
  s.started_ns = now_ns();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    fail("connect to 127.0.0.1:" + std::to_string(port_));
  }
  epoll_event event{};
  event.events = EPOLLOUT | EPOLLIN;
  event.data.u32 = static_cast<std::uint32_t>(&s - slots_.data());
  epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &event);
}

void connect_load::close_slot(slot& s) {
  close(s.fd);  // also takes it out of the epoll set
  s.fd = -1;
}

bool connect_load::on_event(slot& s, std::uint32_t events) {
  if (!s.connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      errno = error;
      fail("connect to 127.0.0.1:" + std::to_string(port_));
    }
    s.connected = true;
    // One small message (and header) fits a fresh socket's send buffer whole.
    const std::string outgoing = proxy_v2_header_ ? proxy_v2_header_for(s.fd) + message_ : message_;
    if (send(s.fd, outgoing.data(), outgoing.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(outgoing.size())) {
      fail("send");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = static_cast<std::uint32_t>(&s - slots_.data());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, s.fd, &event);
    return false;
  }
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) {
    return false;
  }
  const ssize_t got = read(s.fd, read_buffer_.data(), read_buffer_.size());
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
    return false;
  }
  if (got <= 0) {
    if (got == 0) {
      errno = ECONNRESET;
    }
    fail("the server closed a connection before its echo");
  }
  if (std::memcmp(read_buffer_.data(), message_.data() + s.received, static_cast<std::size_t>(got)) != 0) {
    throw std::runtime_error("the echo differs from the message sent");
  }
  s.received += static_cast<std::size_t>(got);
  return s.received == message_.size();
}

connect_result connect_load::run(std::chrono::nanoseconds duration) {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t completed = 0;
  const double cpu_start = cpu_seconds();
  const auto start = steady::now();
  const auto deadline = start + duration;
  auto last_progress = start;
  for (slot& s : slots_) {
    if (s.fd < 0) {
      open_slot(s);
    }
  }
  epoll_event events[max_events];
  for (auto now = start; now < deadline; now = steady::now()) {
    const auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(std::min<steady::duration>(deadline - now, stall_limit));
    const int ready = epoll_wait(epoll_, events, max_events, static_cast<int>(wait.count()));
    const std::uint64_t before = completed;
    for (int i = 0; i < ready; ++i) {
      slot& s = slots_[events[i].data.u32];
      if (s.fd >= 0 && on_event(s, events[i].events)) {
        latencies_ns.push_back(now_ns() - s.started_ns);
        ++completed;
        close_slot(s);
        open_slot(s);
      }
    }
    if (completed != before) {
      last_progress = steady::now();
    } else if (steady::now() - last_progress >= stall_limit) {
      throw std::runtime_error("no connection completed for 2 s: the server stalled");
    }
  }
  connect_result result;
  result.seconds = std::chrono::duration<double>(steady::now() - start).count();
  result.connections = completed;
  result.p50_us = static_cast<double>(quantile(latencies_ns, 0.50)) / 1000.0;
  result.p99_us = static_cast<double>(quantile(latencies_ns, 0.99)) / 1000.0;
  result.client_cpu_share = (cpu_seconds() - cpu_start) / result.seconds;
  return result;
}

}  // namespace bench
