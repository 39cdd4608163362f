#include "raw_peer.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "transport/socket_ops.hpp"
#include "transport/udp_socket.hpp"

namespace polyport::testing {

namespace {

using clock = std::chrono::steady_clock;

// One client context for every TLS peer: the tests check polyport's server, not certificates.
SSL_CTX* client_context() {
  static SSL_CTX* context = [] {
    SSL_CTX* made = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(made, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_mode(made, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return made;
  }();
  return context;
}

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

raw_peer raw_peer::open(polyport::transport kind, const endpoint& to, std::chrono::milliseconds timeout) {
  raw_peer peer;
  if (kind == polyport::transport::udp) {
    auto fd = detail::open_connected_udp_socket(to, {});
    if (!fd) {
      peer.error_ = fd.error().message;
      return peer;
    }
    peer.fd_ = *fd;
    peer.datagram_ = true;
    // An empty datagram: the listener makes the peer a connection, as a TCP connect would.
    if (::send(peer.fd_, "", 0, 0) != 0) {
      peer.error_ = std::strerror(errno);
    }
    return peer;
  }
  auto deadline = clock::now() + timeout;
  auto fd = detail::open_stream_socket(to);
  if (!fd) {
    peer.error_ = fd.error().message;
    return peer;
  }
  peer.fd_ = *fd;
  detail::socket_address address = detail::to_socket_address(to);
  if (::connect(peer.fd_, address.get(), address.length) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      peer.error_ = std::strerror(errno);
      return peer;
    }
    if (!peer.poll_for(POLLOUT, deadline)) {
      peer.error_ = "connect timed out";
      return peer;
    }
    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    ::getsockopt(peer.fd_, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) {
      peer.error_ = std::strerror(socket_error);
      return peer;
    }
  }
  if (kind != polyport::transport::tls) {
    return peer;
  }
  peer.ssl_ = SSL_new(client_context());
  SSL_set_fd(peer.ssl_, peer.fd_);
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(peer.ssl_);
    if (rc == 1) {
      return peer;
    }
    int why = SSL_get_error(peer.ssl_, rc);
    short events = why == SSL_ERROR_WANT_READ ? POLLIN : why == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      peer.error_ = "TLS handshake failed (" + std::to_string(why) + ")";
      ERR_clear_error();
      return peer;
    }
    if (!peer.poll_for(events, deadline)) {
      peer.error_ = "TLS handshake timed out";
      return peer;
    }
  }
}

raw_peer::raw_peer(raw_peer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      datagram_(other.datagram_),
      error_(std::move(other.error_)) {}

raw_peer& raw_peer::operator=(raw_peer&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    ssl_ = std::exchange(other.ssl_, nullptr);
    datagram_ = other.datagram_;
    error_ = std::move(other.error_);
  }
  return *this;
}

raw_peer::~raw_peer() {
  close();
}

void raw_peer::close() {
  if (ssl_ != nullptr) {
    if (SSL_is_init_finished(ssl_) == 1) {
      SSL_shutdown(ssl_);
    }
    ERR_clear_error();
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void raw_peer::set_receive_buffer(int bytes) {
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

bool raw_peer::poll_for(short events, clock::time_point deadline) {
  for (;;) {
    pollfd waited{fd_, events, 0};
    int rc = ::poll(&waited, 1, remaining_ms(deadline));
    if (rc > 0) {
      return true;
    }
    if (rc == 0 || errno != EINTR) {
      return false;
    }
  }
}

std::optional<std::size_t> raw_peer::try_write(std::span<const std::byte> bytes) {
  if (bytes.empty()) {
    return 0;
  }
  if (ssl_ != nullptr) {
    ERR_clear_error();
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1) {
      return written;
    }
    int why = SSL_get_error(ssl_, 0);
    ERR_clear_error();
    if (why == SSL_ERROR_WANT_WRITE || why == SSL_ERROR_WANT_READ) {
      return 0;
    }
    return std::nullopt;
  }
  ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (n >= 0) {
    return static_cast<std::size_t>(n);
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return 0;
  }
  return std::nullopt;
}

bool raw_peer::wait_writable(std::chrono::milliseconds timeout) {
  return poll_for(POLLOUT, clock::now() + timeout);
}

bool raw_peer::write_all(std::string_view bytes, std::chrono::milliseconds timeout) {
  return write_all(std::as_bytes(std::span(bytes.data(), bytes.size())), timeout);
}

bool raw_peer::write_all(std::span<const std::byte> bytes, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!bytes.empty()) {
    auto written = try_write(bytes);
    if (!written) {
      return false;
    }
    bytes = bytes.subspan(*written);
    if (!bytes.empty() && *written == 0 && !poll_for(POLLOUT, deadline)) {
      return false;
    }
  }
  return true;
}

raw_peer::read_status raw_peer::read_some(std::string& into, std::size_t limit) {
  char buffer[64 * 1024];
  std::size_t wanted = std::min(limit, sizeof buffer);
  if (ssl_ != nullptr) {
    ERR_clear_error();
    std::size_t got = 0;
    if (SSL_read_ex(ssl_, buffer, wanted, &got) == 1) {
      into.append(buffer, got);
      return read_status::data;
    }
    int why = SSL_get_error(ssl_, 0);
    ERR_clear_error();
    return why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE ? read_status::would_block : read_status::closed;
  }
  ssize_t n = ::recv(fd_, buffer, datagram_ ? sizeof buffer : wanted, 0);
  if (n > 0 || (n == 0 && datagram_)) {
    into.append(buffer, static_cast<std::size_t>(n));
    return read_status::data;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return read_status::would_block;
  }
  return read_status::closed;
}

std::string raw_peer::read_exact(std::size_t count, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::string received;
  while (received.size() < count) {
    read_status status = read_some(received, count - received.size());
    if (status == read_status::closed) {
      break;
    }
    if (status == read_status::would_block && !poll_for(POLLIN, deadline)) {
      break;
    }
  }
  return received;
}

std::string raw_peer::read_head(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::string head;
  // A byte at a time, so nothing after the head is taken from the socket.
  while (!head.ends_with("\r\n\r\n")) {
    std::string next = read_exact(1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
    if (next.empty()) {
      break;
    }
    head += next;
  }
  return head;
}

bool raw_peer::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::string discarded;
  for (;;) {
    discarded.clear();
    read_status status = read_some(discarded, 64 * 1024);
    if (status == read_status::closed) {
      return true;
    }
    if (status == read_status::would_block && !poll_for(POLLIN, deadline)) {
      return false;
    }
  }
}

}  // namespace polyport::testing
