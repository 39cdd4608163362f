#include "http_wire.hpp"

namespace polyport::testing {

std::string read_http_response(raw_peer& peer) {
  std::string head = peer.read_head();
  if (!head.ends_with("\r\n\r\n")) {
    return head;
  }
  auto at = head.find("Content-Length: ");
  std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
  return head + peer.read_exact(length);
}

}  // namespace polyport::testing
