#include "polyport/stun_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

#include "polyport/stun.hpp"

namespace polyport::stun {
namespace {

endpoint at(std::string_view ip, std::uint16_t port) { return endpoint{*ip_address::parse(ip), port, {}}; }

// A binding_client whose socket is a list of what it sent.
struct scripted_client {
  explicit scripted_client(client_settings settings)
      : client(
            io,
            [this](std::span<const std::byte> datagram, const endpoint& to) {
              sent.emplace_back(datagram.begin(), datagram.end());
              destinations.push_back(to);
            },
            settings) {}

  transaction_id last_id() const { return message_view::parse(sent.back()).value().id(); }

  boost::asio::io_context io;
  std::vector<std::vector<std::byte>> sent;
  std::vector<endpoint> destinations;
  binding_client client;
  std::optional<result<endpoint>> outcome;
};

std::vector<std::byte> success(const transaction_id& id, const endpoint& mapped) {
  message_builder response(message_class::success_response, binding, id);
  response.add_address(attribute::xor_mapped_address, mapped);
  return std::move(response).finish().value();
}

TEST(stun_client, sends_rc_requests_of_one_transaction_then_gives_up) {
  scripted_client script({.rto = std::chrono::milliseconds(1), .max_sends = 4, .last_wait_factor = 2});
  script.client.query(at("::1", 3478), [&](result<endpoint> got) { script.outcome = std::move(got); });
  script.io.run();
  ASSERT_TRUE(script.outcome);
  ASSERT_FALSE(script.outcome->ok());
  EXPECT_EQ(script.outcome->error().message, "no answer from STUN server [::1]:3478 after 4 requests in 9 ms");
  ASSERT_EQ(script.sent.size(), 4U);
  for (const auto& request : script.sent) {
    EXPECT_EQ(request, script.sent.front());  // retransmissions repeat the transaction
  }
  auto view = message_view::parse(script.sent.front());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->kind(), message_class::request);
  EXPECT_TRUE(view->fingerprint_valid());
  EXPECT_EQ(script.client.pending(), 0U);
}

TEST(stun_client, matches_the_answer_and_checks_its_source) {
  scripted_client script({});
  endpoint server = at("127.0.0.1", 3478);
  script.client.query(server, [&](result<endpoint> got) { script.outcome = std::move(got); });
  auto id = script.last_id();
  auto other = id;
  other[11] ^= 1;
  EXPECT_FALSE(script.client.offer(success(other, at("10.0.0.1", 1)), server));             // not ours: the protocol's
  EXPECT_TRUE(script.client.offer(success(id, at("10.0.0.2", 2)), at("127.0.0.2", 3478)));  // forged source
  EXPECT_FALSE(script.outcome);
  EXPECT_TRUE(script.client.offer(success(id, at("10.0.0.3", 3)), server));
  ASSERT_TRUE(script.outcome && script.outcome->ok());
  EXPECT_EQ(**script.outcome, at("10.0.0.3", 3));
  EXPECT_FALSE(script.client.offer(success(id, at("10.0.0.3", 3)), server));  // a late duplicate
}

TEST(stun_client, destroying_it_cancels_pending_queries) {
  boost::asio::io_context io;
  std::optional<result<endpoint>> outcome;
  {
    binding_client client(io, [](std::span<const std::byte>, const endpoint&) {}, {});
    client.query(at("127.0.0.1", 3478), [&](result<endpoint> got) { outcome = std::move(got); });
  }
  io.run();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->error().message, "STUN query cancelled");
}

}  // namespace
}  // namespace polyport::stun
