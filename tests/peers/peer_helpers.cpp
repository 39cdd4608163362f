#include "peers/peer_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace polyport::testing {

namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

}  // namespace

::testing::AssertionResult has_program(const std::string& program, const std::string& package) {
  if (program_exists(program)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "the peer program \"" << program << "\" is not installed (apt-get install "
                                       << package << "); peer tests fail rather than skip, see PEERS.md";
}

std::optional<listening_line> parse_listening_line(const std::string& line) {
  std::istringstream words(line);
  std::string first;
  listening_line parsed;
  std::string extra;
  if (!(words >> first >> parsed.scheme >> parsed.transport >> parsed.where) || first != "listening" ||
      (words >> extra)) {
    return std::nullopt;
  }
  if (parsed.transport == "unix") {
    return parsed;
  }
  auto colon = parsed.where.rfind(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  try {
    unsigned long port = std::stoul(parsed.where.substr(colon + 1));
    if (port == 0 || port > 65535) {
      return std::nullopt;
    }
    parsed.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return parsed;
}

served::served(const std::vector<std::string>& urls, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{POLYPORT_BINARY, "serve", "--workers", "1"};
  argv.insert(argv.end(), urls.begin(), urls.end());
  process_ = std::make_unique<child_process>(argv);
  auto deadline = clock::now() + timeout;
  std::size_t expected = urls.empty() ? 3 : urls.size();
  while (listeners_.size() < expected) {
    auto line = process_->read_line(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!line) {
      problem_ = "polyport serve printed " + std::to_string(listeners_.size()) + " of " + std::to_string(expected) +
                 " listening lines (exit code " + std::to_string(process_->wait_exit(std::chrono::seconds(1)).value_or(-1)) +
                 ")";
      return;
    }
    auto parsed = parse_listening_line(*line);
    if (!parsed) {
      problem_ = "not a listening line: \"" + *line + "\"";
      return;
    }
    listeners_.push_back(*parsed);
  }
}

::testing::AssertionResult served::ready() const {
  if (problem_.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << problem_;
}

std::optional<raw_client> raw_client::tcp(const std::string& ip, std::uint16_t port) {
  bool v6 = ip.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return std::nullopt;
  }
  int connected = -1;
  if (v6) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &address.sin6_addr);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address = loopback(port);
    ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  if (connected != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return raw_client(fd);
}

std::optional<raw_client> raw_client::unix_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof address.sun_path) {
    return std::nullopt;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return raw_client(fd);
}

raw_client::raw_client(raw_client&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

raw_client::~raw_client() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool raw_client::send_all(const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string raw_client::read_exactly(std::size_t size, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::string received;
  while (received.size() < size) {
    pollfd watch{fd_, POLLIN, 0};
    if (::poll(&watch, 1, remaining_ms(deadline)) <= 0) {
      break;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, std::min(sizeof chunk, size - received.size()), 0);
    if (n <= 0) {
      break;
    }
    received.append(chunk, static_cast<std::size_t>(n));
  }
  return received;
}

bool raw_client::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    pollfd watch{fd_, POLLIN, 0};
    if (::poll(&watch, 1, remaining_ms(deadline)) <= 0) {
      return false;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      return true;
    }
  }
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  std::uint16_t port = bound_port(fd);
  ::close(fd);
  return port;
}

silent_listener::silent_listener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && ::listen(fd_, 16) == 0) {
    port_ = bound_port(fd_);
  }
}

silent_listener::~silent_listener() { ::close(fd_); }

}  // namespace polyport::testing
