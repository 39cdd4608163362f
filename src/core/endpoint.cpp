#include "polyport/endpoint.hpp"

#include "polyport/destination.hpp"

#include <arpa/inet.h>

#include <string>

namespace polyport {

std::string ip_address::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
  std::string terminated(text);
  ip_address out;
  if (inet_pton(AF_INET, terminated.c_str(), out.bytes.data()) == 1) {
    return out;
  }
  out.is_v6 = true;
  if (inet_pton(AF_INET6, terminated.c_str(), out.bytes.data()) == 1) {
    return out;
  }
  return std::nullopt;
}

std::string endpoint::to_string() const {
  if (!path.empty()) {
    return path;
  }
  std::string ip = address.to_string();
  return (address.is_v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

}  // namespace polyport

namespace polyport {

std::string destination::to_string() const {
  return std::string(polyport::to_string(transport)) + " " + address.to_string();
}

}  // namespace polyport
