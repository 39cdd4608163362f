#include "transport/socket_ops.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace polyport::detail {

std::string describe_errno(int error_number) {
  return std::strerror(error_number);
}

socket_address to_socket_address(const endpoint& at) {
  socket_address out;
  if (!at.path.empty()) {
    auto* un = reinterpret_cast<sockaddr_un*>(&out.storage);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, at.path.data(), std::min(at.path.size(), sizeof un->sun_path - 1));
    out.length = sizeof(sockaddr_un);
  } else if (at.address.is_v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(at.port);
    std::memcpy(&in6->sin6_addr, at.address.bytes.data(), 16);
    out.length = sizeof(sockaddr_in6);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(at.port);
    std::memcpy(&in4->sin_addr, at.address.bytes.data(), 4);
    out.length = sizeof(sockaddr_in);
  }
  return out;
}

endpoint to_endpoint(const sockaddr_storage& address, socklen_t length) {
  endpoint out;
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    out.address.is_v6 = true;
    std::memcpy(out.address.bytes.data(), &in6.sin6_addr, 16);
    out.port = ntohs(in6.sin6_port);
  } else if (address.ss_family == AF_INET) {
    const auto& in4 = reinterpret_cast<const sockaddr_in&>(address);
    std::memcpy(out.address.bytes.data(), &in4.sin_addr, 4);
    out.port = ntohs(in4.sin_port);
  } else if (address.ss_family == AF_UNIX) {
    const auto& un = reinterpret_cast<const sockaddr_un&>(address);
    auto offset = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
    if (length > offset) {
      out.path.assign(un.sun_path, strnlen(un.sun_path, length - offset));
    }
  }
  return out;
}

endpoint local_endpoint_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return {};
  }
  return to_endpoint(address, length);
}

namespace {

void set_flag(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

result<int> fail_and_close(int fd, const std::string& what) {
  int saved = errno;
  ::close(fd);
  return error{what + ": " + describe_errno(saved)};
}

}  // namespace

result<void> check_port_free(const endpoint& at) {
  int probe = ::socket(at.address.is_v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    return error{"socket: " + describe_errno(errno)};
  }
  set_flag(probe, SOL_SOCKET, SO_REUSEADDR, 1);
  if (at.address.is_v6) {
    set_flag(probe, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  socket_address address = to_socket_address(at);
  int status = ::bind(probe, address.get(), address.length);
  int saved = errno;
  ::close(probe);
  if (status != 0) {
    return error{"bind " + at.to_string() + ": " + describe_errno(saved)};
  }
  return {};
}

result<int> open_tcp_listen_socket(const endpoint& at, bool reuse_port, int backlog) {
  int family = at.address.is_v6 ? AF_INET6 : AF_INET;
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return error{"socket: " + describe_errno(errno)};
  }
  set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (reuse_port) {
    set_flag(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  }
  if (family == AF_INET6) {
    // [::] means IPv6 only; listen on 0.0.0.0 as well for IPv4.
    set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  socket_address address = to_socket_address(at);
  if (::bind(fd, address.get(), address.length) != 0) {
    return fail_and_close(fd, "bind " + at.to_string());
  }
  if (::listen(fd, backlog) != 0) {
    return fail_and_close(fd, "listen " + at.to_string());
  }
  return fd;
}

namespace {

// True when something accepts on the socket file at `path`.
bool unix_socket_is_live(const std::string& path) {
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    return false;
  }
  endpoint at;
  at.path = path;
  socket_address address = to_socket_address(at);
  bool live = ::connect(probe, address.get(), address.length) == 0 || errno == EAGAIN;
  ::close(probe);
  return live;
}

}  // namespace

result<int> open_unix_listen_socket(const std::string& path, int backlog) {
  sockaddr_un probe_size{};
  if (path.size() >= sizeof probe_size.sun_path) {
    return error{"unix socket path \"" + path + "\" is longer than " + std::to_string(sizeof probe_size.sun_path - 1) +
                 " bytes"};
  }
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return error{"bind " + path + ": the file exists and is not a socket"};
    }
    if (unix_socket_is_live(path)) {
      return error{"bind " + path + ": another process is accepting on it"};
    }
    ::unlink(path.c_str());  // stale: left by a process that did not clean up
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return error{"socket: " + describe_errno(errno)};
  }
  endpoint at;
  at.path = path;
  socket_address address = to_socket_address(at);
  if (::bind(fd, address.get(), address.length) != 0) {
    return fail_and_close(fd, "bind " + path);
  }
  if (::listen(fd, backlog) != 0) {
    return fail_and_close(fd, "listen " + path);
  }
  return fd;
}

result<int> open_stream_socket(const endpoint& to) {
  int family = !to.path.empty() ? AF_UNIX : (to.address.is_v6 ? AF_INET6 : AF_INET);
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return error{"socket: " + describe_errno(errno)};
  }
  return fd;
}

void reset_on_close(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

void apply_stream_options(int fd, bool is_tcp, const options& opts) {
  if (is_tcp) {
    set_flag(fd, IPPROTO_TCP, TCP_NODELAY, opts.nodelay.value_or(true) ? 1 : 0);
    bool probes_tuned = opts.keepalive_idle || opts.keepalive_interval || opts.keepalive_count;
    if (opts.keepalive || probes_tuned) {
      set_flag(fd, SOL_SOCKET, SO_KEEPALIVE, opts.keepalive.value_or(true) ? 1 : 0);
    }
    for (auto [option, value] : {std::pair{TCP_KEEPIDLE, opts.keepalive_idle}, std::pair{TCP_KEEPINTVL, opts.keepalive_interval},
                                 std::pair{TCP_KEEPCNT, opts.keepalive_count}}) {
      if (value) {
        set_flag(fd, IPPROTO_TCP, option, static_cast<int>(*value));
      }
    }
  }
  if (opts.reset_on_close.value_or(false)) {
    // A positive linger is not offered: on Linux it would block the worker inside close(2).
    reset_on_close(fd);
  }
  if (opts.sndbuf) {
    set_flag(fd, SOL_SOCKET, SO_SNDBUF, static_cast<int>(*opts.sndbuf));
  }
  if (opts.rcvbuf) {
    set_flag(fd, SOL_SOCKET, SO_RCVBUF, static_cast<int>(*opts.rcvbuf));
  }
}

result<ip_address> resolve_listen_address(const std::string& host, bool any_v6, bool any_v4) {
  if (any_v6) {
    return ip_address{true, {}};
  }
  if (any_v4) {
    return ip_address{};
  }
  if (auto literal = ip_address::parse(host)) {
    return *literal;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int status = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (status != 0 || found == nullptr) {
    return error{"cannot resolve \"" + host + "\": " + ::gai_strerror(status)};
  }
  endpoint first = to_endpoint(*reinterpret_cast<const sockaddr_storage*>(found->ai_addr), found->ai_addrlen);
  ::freeaddrinfo(found);
  return first.address;
}

}  // namespace polyport::detail
