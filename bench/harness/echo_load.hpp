// echo_load: an epoll load generator for a TCP echo server on 127.0.0.1.
//
// Each connection keeps `in_flight` messages of `message_size` bytes outstanding and sends a new
// one as each echo completes. Echo keeps order per connection, so a per-connection FIFO of send
// times gives every message's round trip, and the bytes expected back are known exactly:
// every echoed byte is compared with what was sent.
//
// Thread-safety: one object from one thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct load_shape {
  int connections = 1;
  int in_flight = 1;
  std::size_t message_size = 64;
  bool proxy_v2_header = false;  // each connection first sends a PROXY v2 header (not echoed)
};

struct load_result {
  std::uint64_t messages = 0;  // round trips completed within the phase
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::uint64_t mismatches = 0;  // echoed messages whose bytes differ from the ones sent
  double client_cpu_share = 0;   // this process's CPU time / wall time: near 1.0 means client-bound

  double messages_per_second() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
};

class echo_load {
 public:
  // Connects and puts the first messages in flight. Throws std::runtime_error on failure.
  echo_load(int port, load_shape shape);
  ~echo_load();
  echo_load(const echo_load&) = delete;
  echo_load& operator=(const echo_load&) = delete;

  // Keeps every pipeline full for `duration` and reports that phase alone (call it once to warm
  // up, again to measure). Throws when the server closes a connection or echoes nothing for 2 s.
  load_result run(std::chrono::nanoseconds duration);

 private:
  struct connection {
    int fd = -1;
    std::size_t pattern_offset = 0;  // where this connection's byte stream starts
    std::uint64_t sent = 0;          // messages queued so far
    std::uint64_t echoed = 0;        // messages fully received back
    std::size_t head_bytes = 0;      // bytes of the oldest outstanding message received
    bool head_differs = false;
    std::vector<std::int64_t> sent_at_ns;  // ring: message n was sent at [n % in_flight]
    std::string outgoing;
    std::size_t outgoing_written = 0;
    bool waiting_writable = false;
  };
  struct phase;

  const char* message_bytes(const connection& peer, std::uint64_t message) const;
  void queue_message(connection& peer, std::int64_t now_ns);
  void flush(connection& peer);
  void set_writable_interest(connection& peer, bool wanted);
  void on_readable(connection& peer, phase& current);
  void consume(connection& peer, const char* data, std::size_t size, std::int64_t now_ns, phase& current);

  load_shape shape_;
  std::string pattern_;
  int epoll_ = -1;
  std::vector<connection> connections_;
  std::vector<char> read_buffer_;
};

}  // namespace bench
