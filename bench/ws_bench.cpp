// ws_bench: WebSocket echo messages per second of `polyport serve echo://...;transport=ws`
// against a Node `ws` echo server (tests/peers/node/ws_peer_server.js), at 64 B and 4 KiB, in
// alternating rounds of the same run. The load is binary messages from C++ clients (masked, as
// RFC 6455 asks), several in flight on each connection. Prints a Markdown table for
// docs/BENCHMARKS.md on stdout; progress goes to stderr. Run from the repo root.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/flags.hpp"
#include "harness/server_process.hpp"
#include "harness/stats.hpp"

namespace {

struct client {
  int fd = -1;
  std::string in;
  std::string out;
};

std::string masked_frame(std::size_t size) {
  std::string frame;
  frame.push_back(static_cast<char>(0x82));
  if (size <= 125) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xFF));
  }
  frame.append("\x01\x02\x03\x04", 4);
  for (std::size_t i = 0; i < size; ++i) {
    frame.push_back(static_cast<char>('a' ^ (1 + i % 4)));
  }
  return frame;
}

int open_client(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("connect failed");
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string request =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("upgrade write failed");
  }
  std::string head;
  char c = 0;
  while (!head.ends_with("\r\n\r\n") && ::read(fd, &c, 1) == 1) {
    head.push_back(c);
  }
  if (!head.starts_with("HTTP/1.1 101")) {
    throw std::runtime_error("upgrade refused: " + head);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Bytes of the first complete server frame in `bytes` (unmasked), or 0.
std::size_t frame_size(const std::string& bytes) {
  if (bytes.size() < 2) {
    return 0;
  }
  std::size_t length = static_cast<unsigned char>(bytes[1]) & 0x7F;
  std::size_t header = 2;
  if (length == 126) {
    if (bytes.size() < 4) {
      return 0;
    }
    length = (static_cast<unsigned char>(bytes[2]) << 8) | static_cast<unsigned char>(bytes[3]);
    header = 4;
  }
  return bytes.size() >= header + length ? header + length : 0;
}

void flush(client& c) {
  while (!c.out.empty()) {
    ssize_t written = ::write(c.fd, c.out.data(), c.out.size());
    if (written <= 0) {
      return;
    }
    c.out.erase(0, static_cast<std::size_t>(written));
  }
}

// Echoed messages per second over `seconds`, with `connections` × `depth` messages in flight.
double run_load(int port, std::size_t size, int connections, int depth, int seconds) {
  const std::string frame = masked_frame(size);
  int poller = ::epoll_create1(0);
  std::vector<client> clients(static_cast<std::size_t>(connections));
  for (auto& c : clients) {
    c.fd = open_client(port);
    epoll_event event{EPOLLIN, {.ptr = &c}};
    ::epoll_ctl(poller, EPOLL_CTL_ADD, c.fd, &event);
    for (int i = 0; i < depth; ++i) {
      c.out += frame;
    }
    flush(c);
  }
  std::uint64_t echoed = 0;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::seconds(seconds);
  std::vector<char> buffer(256 * 1024);
  epoll_event events[64];
  while (std::chrono::steady_clock::now() < end) {
    int ready = ::epoll_wait(poller, events, 64, 100);
    for (int i = 0; i < ready; ++i) {
      auto& c = *static_cast<client*>(events[i].data.ptr);
      ssize_t got = ::read(c.fd, buffer.data(), buffer.size());
      if (got > 0) {
        c.in.append(buffer.data(), static_cast<std::size_t>(got));
      }
      std::size_t at = 0;
      for (std::size_t n; (n = frame_size(c.in.substr(at, 4 + size))) != 0; at += n) {
        ++echoed;
        c.out += frame;
      }
      c.in.erase(0, at);
      flush(c);
    }
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& c : clients) {
    ::close(c.fd);
  }
  ::close(poller);
  return static_cast<double>(echoed) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  bench::flags options(argc, argv,
                       {{"polyport", "build/polyport serve --workers 1 \"echo://127.0.0.1:0;transport=ws;idle_timeout=600000\""},
                        {"node", "node tests/peers/node/ws_peer_server.js"},
                        {"seconds", "3"},
                        {"rounds", "3"},
                        {"connections", "16"},
                        {"depth", "8"}},
                       "ws_bench [--polyport CMD] [--node CMD] [--seconds N] [--rounds N] [--connections N] [--depth N]");
  bench::server_process polyport("polyport", options.text("polyport"), -1);
  bench::server_process node("node ws", options.text("node"), -1);
  int seconds = options.positive("seconds");
  int connections = options.positive("connections");
  int depth = options.positive("depth");
  std::printf("Command: `%s`\n\n", bench::quoted_command_line(argc, argv).c_str());
  std::printf("| message | polyport msgs/s | node ws msgs/s | ratio |\n|---|---|---|---|\n");
  for (std::size_t size : {std::size_t{64}, std::size_t{4096}}) {
    std::vector<double> ours, theirs;
    for (int round = 0; round < options.positive("rounds"); ++round) {
      ours.push_back(run_load(polyport.port(), size, connections, depth, seconds));
      theirs.push_back(run_load(node.port(), size, connections, depth, seconds));
      std::fprintf(stderr, "%zu B round %d: polyport %.0f, node %.0f messages/s\n", size, round + 1, ours.back(),
                   theirs.back());
    }
    double a = bench::median(ours);
    double b = bench::median(theirs);
    std::printf("| %zu B, %d connections × %d in flight | %.0f | %.0f | %.2f× |\n", size, connections, depth, a, b,
                a / b);
  }
  return 0;
}
