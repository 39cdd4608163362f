#pragma once
// Thin, checked wrappers over the socket calls the transports share.

#include <sys/socket.h>

#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

socket_address to_socket_address(const endpoint& at);
endpoint to_endpoint(const sockaddr_storage& address, socklen_t length);
endpoint local_endpoint_of(int fd);

// Fails when another socket listens on `at`. SO_REUSEPORT would let a second process (of the
// same user) silently share the port and take half the connections; a probe bound without it
// is refused instead.
result<void> check_port_free(const endpoint& at);

// A non-blocking listening TCP socket; with reuse_port several may share the port.
result<int> open_tcp_listen_socket(const endpoint& at, bool reuse_port, int backlog);
// A non-blocking listening Unix-domain stream socket. A stale socket file (nobody accepting) is
// replaced; a live one, or a file that is not a socket, is an error.
result<int> open_unix_listen_socket(const std::string& path, int backlog);

// A non-blocking socket for connecting to `to`.
result<int> open_stream_socket(const endpoint& to);

// nodelay (default on for TCP), keepalive and its probes, sndbuf, rcvbuf, reset_on_close.
void apply_stream_options(int fd, bool is_tcp, const options& opts);

// Makes close(2) send a TCP reset at once (SO_LINGER 0), dropping what the kernel still holds.
void reset_on_close(int fd);

// Resolves a listener's host (an IP literal, any-address or a name) through the system resolver.
result<ip_address> resolve_listen_address(const std::string& host, bool any_v6, bool any_v4);

std::string describe_errno(int error_number);

}  // namespace polyport::detail
