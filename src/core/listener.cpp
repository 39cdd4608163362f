#include "polyport/listener.hpp"

namespace polyport {

std::string listener::description() const {
  return std::string(scheme()) + " " + std::string(to_string(transport())) + " " + local().to_string();
}

result<void> listener::send_to(std::span<const std::byte>, const endpoint&) {
  return error{"send_to needs a udp listener; " + description() + " is not one"};
}

}  // namespace polyport
