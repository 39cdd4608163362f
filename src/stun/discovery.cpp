// External-address discovery on demand: a fresh UDP socket per server, asked in turn.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <array>
#include <memory>

#include "polyport/stun.hpp"
#include "polyport/stun_client.hpp"

namespace polyport::stun {

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

udp::endpoint to_asio(const endpoint& at) {
  if (at.address.is_v6) {
    asio::ip::address_v6::bytes_type bytes;
    std::copy(at.address.bytes.begin(), at.address.bytes.end(), bytes.begin());
    return {asio::ip::address_v6(bytes), at.port};
  }
  asio::ip::address_v4::bytes_type bytes;
  std::copy_n(at.address.bytes.begin(), 4, bytes.begin());
  return {asio::ip::address_v4(bytes), at.port};
}

endpoint from_asio(const udp::endpoint& at) {
  endpoint out;
  out.port = at.port();
  if (at.address().is_v6()) {
    auto bytes = at.address().to_v6().to_bytes();
    out.address.is_v6 = true;
    std::copy(bytes.begin(), bytes.end(), out.address.bytes.begin());
  } else {
    auto bytes = at.address().to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.address.bytes.begin());
  }
  return out;
}

// One server's query from its own socket; alive while its receive is pending.
class socket_query : public std::enable_shared_from_this<socket_query> {
 public:
  socket_query(asio::io_context& io, const client_settings& settings)
      : socket_(io), client_(io, [this](std::span<const std::byte> datagram, const endpoint& to) { send(datagram, to); },
                             settings) {}

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

struct discovery : std::enable_shared_from_this<discovery> {
  void next() {
    if (index == servers.size()) {
      done(polyport::error{failures.empty() ? "no STUN server given" : failures});
      return;
    }
    const endpoint& server = servers[index++];
    auto query = std::make_shared<socket_query>(io, settings);
    query->start(server, [self = shared_from_this(), server](result<endpoint> outcome) {
      if (outcome) {
        self->done(std::move(outcome));
        return;
      }
      self->failures += (self->failures.empty() ? "" : "; ") + outcome.error().message;
      self->next();
    });
  }

  discovery(asio::io_context& context, std::vector<endpoint> list, client_settings with, mapped_handler handler)
      : io(context), servers(std::move(list)), settings(std::move(with)), done(std::move(handler)) {}
  asio::io_context& io;
  std::vector<endpoint> servers;
  client_settings settings;
  mapped_handler done;
  std::size_t index = 0;
  std::string failures;
};

}  // namespace

void discover_mapped_address(asio::io_context& io, std::vector<endpoint> servers, client_settings settings,
                             mapped_handler done) {
  auto search = std::make_shared<discovery>(io, std::move(servers), std::move(settings), std::move(done));
  search->next();
}

}  // namespace polyport::stun
