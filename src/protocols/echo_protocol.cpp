#include "polyport/echo_protocol.hpp"

namespace polyport {

std::vector<polyport::transport> echo_protocol::transports(std::string_view) const {
  return {transport::tcp, transport::tls, transport::unix_stream, transport::udp, transport::dtls, transport::ws, transport::wss};
}

void echo_protocol::on_message(connection& conn, std::span<const std::byte> message) {
  if (conn.message_is_text()) {
    conn.send_text(std::string_view(reinterpret_cast<const char*>(message.data()), message.size()));
    return;
  }
  conn.send(message);
}

void echo_protocol::on_writable(connection& conn, bool writable) {
  if (writable) {
    conn.resume_reading();
  } else {
    conn.pause_reading();
  }
}

}  // namespace polyport
