// connect_load: an epoll load generator of short connections to a TCP echo server on 127.0.0.1.
//
// `concurrency` slots each repeat: non-blocking connect, send one message, read its echo in
// full, close; then the slot starts over at once. What it measures is the server's accept path
// (accept, the connection's setup and teardown) more than its data path. The client closes
// first, so TIME_WAIT stays on its side; loopback reuses those ports (tcp_tw_reuse = 2, Linux's
// default), and only `concurrency` descriptors are open at a time, far below the 20,000 cap.
//
// Thread-safety: one object from one thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct connect_result {
  std::uint64_t connections = 0;  // connect + round trip + close completed within the phase
  double seconds = 0;
  double p50_us = 0;  // from connect() to the whole echo received
  double p99_us = 0;
  double client_cpu_share = 0;

  double connections_per_second() const { return seconds > 0 ? static_cast<double>(connections) / seconds : 0; }
};

class connect_load {
 public:
  // `proxy_v2_header`: each connection sends a PROXY v2 header (not echoed) with its message.
  connect_load(int port, int concurrency, std::size_t message_size, bool proxy_v2_header = false);
  ~connect_load();
  connect_load(const connect_load&) = delete;
  connect_load& operator=(const connect_load&) = delete;

  // Keeps every slot busy for `duration` and reports that phase alone. Throws when a connection
  // fails, the echo differs, or nothing completes for 2 s.
  connect_result run(std::chrono::nanoseconds duration);

 private:
  struct slot {
    int fd = -1;
    bool connected = false;
    std::size_t received = 0;
    std::int64_t started_ns = 0;
  };

  void open_slot(slot& s);
  void close_slot(slot& s);
  // Returns true when the slot's connection completed its round trip.
  bool on_event(slot& s, std::uint32_t events);

  int port_;
  std::string message_;
  bool proxy_v2_header_;
  int epoll_ = -1;
  std::vector<slot> slots_;
  std::vector<char> read_buffer_;
};

}  // namespace bench
