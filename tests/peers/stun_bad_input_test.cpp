// Hostile datagrams against the Binding responder (truncated, garbage, bad length, bad
// FINGERPRINT, oversized: dropped and counted, 420 for an unknown comprehension-required
// attribute, and it keeps answering), and hostile answers against `polyport stun` (forged,
// damaged, error responses, silence).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/udp_peer.hpp"
#include "polyport/stun.hpp"
#include "support/child_process.hpp"
#include "support/udp_stun_server.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::byte> binding_request(const stun::transaction_id& id = stun::random_transaction_id()) {
  stun::message_builder request(stun::message_class::request, stun::binding, id);
  request.add_fingerprint();
  return std::move(request).finish().value();
}

class stun_responder_bad_input : public ::testing::Test {
 protected:
  // The responder still answers a good request from a fresh client.
  void expect_still_answering() {
    udp_peer client;
    auto id = stun::random_transaction_id();
    client.send_to(binding_request(id), server_address_);
    auto reply = client.receive();
    ASSERT_TRUE(reply);
    auto response = stun::message_view::parse(reply->bytes);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->id(), id);
    EXPECT_EQ(response->mapped_address().value(), client.local());
  }

  void expect_dropped(std::span<const std::byte> datagram) {
    auto before = server_.responder().dropped();
    client_.send_to(datagram, server_address_);
    EXPECT_TRUE(eventually([&] { return server_.responder().dropped() == before + 1; }));
    expect_still_answering();
    EXPECT_FALSE(client_.receive(50ms)) << "a dropped datagram was answered";
  }

  udp_stun_server server_{"127.0.0.1"};
  endpoint server_address_{*ip_address::parse("127.0.0.1"), server_.port(), {}};
  udp_peer client_;
};

TEST_F(stun_responder_bad_input, drops_truncated_bad_length_and_bad_fingerprint) {
  auto request = binding_request();
  expect_dropped(std::span(request).first(request.size() - 4));  // length field longer than the datagram
  auto odd = request;
  odd[3] = std::byte{0x07};  // length not a multiple of 4
  expect_dropped(odd);
  auto attribute_overrun = request;
  attribute_overrun[20 + 3] = std::byte{0x40};  // FINGERPRINT claims 64 bytes
  expect_dropped(attribute_overrun);
  auto bad_fingerprint = request;
  bad_fingerprint.back() ^= std::byte{0x55};
  expect_dropped(bad_fingerprint);
}

TEST_F(stun_responder_bad_input, drops_oversized_datagrams) {
  stun::message_builder big(stun::message_class::request, stun::binding, stun::random_transaction_id());
  big.add(0xC0DE, std::vector<std::byte>(stun::max_message_size - 100));
  auto near_limit = std::move(big).finish().value();
  auto oversized = near_limit;
  oversized.resize(stun::max_message_size + 96);  // a whole STUN message over the limit
  oversized[2] = std::byte{static_cast<std::uint8_t>((oversized.size() - 20) >> 8)};
  oversized[3] = std::byte{static_cast<std::uint8_t>(oversized.size() - 20)};
  expect_dropped(oversized);
  // Larger than the socket's receive slot: cut by the kernel, dropped without a look.
  std::vector<std::byte> huge(60000);
  client_.send_to(huge, server_address_);
  expect_still_answering();
}

TEST_F(stun_responder_bad_input, leaves_garbage_to_the_protocol) {
  std::vector<std::byte> garbage;
  for (int i = 0; i < 64; ++i) {
    garbage.push_back(static_cast<std::byte>(i * 37 + 11));
  }
  auto before = server_.passed();
  client_.send_to(garbage, server_address_);
  client_.send_to(std::vector<std::byte>(3), server_address_);
  EXPECT_TRUE(eventually([&] { return server_.passed() == before + 2; }));
  EXPECT_EQ(server_.responder().dropped(), 0U);
  expect_still_answering();
}

TEST_F(stun_responder_bad_input, answers_420_for_an_unknown_comprehension_required_attribute) {
  auto id = stun::random_transaction_id();
  stun::message_builder request(stun::message_class::request, stun::binding, id);
  request.add(0x0003, std::vector<std::byte>(4));  // CHANGE-REQUEST: RFC 5780, not served
  request.add_fingerprint();
  client_.send_to(std::move(request).finish().value(), server_address_);
  auto reply = client_.receive();
  ASSERT_TRUE(reply);
  auto response = stun::message_view::parse(reply->bytes);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->kind(), stun::message_class::error_response);
  EXPECT_EQ(response->id(), id);
  ASSERT_TRUE(response->error());
  EXPECT_EQ(response->error()->code, 420);
  EXPECT_EQ(response->unknown_attributes(), std::vector<std::uint16_t>{0x0003});
}

// A fake STUN server the test scripts, against `polyport stun`.
class polyport_stun_bad_answers : public ::testing::Test {
 protected:
  void start(std::vector<std::string> flags = {"--rto", "100", "--sends", "3"}) {
    std::vector<std::string> argv{POLYPORT_BINARY, "stun"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("127.0.0.1:" + std::to_string(server_.local().port));
    client_ = std::make_unique<child_process>(argv, true);
  }
  // The client's request, parsed.
  std::pair<stun::transaction_id, endpoint> next_request() {
    auto request = server_.receive();
    if (!request) {
      ADD_FAILURE() << "polyport stun sent no request";
      return {};
    }
    auto view = stun::message_view::parse(request->bytes);
    EXPECT_TRUE(view.ok() && view->fingerprint_valid());
    return {view.ok() ? view->id() : stun::transaction_id{}, request->from};
  }
  std::vector<std::byte> success(const stun::transaction_id& id, const endpoint& mapped, bool fingerprint = true) {
    stun::message_builder response(stun::message_class::success_response, stun::binding, id);
    response.add_address(stun::attribute::xor_mapped_address, mapped);
    if (fingerprint) {
      response.add_fingerprint();
    }
    return std::move(response).finish().value();
  }

  udp_peer server_;
  std::unique_ptr<child_process> client_;
  endpoint chosen_{*ip_address::parse("192.0.2.7"), 1234, {}};
};

TEST_F(polyport_stun_bad_answers, ignores_forged_and_damaged_answers_and_takes_the_real_one) {
  start({"--rto", "2000"});
  auto [id, client] = next_request();
  auto wrong_id = id;
  wrong_id[0] ^= 1;
  server_.send_to(success(wrong_id, endpoint{*ip_address::parse("10.6.6.6"), 6, {}}), client);
  auto damaged = success(id, endpoint{*ip_address::parse("10.6.6.7"), 7, {}});
  damaged.back() ^= std::byte{1};
  server_.send_to(damaged, client);
  udp_peer elsewhere;  // the right id from the wrong source
  elsewhere.send_to(success(id, endpoint{*ip_address::parse("10.6.6.8"), 8, {}}), client);
  server_.send_to(std::vector<std::byte>(7), client);
  server_.send_to(success(id, chosen_, false), client);  // coturn's answers carry no FINGERPRINT
  EXPECT_EQ(client_->wait_exit(10s), 0);
  EXPECT_EQ(client_->read_all(), "mapped 192.0.2.7:1234\n");
}

TEST_F(polyport_stun_bad_answers, an_error_response_fails_with_its_code) {
  start();
  auto [id, client] = next_request();
  stun::message_builder refusal(stun::message_class::error_response, stun::binding, id);
  refusal.add_error(420, "Unknown Attribute");
  server_.send_to(std::move(refusal).finish().value(), client);
  EXPECT_EQ(client_->wait_exit(10s), 1);
  auto output = client_->read_all();
  EXPECT_NE(output.find("420 Unknown Attribute"), std::string::npos) << output;
}

TEST_F(polyport_stun_bad_answers, an_answer_without_an_address_fails) {
  start();
  auto [id, client] = next_request();
  server_.send_to(stun::message_builder(stun::message_class::success_response, stun::binding, id).finish().value(),
                  client);
  EXPECT_EQ(client_->wait_exit(10s), 1);
  auto output = client_->read_all();
  EXPECT_NE(output.find("neither XOR-MAPPED-ADDRESS nor MAPPED-ADDRESS"), std::string::npos) << output;
}

TEST_F(polyport_stun_bad_answers, silence_fails_after_the_retransmissions) {
  start();
  for (int sent = 0; sent < 3; ++sent) {
    next_request();  // the first request and its retransmissions, same transaction
  }
  EXPECT_EQ(client_->wait_exit(10s), 1);
  auto output = client_->read_all();
  EXPECT_NE(output.find("no answer from STUN server 127.0.0.1:"), std::string::npos) << output;
  EXPECT_NE(output.find("after 3 requests"), std::string::npos) << output;
  EXPECT_FALSE(server_.receive(50ms)) << "more requests than --sends";
}

TEST(polyport_stun_arguments, refuses_names_it_cannot_resolve_and_bad_ports) {
  auto name = run_command({POLYPORT_BINARY, "stun", "stun.example.test"});
  EXPECT_EQ(name.exit_code, 1);
  EXPECT_NE(name.output.find("cannot resolve \"stun.example.test\""), std::string::npos) << name.output;
  auto port = run_command({POLYPORT_BINARY, "stun", "127.0.0.1:99999"});
  EXPECT_EQ(port.exit_code, 2);
  EXPECT_NE(port.output.find("port \"99999\" is not 1..65535"), std::string::npos) << port.output;
}

}  // namespace
}  // namespace polyport::testing
