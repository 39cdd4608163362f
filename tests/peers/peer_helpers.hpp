#pragma once
// What the peer and command-line tests share: a `polyport serve` they start and read the
// listening lines of, raw client sockets with deadlines (a client that is not ours), and a check
// that fails, never skips, when a peer program is missing.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace polyport::testing {

// Fails the calling test with a message naming the package when `program` is not on PATH.
::testing::AssertionResult has_program(const std::string& program, const std::string& package);

// One `listening <scheme> <transport> <where>` line of `polyport serve`.
struct listening_line {
  std::string scheme;
  std::string transport;
  std::string where;  // "127.0.0.1:5315", "[::1]:5315" or a socket path
  std::uint16_t port = 0;  // 0 for unix
};
std::optional<listening_line> parse_listening_line(const std::string& line);

// `polyport serve --workers 1 URL...`, started and read until each URL has printed its line.
class served {
 public:
  explicit served(const std::vector<std::string>& urls, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // False with the output so far when a listening line did not come.
  ::testing::AssertionResult ready() const;
  const std::vector<listening_line>& listeners() const { return listeners_; }
  std::uint16_t port(std::size_t index = 0) const { return listeners_.at(index).port; }
  child_process& process() { return *process_; }

 private:
  std::unique_ptr<child_process> process_;
  std::vector<listening_line> listeners_;
  std::string problem_;
};

// A blocking client socket closed on destruction; every read has a deadline.
class raw_client {
 public:
  static std::optional<raw_client> tcp(const std::string& ip, std::uint16_t port);
  static std::optional<raw_client> unix_socket(const std::string& path);
  raw_client(raw_client&& other) noexcept;
  raw_client& operator=(raw_client&&) = delete;
  ~raw_client();

  bool send_all(const std::string& data);
  // Reads until `size` bytes came, the peer closed, or the deadline.
  std::string read_exactly(std::size_t size, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the peer closed (end of stream or reset) before the deadline.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  explicit raw_client(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

// A listening TCP socket on 127.0.0.1 that never accepts: connections complete in the kernel's
// backlog and then hear nothing.
class silent_listener {
 public:
  silent_listener();
  ~silent_listener();
  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace polyport::testing
