#include "polyport/stun.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/stun_vectors.hpp"

namespace polyport::stun {
namespace {

using polyport::testing::from_hex;
namespace rfc5769 = polyport::testing::rfc5769;

std::span<const std::byte> text_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

const transaction_id vector_id{0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

endpoint at(std::string_view ip, std::uint16_t port) { return endpoint{*ip_address::parse(ip), port, {}}; }

TEST(stun_codec, rfc5769_request) {
  auto bytes = from_hex(rfc5769::request);
  ASSERT_EQ(bytes.size(), 108U);
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->kind(), message_class::request);
  EXPECT_EQ(view->method(), binding);
  EXPECT_TRUE(view->has_cookie());
  EXPECT_EQ(view->id(), vector_id);
  EXPECT_EQ(view->software(), "STUN test client");
  auto username = view->find(attribute::username);
  ASSERT_TRUE(username);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(username->value.data()), username->value.size()), "evtj:h6vY");
  EXPECT_TRUE(view->find(attribute::priority));
  EXPECT_TRUE(view->find(attribute::ice_controlled));
  EXPECT_TRUE(view->fingerprint_valid());
  EXPECT_TRUE(view->integrity_valid(text_bytes(rfc5769::short_term_password)));
  EXPECT_FALSE(view->integrity_valid(text_bytes("wrong password")));
  EXPECT_FALSE(view->integrity_sha256_valid(text_bytes(rfc5769::short_term_password)));
}

TEST(stun_codec, rfc5769_ipv4_response) {
  auto bytes = from_hex(rfc5769::ipv4_response);
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->kind(), message_class::success_response);
  EXPECT_EQ(view->software(), "test vector");
  auto mapped = view->mapped_address();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(*mapped, at("192.0.2.1", 32853));
  EXPECT_TRUE(view->fingerprint_valid());
  EXPECT_TRUE(view->integrity_valid(text_bytes(rfc5769::short_term_password)));
}

TEST(stun_codec, rfc5769_ipv6_response) {
  auto bytes = from_hex(rfc5769::ipv6_response);
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok()) << view.error().message;
  auto mapped = view->mapped_address();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(*mapped, at("2001:db8:1234:5678:11:2233:4455:6677", 32853));
  EXPECT_TRUE(view->fingerprint_valid());
  EXPECT_TRUE(view->integrity_valid(text_bytes(rfc5769::short_term_password)));
}

TEST(stun_codec, rfc5769_long_term_request) {
  auto bytes = from_hex(rfc5769::long_term_request);
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_FALSE(view->has_fingerprint());
  auto username = view->find(attribute::username);
  auto realm = view->find(attribute::realm);
  ASSERT_TRUE(username && realm);
  // The long-term key (RFC 8489 §9.2.2): MD5(username ":" realm ":" OpaqueString(password)).
  std::string input(reinterpret_cast<const char*>(username->value.data()), username->value.size());
  input += ":" + std::string(reinterpret_cast<const char*>(realm->value.data()), realm->value.size()) + ":TheMatrIX";
  std::vector<std::byte> key(16);
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), reinterpret_cast<unsigned char*>(key.data()), &size, EVP_md5(), nullptr);
  EXPECT_TRUE(view->integrity_valid(key));
}

TEST(stun_codec, builds_the_rfc5769_ipv4_response) {
  message_builder response(message_class::success_response, binding, vector_id);
  response.add_text(attribute::software, "test vector");
  response.add_address(attribute::xor_mapped_address, at("192.0.2.1", 32853));
  response.add_integrity(text_bytes(rfc5769::short_term_password));
  response.add_fingerprint();
  auto built = std::move(response).finish();
  ASSERT_TRUE(built.ok());
  auto expected = from_hex(rfc5769::ipv4_response);
  // The RFC pads SOFTWARE with a space; polyport pads with zero, as RFC 8489 §14 recommends.
  expected[20 + 4 + 11] = std::byte{0};
  auto reparsed = message_view::parse(*built);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_TRUE(reparsed->integrity_valid(text_bytes(rfc5769::short_term_password)));
  EXPECT_TRUE(reparsed->fingerprint_valid());
  EXPECT_EQ(reparsed->mapped_address().value(), at("192.0.2.1", 32853));
  // Header, SOFTWARE and XOR-MAPPED-ADDRESS match byte for byte; the HMAC and CRC cover the padding.
  ASSERT_EQ(built->size(), expected.size());
  EXPECT_TRUE(std::equal(built->begin(), built->begin() + 48, expected.begin()));
}

TEST(stun_codec, round_trips_every_attribute) {
  auto id = random_transaction_id();
  message_builder message(message_class::error_response, binding, id);
  message.add_address(attribute::mapped_address, at("10.1.2.3", 7));
  message.add_address(attribute::xor_mapped_address, at("::1", 65535));
  message.add_error(420, "Unknown Attribute");
  std::vector<std::uint16_t> unknown{0x0003, 0x7001, 0x0005};
  message.add_unknown_attributes(unknown);
  message.add_text(attribute::software, "polyport test");
  message.add_integrity(text_bytes("key"));
  message.add_integrity_sha256(text_bytes("key"));
  message.add_fingerprint();
  auto built = std::move(message).finish();
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto view = message_view::parse(*built);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->kind(), message_class::error_response);
  EXPECT_EQ(view->id(), id);
  EXPECT_EQ(view->address(attribute::mapped_address).value(), at("10.1.2.3", 7));
  EXPECT_EQ(view->address(attribute::xor_mapped_address).value(), at("::1", 65535));
  EXPECT_EQ(view->mapped_address().value(), at("::1", 65535));
  ASSERT_TRUE(view->error());
  EXPECT_EQ(view->error()->code, 420);
  EXPECT_EQ(view->error()->reason, "Unknown Attribute");
  EXPECT_EQ(view->unknown_attributes(), unknown);
  EXPECT_EQ(view->software(), "polyport test");
  EXPECT_TRUE(view->integrity_valid(text_bytes("key")));
  EXPECT_TRUE(view->integrity_sha256_valid(text_bytes("key")));
  EXPECT_FALSE(view->integrity_sha256_valid(text_bytes("other")));
  EXPECT_TRUE(view->fingerprint_valid());
}

TEST(stun_codec, every_method_and_class_round_trips) {
  for (std::uint16_t method :
       {std::uint16_t{0x001}, std::uint16_t{0x003}, std::uint16_t{0xABC}, std::uint16_t{0xFFF}}) {
    for (auto kind : {message_class::request, message_class::indication, message_class::success_response,
                      message_class::error_response}) {
      auto built = message_builder(kind, method, transaction_id{}).finish();
      auto view = message_view::parse(built.value());
      ASSERT_TRUE(view.ok());
      EXPECT_EQ(view->method(), method);
      EXPECT_EQ(view->kind(), kind);
    }
  }
}

TEST(stun_codec, refuses_what_does_not_add_up) {
  auto good = from_hex(rfc5769::ipv4_response);
  auto refused = [](std::vector<std::byte> bytes) { return !message_view::parse(bytes).ok(); };
  EXPECT_TRUE(refused(std::vector<std::byte>(good.begin(), good.begin() + 19)));
  EXPECT_TRUE(refused(std::vector<std::byte>(good.begin(), good.end() - 4)));  // length field now too long
  auto bits = good;
  bits[0] = std::byte{0x41};
  EXPECT_TRUE(refused(bits));
  auto odd_length = good;
  odd_length[3] = std::byte{0x3d};
  EXPECT_TRUE(refused(odd_length));
  auto overrun = good;
  overrun[20 + 3] = std::byte{0x40};  // SOFTWARE claims 64 bytes
  EXPECT_TRUE(refused(overrun));
  auto after_fingerprint = good;
  for (int i = 0; i < 4; ++i) {
    after_fingerprint.push_back(std::byte{0});
  }
  after_fingerprint[3] = std::byte{0x40};
  EXPECT_TRUE(refused(after_fingerprint));
  EXPECT_TRUE(refused(std::vector<std::byte>(max_message_size + 4)));

  auto bad_crc = good;
  bad_crc.back() ^= std::byte{1};
  auto view = message_view::parse(bad_crc);
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->fingerprint_valid());
}

TEST(stun_codec, ignores_attributes_after_message_integrity) {
  message_builder message(message_class::request, binding, transaction_id{});
  message.add_integrity(text_bytes("k"));
  message.add_text(attribute::software, "after");
  auto bytes = std::move(message).finish().value();  // the view points into it
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->software());
  EXPECT_TRUE(view->attributes().empty());
}

TEST(stun_codec, malformed_attributes_read_as_absent_or_errors) {
  message_builder message(message_class::success_response, binding, transaction_id{});
  message.add(attribute::xor_mapped_address, from_hex("0003 1234 01020304"));
  message.add(attribute::error_code, from_hex("0000 0263"));  // class 2: not an error class
  message.add(attribute::unknown_attributes, from_hex("000300"));
  auto bytes = std::move(message).finish().value();  // the view points into it
  auto view = message_view::parse(bytes);
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->mapped_address().ok());
  EXPECT_FALSE(view->error());
  EXPECT_FALSE(view->unknown_attributes());
}

TEST(stun_codec, the_builder_refuses_to_break_bounds) {
  message_builder too_big(message_class::request, binding, transaction_id{});
  too_big.add(attribute::software, std::vector<std::byte>(max_message_size));
  EXPECT_FALSE(std::move(too_big).finish().ok());
  message_builder after_fingerprint(message_class::request, binding, transaction_id{});
  after_fingerprint.add_fingerprint();
  after_fingerprint.add_text(attribute::software, "late");
  EXPECT_FALSE(std::move(after_fingerprint).finish().ok());
  message_builder bad_error(message_class::error_response, binding, transaction_id{});
  bad_error.add_error(200, "OK");
  EXPECT_FALSE(std::move(bad_error).finish().ok());
}

}  // namespace
}  // namespace polyport::stun
