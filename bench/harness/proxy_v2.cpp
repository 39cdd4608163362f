#include "proxy_v2.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

void append_be16(std::string& out, unsigned value) {
  out.push_back(static_cast<char>(value >> 8 & 0xff));
  out.push_back(static_cast<char>(value & 0xff));
}

}  // namespace

std::string proxy_v2_header_for(int fd) {
  sockaddr_storage local{};
  sockaddr_storage remote{};
  socklen_t local_length = sizeof local;
  socklen_t remote_length = sizeof remote;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_length) != 0) {
    throw std::runtime_error("PROXY header: the socket has no addresses");
  }
  static constexpr char signature[] = "\r\n\r\n\0\r\nQUIT\n";
  std::string header(signature, 12);
  header.push_back('\x21');  // version 2, PROXY
  if (local.ss_family == AF_INET) {
    const auto& from = reinterpret_cast<const sockaddr_in&>(local);
    const auto& to = reinterpret_cast<const sockaddr_in&>(remote);
    header.push_back('\x11');  // AF_INET, STREAM
    append_be16(header, 12);
    header.append(reinterpret_cast<const char*>(&from.sin_addr), 4);
    header.append(reinterpret_cast<const char*>(&to.sin_addr), 4);
    append_be16(header, ntohs(from.sin_port));
    append_be16(header, ntohs(to.sin_port));
    return header;
  }
  const auto& from = reinterpret_cast<const sockaddr_in6&>(local);
  const auto& to = reinterpret_cast<const sockaddr_in6&>(remote);
  header.push_back('\x21');  // AF_INET6, STREAM
  append_be16(header, 36);
  header.append(reinterpret_cast<const char*>(&from.sin6_addr), 16);
  header.append(reinterpret_cast<const char*>(&to.sin6_addr), 16);
  append_be16(header, ntohs(from.sin6_port));
  append_be16(header, ntohs(to.sin6_port));
  return header;
}

}  // namespace bench
