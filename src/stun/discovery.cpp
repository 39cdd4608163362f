// External-address discovery on demand: a fresh UDP socket per server, asked in turn.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstring>
#include <memory>

#include "polyport/stun.hpp"
#include "stun/ask_in_turn.hpp"
#include "polyport/stun_client.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::stun {

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

udp::endpoint to_asio(const endpoint& at) {
  auto raw = polyport::detail::to_socket_address(at);
  udp::endpoint out;
  std::memcpy(out.data(), raw.get(), raw.length);
  out.resize(raw.length);
  return out;
}

endpoint from_asio(const udp::endpoint& at) {
  sockaddr_storage raw{};
  std::memcpy(&raw, at.data(), at.size());
  return polyport::detail::to_endpoint(raw, static_cast<socklen_t>(at.size()));
}

// One server's query from its own socket; alive while its receive is pending.
class socket_query : public std::enable_shared_from_this<socket_query> {
 public:
  socket_query(asio::io_context& io, const client_settings& settings)
      : socket_(io),
        client_(
            io, [this](std::span<const std::byte> datagram, const endpoint& to) { send(datagram, to); }, settings) {}

  void start(const endpoint& server, mapped_handler done) {
    boost::system::error_code failed;
    socket_.open(server.address.is_v6 ? udp::v6() : udp::v4(), failed);
    if (failed) {
      done(polyport::error{"cannot open a UDP socket: " + failed.message()});
      return;
    }
    receive();
    client_.query(server, [self = shared_from_this(), done = std::move(done)](result<endpoint> outcome) {
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      done(std::move(outcome));
    });
  }

 private:
  void send(std::span<const std::byte> datagram, const endpoint& to) {
    boost::system::error_code ignored;  // a lost send is what the retransmissions are for
    socket_.send_to(asio::buffer(datagram.data(), datagram.size()), to_asio(to), 0, ignored);
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), sender_,
                               [self = shared_from_this()](const boost::system::error_code& failed, std::size_t size) {
                                 if (failed == asio::error::operation_aborted || !self->socket_.is_open()) {
                                   return;
                                 }
                                 if (!failed) {
                                   self->client_.offer(std::span(self->buffer_.data(), size), from_asio(self->sender_));
                                 }
                                 if (self->socket_.is_open()) {
                                   self->receive();
                                 }
                               });
  }

  udp::socket socket_;
  binding_client client_;
  std::array<std::byte, max_message_size> buffer_{};
  udp::endpoint sender_;
};

}  // namespace

void discover_mapped_address(asio::io_context& io, std::vector<endpoint> servers, client_settings settings,
                             mapped_handler done) {
  detail::ask_in_turn(
      std::move(servers),
      [&io, settings = std::move(settings)](const endpoint& server, mapped_handler answered) {
        std::make_shared<socket_query>(io, settings)->start(server, std::move(answered));
      },
      std::move(done));
}

}  // namespace polyport::stun
