#include "polyport/listener.hpp"

namespace polyport {

std::string listener::description() const {
  return std::string(scheme()) + " " + std::string(to_string(transport())) + " " + local().to_string();
}

}  // namespace polyport
