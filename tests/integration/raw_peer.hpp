#pragma once
// A client socket the test controls byte by byte, outside polyport: plain TCP, TLS (OpenSSL,
// without verification), a Unix-domain socket, or a connected UDP socket (each write one
// datagram; open sends an empty one so the listener makes the peer a connection). Every wait has a deadline, so a test that
// waits for bytes that never come fails instead of hanging.
// Thread safety: distinct objects: safe. Shared objects: unsafe.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "polyport/endpoint.hpp"
#include "polyport/transport.hpp"

typedef struct ssl_st SSL;

namespace polyport::testing {

using namespace std::chrono_literals;

class raw_peer {
 public:
  // Connects to `to` (a unix socket when to.path is set) and, for tls, completes the handshake.
  // On failure the peer is not connected and error() says why.
  static raw_peer open(polyport::transport kind, const endpoint& to, std::chrono::milliseconds timeout = 5s);

  raw_peer() = default;
  raw_peer(raw_peer&& other) noexcept;
  raw_peer& operator=(raw_peer&& other) noexcept;
  ~raw_peer();

  bool connected() const { return fd_ >= 0 && error_.empty(); }
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }

  // Writes everything or fails (false) at the deadline or on an error.
  bool write_all(std::string_view bytes, std::chrono::milliseconds timeout = 5s);
  bool write_all(std::span<const std::byte> bytes, std::chrono::milliseconds timeout = 5s);
  // Writes what the socket takes now, without waiting: 0 when it would block; nullopt on error.
  std::optional<std::size_t> try_write(std::span<const std::byte> bytes);
  // Waits until the socket can take more bytes.
  bool wait_writable(std::chrono::milliseconds timeout);

  // Reads exactly `count` bytes; returns what it got by the deadline (shorter on EOF or timeout).
  std::string read_exact(std::size_t count, std::chrono::milliseconds timeout = 5s);
  // Reads through the first blank line ("\r\n\r\n"): an HTTP head. Shorter on EOF or timeout.
  std::string read_head(std::chrono::milliseconds timeout = 5s);
  // True once the peer has closed (EOF or reset) before the deadline; discards bytes read.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);

  // Sends TLS close_notify (when tls) and closes the socket.
  void close();
  // Sets SO_RCVBUF (before much traffic), so a peer that does not read fills up sooner.
  void set_receive_buffer(int bytes);

 private:
  enum class read_status { data, would_block, closed };
  read_status read_some(std::string& into, std::size_t limit);
  bool poll_for(short events, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool datagram_ = false;
  std::string error_;
};

}  // namespace polyport::testing
