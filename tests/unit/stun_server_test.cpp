#include "polyport/stun_server.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "polyport/stun.hpp"
#include "support/stun_vectors.hpp"

namespace polyport::stun {
namespace {

using polyport::testing::from_hex;
namespace rfc5769 = polyport::testing::rfc5769;

endpoint at(std::string_view ip, std::uint16_t port) { return endpoint{*ip_address::parse(ip), port, {}}; }

std::vector<std::byte> binding_request(const transaction_id& id, bool fingerprint = true) {
  message_builder request(message_class::request, binding, id);
  if (fingerprint) {
    request.add_fingerprint();
  }
  return std::move(request).finish().value();
}

TEST(stun_server, answers_a_binding_request_with_the_source_address) {
  for (auto from : {at("127.0.0.1", 40000), at("::1", 1), at("2001:db8::7", 65535)}) {
    auto id = random_transaction_id();
    auto outcome = binding_answer(binding_request(id), from);
    ASSERT_EQ(outcome.verdict, verdict::answered) << outcome.reason;
    auto response = message_view::parse(outcome.reply);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->kind(), message_class::success_response);
    EXPECT_EQ(response->method(), binding);
    EXPECT_EQ(response->id(), id);
    EXPECT_EQ(response->address(attribute::xor_mapped_address).value(), from);
    EXPECT_FALSE(response->find(attribute::mapped_address));
    EXPECT_EQ(response->software(), "polyport");
    EXPECT_TRUE(response->fingerprint_valid());
  }
}

TEST(stun_server, answers_the_rfc5769_request_without_checking_its_credentials) {
  auto outcome = binding_answer(from_hex(rfc5769::request), at("192.0.2.1", 32853), {.software = ""});
  ASSERT_EQ(outcome.verdict, verdict::answered) << outcome.reason;
  auto response = message_view::parse(outcome.reply);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->software());
  EXPECT_EQ(response->mapped_address().value(), at("192.0.2.1", 32853));
}

TEST(stun_server, answers_420_listing_unknown_comprehension_required_attributes) {
  auto id = random_transaction_id();
  message_builder request(message_class::request, binding, id);
  request.add(0x0003, from_hex("00000004"));  // CHANGE-REQUEST (RFC 5780): not supported
  request.add(0x7ABC, {});
  request.add(0xC001, {});  // comprehension-optional: ignored
  request.add_fingerprint();
  auto outcome = binding_answer(std::move(request).finish().value(), at("127.0.0.1", 5));
  ASSERT_EQ(outcome.verdict, verdict::answered);
  auto response = message_view::parse(outcome.reply);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->kind(), message_class::error_response);
  EXPECT_EQ(response->id(), id);
  ASSERT_TRUE(response->error());
  EXPECT_EQ(response->error()->code, 420);
  EXPECT_EQ(response->unknown_attributes(), (std::vector<std::uint16_t>{0x0003, 0x7ABC}));
  EXPECT_TRUE(response->fingerprint_valid());
}

TEST(stun_server, drops_malformed_stun) {
  auto request = binding_request(random_transaction_id());
  auto bad_fingerprint = request;
  bad_fingerprint.back() ^= std::byte{0xFF};
  auto outcome = binding_answer(bad_fingerprint, at("127.0.0.1", 5));
  EXPECT_EQ(outcome.verdict, verdict::dropped);
  EXPECT_EQ(outcome.reason, "bad FINGERPRINT");

  auto truncated = std::vector<std::byte>(request.begin(), request.end() - 4);
  EXPECT_EQ(binding_answer(truncated, at("127.0.0.1", 5)).verdict, verdict::dropped);
  auto padded = request;
  padded.resize(request.size() + 3);
  EXPECT_EQ(binding_answer(padded, at("127.0.0.1", 5)).verdict, verdict::dropped);
  auto oversized = request;
  oversized.resize(max_message_size + 100);
  EXPECT_EQ(binding_answer(oversized, at("127.0.0.1", 5)).verdict, verdict::dropped);
}

TEST(stun_server, leaves_other_datagrams_to_the_protocol) {
  auto verdict_of = [](std::vector<std::byte> bytes) { return binding_answer(bytes, at("127.0.0.1", 5)).verdict; };
  EXPECT_EQ(verdict_of({}), verdict::pass);
  EXPECT_EQ(verdict_of(from_hex("68656c6c6f")), verdict::pass);                        // "hello"
  EXPECT_EQ(verdict_of(std::vector<std::byte>(100, std::byte{0x80})), verdict::pass);  // RTP-like
  // 20 zero bytes: no cookie, not type 0x0001.
  EXPECT_EQ(verdict_of(std::vector<std::byte>(20)), verdict::pass);
}

TEST(stun_server, responses_and_indications_are_not_answered) {
  auto id = random_transaction_id();
  auto response = message_builder(message_class::success_response, binding, id).finish().value();
  EXPECT_EQ(binding_answer(response, at("127.0.0.1", 5)).verdict, verdict::response);
  auto indication = message_builder(message_class::indication, binding, id).finish().value();
  EXPECT_EQ(binding_answer(indication, at("127.0.0.1", 5)).verdict, verdict::ignored);
  auto allocate = message_builder(message_class::request, 0x003, id).finish().value();  // TURN Allocate
  EXPECT_EQ(binding_answer(allocate, at("127.0.0.1", 5)).verdict, verdict::pass);
}

TEST(stun_server, answers_rfc3489_clients_with_mapped_address_when_asked) {
  transaction_id id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto classic = message_builder(message_class::request, binding, id, 0x01020304).finish().value();
  EXPECT_EQ(binding_answer(classic, at("10.0.0.1", 9)).verdict, verdict::pass);
  auto outcome = binding_answer(classic, at("10.0.0.1", 9), {.answer_classic = true});
  ASSERT_EQ(outcome.verdict, verdict::answered);
  auto response = message_view::parse(outcome.reply);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->has_cookie());
  EXPECT_EQ(std::vector<std::byte>(outcome.reply.begin() + 4, outcome.reply.begin() + 8), from_hex("01020304"));
  EXPECT_EQ(response->address(attribute::mapped_address).value(), at("10.0.0.1", 9));
  EXPECT_FALSE(response->find(attribute::xor_mapped_address));
  EXPECT_FALSE(response->has_fingerprint());
}

TEST(stun_server, the_responder_has_the_hook_shape_and_counts) {
  binding_responder responder;
  auto request = binding_request(random_transaction_id());
  auto answer = responder.answer(request, at("127.0.0.1", 5));
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->empty());
  EXPECT_FALSE(responder.answer(from_hex("68656c6c6f"), at("127.0.0.1", 5)));
  auto response = message_builder(message_class::success_response, binding, random_transaction_id()).finish();
  EXPECT_FALSE(responder.answer(response.value(), at("127.0.0.1", 5)));  // a client's, or the protocol's
  request.back() ^= std::byte{1};
  auto dropped = responder.answer(request, at("127.0.0.1", 5));
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(dropped->empty());
  EXPECT_EQ(responder.answered(), 1U);
  EXPECT_EQ(responder.dropped(), 1U);
}

}  // namespace
}  // namespace polyport::stun
