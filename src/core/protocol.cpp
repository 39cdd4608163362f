#include "polyport/protocol.hpp"

#include <string>

#include "polyport/framer.hpp"
#include "url/url_text.hpp"

namespace polyport {

std::vector<polyport::transport> protocol::transports(std::string_view) const {
  return {transport::tcp, transport::tls, transport::unix_stream, transport::ws, transport::wss};
}

std::optional<std::uint16_t> protocol::default_port(polyport::transport) const {
  return std::nullopt;
}

std::optional<polyport::transport> protocol::naptr(std::string_view scheme, std::string_view service) const {
  struct convention {
    std::string_view suffix;  // after the scheme
    polyport::transport transport;
  };
  static constexpr convention conventions[] = {
      {"+d2u", transport::udp}, {"+d2t", transport::tcp}, {"s+d2t", transport::tls},
      {"+d2s", transport::sctp}, {"+d2w", transport::ws}, {"s+d2w", transport::wss},
  };
  std::string wanted = detail::to_lower(service);
  std::string base = detail::to_lower(scheme);
  for (const convention& c : conventions) {
    if (wanted == base + std::string(c.suffix)) {
      return c.transport;
    }
  }
  return std::nullopt;
}

void protocol::on_listen(listener&) {}
void protocol::on_listen_stop(listener&) {}
void protocol::on_datagram(listener&, std::span<const std::byte>, const endpoint&) {}
void protocol::on_open(connection&) {}

std::size_t protocol::on_data(connection& conn, std::span<const std::byte> bytes) {
  const framer& framing = conn.framer();
  std::size_t consumed = 0;
  while (conn.is_open()) {
    frame_step step = framing.next(bytes.subspan(consumed));
    if (step.result == frame_step::outcome::need_more) {
      break;
    }
    if (step.result == frame_step::outcome::invalid) {
      conn.close_with(close_reason::frame_error, std::move(step.error));
      break;
    }
    consumed += step.consumed;
    on_message(conn, step.payload);
  }
  return consumed;
}

void protocol::on_message(connection&, std::span<const std::byte>) {}

void protocol::on_http(connection&, const http_request&, http_response& response) {
  response.status = 404;
  response.set_header("Content-Type", "text/plain");
  response.body = "not found\n";
}

bool protocol::on_http_stream(connection&, const http_request&) {
  return false;
}

bool protocol::on_http_body(connection&, const http_request&, std::span<const std::byte>) {
  return true;
}

idle_action protocol::on_idle(connection&) {
  return idle_action::close;
}

void protocol::on_writable(connection&, bool) {}
void protocol::on_close(connection&, const close_info&) {}

std::shared_ptr<const framer> protocol::make_framer(const options& opts) const {
  return polyport::make_framer(opts.tcp_packet.value_or(framing::raw), opts.max_frame.value_or(default_max_frame));
}

}  // namespace polyport
