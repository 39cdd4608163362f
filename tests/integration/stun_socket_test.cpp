// The wiring a UDP listener does for STUN, on one socket driven by an io_context thread (a
// worker): each datagram goes to the socket's binding_client while it has queries pending, then
// to the binding_responder (udp_stun_reply), then to the protocol. Two such sockets ask each
// other at once and each learns its own address (NkPACKET's udp_test `stun`).

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <future>
#include <thread>

#include "polyport/stun.hpp"
#include "polyport/stun_client.hpp"
#include "polyport/stun_server.hpp"
#include "support/udp_peer.hpp"
#include "support/udp_stun_server.hpp"
#include "transport/socket_ops.hpp"

namespace polyport {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

endpoint loopback(std::uint16_t port) { return endpoint{*ip_address::parse("127.0.0.1"), port, {}}; }

// A stand-in for a UDP listener's socket with udp_stun_reply on.
class listener_socket {
 public:
  explicit listener_socket(asio::io_context& io)
      : socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        client_(io, [this](std::span<const std::byte> datagram, const endpoint& to) { send(datagram, to); },
                {.rto = std::chrono::milliseconds(100)}) {
    receive();
  }

  endpoint local() const { return loopback(socket_.local_endpoint().port()); }
  std::size_t protocol_datagrams() const { return protocol_datagrams_; }
  // From the io_context thread.
  void query(const endpoint& server, stun::mapped_handler done) { client_.query(server, std::move(done)); }

 private:
  void send(std::span<const std::byte> datagram, const endpoint& to) {
    auto raw = detail::to_socket_address(to);
    udp::endpoint destination;
    std::memcpy(destination.data(), raw.get(), raw.length);
    destination.resize(raw.length);
    boost::system::error_code ignored;
    socket_.send_to(asio::buffer(datagram.data(), datagram.size()), destination, 0, ignored);
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), sender_,
                               [this](boost::system::error_code failed, std::size_t size) {
                                 if (failed) {
                                   return;
                                 }
                                 std::span<const std::byte> datagram(buffer_.data(), size);
                                 endpoint from = loopback(sender_.port());
                                 if (client_.pending() == 0 || !client_.offer(datagram, from)) {
                                   if (auto reply = responder_.answer(datagram, from)) {
                                     if (!reply->empty()) {
                                       send(*reply, from);
                                     }
                                   } else {
                                     ++protocol_datagrams_;
                                   }
                                 }
                                 receive();
                               });
  }

  udp::socket socket_;
  stun::binding_responder responder_;
  stun::binding_client client_;
  std::array<std::byte, 4096> buffer_{};
  udp::endpoint sender_;
  std::atomic<std::size_t> protocol_datagrams_{0};
};

class stun_socket : public ::testing::Test {
 protected:
  ~stun_socket() override {
    io_.stop();
    worker_.join();
  }
  std::future<result<endpoint>> ask(listener_socket& from, const endpoint& server) {
    auto promise = std::make_shared<std::promise<result<endpoint>>>();
    asio::post(io_, [&from, server, promise] {
      from.query(server, [promise](result<endpoint> got) { promise->set_value(std::move(got)); });
    });
    return promise->get_future();
  }

  asio::io_context io_;
  listener_socket first_{io_};
  listener_socket second_{io_};
  std::thread worker_{[this] { io_.run(); }};
};

TEST_F(stun_socket, two_listener_sockets_learn_their_addresses_from_each_other) {
  auto first_asks = ask(first_, second_.local());
  auto second_asks = ask(second_, first_.local());
  auto first_mapped = first_asks.get();
  auto second_mapped = second_asks.get();
  ASSERT_TRUE(first_mapped.ok()) << first_mapped.error().message;
  ASSERT_TRUE(second_mapped.ok()) << second_mapped.error().message;
  EXPECT_EQ(*first_mapped, first_.local());
  EXPECT_EQ(*second_mapped, second_.local());
  EXPECT_EQ(first_.protocol_datagrams(), 0U);
}

TEST_F(stun_socket, asks_a_server_from_the_listener_socket_and_leaves_other_datagrams_to_the_protocol) {
  testing::udp_stun_server server("127.0.0.1");
  auto mapped = ask(first_, loopback(server.port())).get();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(*mapped, first_.local());

  testing::udp_peer peer;
  std::string hello = "hello";
  peer.send_to(std::as_bytes(std::span(hello.data(), hello.size())), first_.local());
  // A Binding response nobody waits for is the protocol's too.
  peer.send_to(
      stun::message_builder(stun::message_class::success_response, stun::binding, stun::random_transaction_id())
          .finish()
          .value(),
      first_.local());
  auto request = stun::message_builder(stun::message_class::request, stun::binding, stun::random_transaction_id())
                     .finish()
                     .value();
  peer.send_to(request, first_.local());
  auto reply = peer.receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(stun::message_view::parse(reply->bytes).value().mapped_address().value(), peer.local());
  EXPECT_EQ(first_.protocol_datagrams(), 2U);
}

}  // namespace
}  // namespace polyport
