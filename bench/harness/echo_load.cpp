#include "echo_load.hpp"

#include "loopback.hpp"
#include "proxy_v2.hpp"
#include "stats.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

using steady = std::chrono::steady_clock;

// Distinct, non-repeating-looking content per message without storing what was sent: message n
// of a connection is a slice of one shared pseudo-random pattern at a position derived from n.
constexpr std::size_t pattern_period = 8191;
constexpr std::size_t message_stride = 131;
constexpr std::size_t connection_stride = 977;

constexpr auto connect_timeout = std::chrono::milliseconds(5000);
constexpr auto stall_limit = std::chrono::seconds(2);
constexpr int max_events = 256;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

std::string make_pattern(std::size_t message_size) {
  std::string pattern(pattern_period + message_size, '\0');
  std::uint32_t state = 2463534242u;
  for (char& byte : pattern) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<char>(state);
  }
  return pattern;
}

std::chrono::nanoseconds cpu_used() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto to_ns = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return to_ns(usage.ru_utime) + to_ns(usage.ru_stime);
}

}  // namespace

struct echo_load::phase {
  std::uint64_t messages = 0;
  std::uint64_t mismatches = 0;
  std::vector<std::int64_t> latencies_ns;
};

echo_load::echo_load(int port, load_shape shape)
    : shape_(shape),
      pattern_(make_pattern(shape.message_size)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      read_buffer_(std::size_t{64} * 1024) {
  if (epoll_ < 0) {
    throw std::runtime_error("epoll_create1 failed");
  }
  connections_.resize(static_cast<std::size_t>(shape.connections));
  for (std::size_t index = 0; index < connections_.size(); ++index) {
    connection& peer = connections_[index];
    peer.fd = connect_loopback(port, connect_timeout);
    fcntl(peer.fd, F_SETFL, fcntl(peer.fd, F_GETFL) | O_NONBLOCK);
    peer.pattern_offset = (index * connection_stride) % pattern_period;
    peer.sent_at_ns.resize(static_cast<std::size_t>(shape.in_flight));
    if (shape.proxy_v2_header) {
      peer.outgoing = proxy_v2_header_for(peer.fd);  // goes out ahead of the first message
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = static_cast<std::uint32_t>(index);
    epoll_ctl(epoll_, EPOLL_CTL_ADD, peer.fd, &event);
  }
  const std::int64_t start = now_ns();
  for (connection& peer : connections_) {
    for (int message = 0; message < shape.in_flight; ++message) {
      queue_message(peer, start);
    }
    flush(peer);
  }
}

echo_load::~echo_load() {
  for (const connection& peer : connections_) {
    if (peer.fd >= 0) {
      close(peer.fd);
    }
  }
  close(epoll_);
}

const char* echo_load::message_bytes(const connection& peer, std::uint64_t message) const {
  return pattern_.data() + (peer.pattern_offset + message * message_stride) % pattern_period;
}

void echo_load::queue_message(connection& peer, std::int64_t now) {
  peer.sent_at_ns[peer.sent % peer.sent_at_ns.size()] = now;
  peer.outgoing.append(message_bytes(peer, peer.sent), shape_.message_size);
  ++peer.sent;
}

void echo_load::flush(connection& peer) {
  const std::size_t left = peer.outgoing.size() - peer.outgoing_written;
  // MSG_NOSIGNAL: a dead server must fail the run with a message, not kill it with SIGPIPE.
  const ssize_t written = send(peer.fd, peer.outgoing.data() + peer.outgoing_written, left, MSG_NOSIGNAL);
  if (written < 0 && errno != EAGAIN && errno != EINTR) {
    throw std::runtime_error(std::string("write to server: ") + std::strerror(errno));
  }
  peer.outgoing_written += written > 0 ? static_cast<std::size_t>(written) : 0;
  const bool done = peer.outgoing_written == peer.outgoing.size();
  if (done) {
    peer.outgoing.clear();
    peer.outgoing_written = 0;
  }
  set_writable_interest(peer, !done);
}

void echo_load::set_writable_interest(connection& peer, bool wanted) {
  if (peer.waiting_writable == wanted) {
    return;
  }
  epoll_event event{};
  event.events = wanted ? EPOLLIN | EPOLLOUT : EPOLLIN;
  event.data.u32 = static_cast<std::uint32_t>(&peer - connections_.data());
  epoll_ctl(epoll_, EPOLL_CTL_MOD, peer.fd, &event);
  peer.waiting_writable = wanted;
}

void echo_load::on_readable(connection& peer, phase& current) {
  const ssize_t got = read(peer.fd, read_buffer_.data(), read_buffer_.size());
  if (got == 0) {
    throw std::runtime_error("the server closed a connection during the run");
  }
  if (got < 0) {
    if (errno == EAGAIN || errno == EINTR) {
      return;
    }
    throw std::runtime_error(std::string("read from server: ") + std::strerror(errno));
  }
  consume(peer, read_buffer_.data(), static_cast<std::size_t>(got), now_ns(), current);
  if (!peer.waiting_writable && !peer.outgoing.empty()) {
    flush(peer);
  }
}

// Checks echoed bytes against the oldest outstanding message; each completed one is timed and
// replaced by a new message, so the pipeline stays `in_flight` deep.
void echo_load::consume(connection& peer, const char* data, std::size_t size, std::int64_t now, phase& current) {
  while (size > 0) {
    const std::size_t take = std::min(size, shape_.message_size - peer.head_bytes);
    if (std::memcmp(data, message_bytes(peer, peer.echoed) + peer.head_bytes, take) != 0) {
      peer.head_differs = true;
    }
    data += take;
    size -= take;
    peer.head_bytes += take;
    if (peer.head_bytes < shape_.message_size) {
      return;
    }
    current.latencies_ns.push_back(now - peer.sent_at_ns[peer.echoed % peer.sent_at_ns.size()]);
    current.mismatches += peer.head_differs ? 1 : 0;
    ++current.messages;
    ++peer.echoed;
    peer.head_bytes = 0;
    peer.head_differs = false;
    queue_message(peer, now);
  }
}

load_result echo_load::run(std::chrono::nanoseconds duration) {
  phase current;
  const auto cpu_start = cpu_used();
  const auto start = steady::now();
  const auto deadline = start + duration;
  auto last_progress = start;
  epoll_event events[max_events];
  for (auto now = start; now < deadline; now = steady::now()) {
    const auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(std::min<steady::duration>(deadline - now, stall_limit));
    const int ready = epoll_wait(epoll_, events, max_events, static_cast<int>(wait.count()));
    const std::uint64_t before = current.messages;
    for (int i = 0; i < ready; ++i) {
      connection& peer = connections_[events[i].data.u32];
      if (events[i].events & EPOLLOUT) {
        flush(peer);
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        on_readable(peer, current);
      }
    }
    if (current.messages != before) {
      last_progress = steady::now();
    } else if (steady::now() - last_progress >= stall_limit) {
      throw std::runtime_error("no echo for 2 s: the server stalled or lost data");
    }
  }
  load_result result;
  result.seconds = std::chrono::duration<double>(steady::now() - start).count();
  result.messages = current.messages;
  result.mismatches = current.mismatches;
  result.p50_us = static_cast<double>(quantile(current.latencies_ns, 0.50)) / 1000.0;
  result.p99_us = static_cast<double>(quantile(current.latencies_ns, 0.99)) / 1000.0;
  result.client_cpu_share = std::chrono::duration<double>(cpu_used() - cpu_start).count() / result.seconds;
  return result;
}

}  // namespace bench
