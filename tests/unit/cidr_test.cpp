#include "polyport/cidr.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <vector>

namespace polyport {
namespace {

cidr parse_ok(std::string_view text) {
  auto parsed = parse_cidr(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : cidr{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_cidr(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.error().message;
}

// The bytes of an address literal, 4 or 16 of them.
std::vector<std::uint8_t> address(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, text, bytes.data()) == 1) {
    return {bytes.begin(), bytes.begin() + 4};
  }
  EXPECT_EQ(inet_pton(AF_INET6, text, bytes.data()), 1) << text;
  return {bytes.begin(), bytes.end()};
}

bool in(const char* network, const char* ip) { return contains(parse_ok(network), address(ip)); }

TEST(parse_cidr, ipv4_network) {
  cidr network = parse_ok("10.0.0.0/8");
  EXPECT_EQ(network.family, ip_family::v4);
  EXPECT_EQ(network.prefix_length, 8u);
  EXPECT_EQ(network.bytes[0], 10);
  EXPECT_EQ(network.bytes[1], 0);
  EXPECT_EQ(parse_ok("0.0.0.0/0").prefix_length, 0u);
}

TEST(parse_cidr, ipv6_network) {
  cidr network = parse_ok("::1/128");
  EXPECT_EQ(network.family, ip_family::v6);
  EXPECT_EQ(network.prefix_length, 128u);
  EXPECT_EQ(network.bytes[15], 1);
  cidr documentation = parse_ok("2001:db8::/32");
  EXPECT_EQ(documentation.bytes[0], 0x20);
  EXPECT_EQ(documentation.bytes[1], 0x01);
  EXPECT_EQ(documentation.prefix_length, 32u);
}

TEST(parse_cidr, plain_ip_is_a_full_length_network) {
  EXPECT_EQ(parse_ok("192.168.1.1").prefix_length, 32u);
  EXPECT_EQ(parse_ok("::1").prefix_length, 128u);
  EXPECT_EQ(parse_ok("192.168.1.1"), parse_ok("192.168.1.1/32"));
}

TEST(parse_cidr, errors) {
  EXPECT_EQ(parse_error("10.0.0.0/33"), "invalid CIDR \"10.0.0.0/33\": prefix length over 32");
  EXPECT_EQ(parse_error("::/129"), "invalid CIDR \"::/129\": prefix length over 128");
  EXPECT_EQ(parse_error("10.0.0.1/8"), "invalid CIDR \"10.0.0.1/8\": address has bits set beyond the /8 prefix");
  EXPECT_EQ(parse_error("10.128.0.0/8"), "invalid CIDR \"10.128.0.0/8\": address has bits set beyond the /8 prefix");
  EXPECT_EQ(parse_error("::1/127"), "invalid CIDR \"::1/127\": address has bits set beyond the /127 prefix");
  EXPECT_EQ(parse_error("10.0.0.0/"), "invalid CIDR \"10.0.0.0/\": expected a prefix length after \"/\"");
  EXPECT_EQ(parse_error("10.0.0.0/a"), "invalid CIDR \"10.0.0.0/a\": expected a prefix length after \"/\"");
  EXPECT_EQ(parse_error("10.0.0.0/8/9"), "invalid CIDR \"10.0.0.0/8/9\": expected a prefix length after \"/\"");
  EXPECT_EQ(parse_error("10.0.0.0/0008"), "invalid CIDR \"10.0.0.0/0008\": expected a prefix length after \"/\"");
  EXPECT_EQ(parse_error("example.com"), "invalid CIDR \"example.com\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error(""), "invalid CIDR \"\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error("/8"), "invalid CIDR \"/8\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error(" 10.0.0.0/8"), "invalid CIDR \" 10.0.0.0/8\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error("1.2.3"), "invalid CIDR \"1.2.3\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error("[::1]/128"), "invalid CIDR \"[::1]/128\": expected an IPv4 or IPv6 address");
}

TEST(cidr_to_string, reads_back_equal) {
  EXPECT_EQ(to_string(parse_ok("10.0.0.0/8")), "10.0.0.0/8");
  EXPECT_EQ(to_string(parse_ok("2001:DB8:0::/32")), "2001:db8::/32");
  EXPECT_EQ(to_string(parse_ok("1.2.3.4")), "1.2.3.4/32");
  for (const char* text : {"0.0.0.0/0", "::/0", "fe80::/10", "::ffff:10.0.0.0/104", "172.16.0.0/12"}) {
    EXPECT_EQ(parse_ok(to_string(parse_ok(text))), parse_ok(text)) << text;
  }
}

TEST(contains, ipv4) {
  EXPECT_TRUE(in("10.0.0.0/8", "10.1.2.3"));
  EXPECT_TRUE(in("10.0.0.0/8", "10.255.255.255"));
  EXPECT_FALSE(in("10.0.0.0/8", "11.0.0.0"));
  EXPECT_FALSE(in("10.0.0.0/8", "9.255.255.255"));
  EXPECT_TRUE(in("1.2.3.4", "1.2.3.4"));
  EXPECT_FALSE(in("1.2.3.4", "1.2.3.5"));
}

TEST(contains, prefix_inside_a_byte) {
  EXPECT_TRUE(in("10.0.0.0/9", "10.127.255.255"));
  EXPECT_FALSE(in("10.0.0.0/9", "10.128.0.0"));
  EXPECT_TRUE(in("172.16.0.0/12", "172.31.0.1"));
  EXPECT_FALSE(in("172.16.0.0/12", "172.32.0.1"));
  EXPECT_TRUE(in("fe80::/10", "febf::1"));
  EXPECT_FALSE(in("fe80::/10", "fec0::1"));
}

TEST(contains, zero_prefix_matches_its_family) {
  EXPECT_TRUE(in("0.0.0.0/0", "255.255.255.255"));
  EXPECT_FALSE(in("0.0.0.0/0", "2001:db8::1"));
  EXPECT_TRUE(in("::/0", "2001:db8::1"));
}

TEST(contains, ipv6) {
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(in("::1/128", "::1"));
  EXPECT_FALSE(in("::1/128", "::2"));
}

TEST(contains, ipv4_mapped_ipv6_addresses_match_ipv4_rules) {
  EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_FALSE(in("10.0.0.0/8", "::ffff:11.1.2.3"));
  EXPECT_TRUE(in("0.0.0.0/0", "::ffff:1.2.3.4"));
  // ::a01:203 has the bytes of 10.1.2.3 at the end but is not mapped.
  EXPECT_FALSE(in("10.0.0.0/8", "::10.1.2.3"));
}

TEST(contains, ipv4_addresses_match_mapped_ipv6_rules) {
  EXPECT_TRUE(in("::ffff:10.0.0.0/104", "10.9.9.9"));
  EXPECT_FALSE(in("::ffff:10.0.0.0/104", "11.9.9.9"));
  EXPECT_TRUE(in("::/0", "10.9.9.9"));
}

TEST(contains, other_address_sizes_match_nothing) {
  cidr everything = parse_ok("0.0.0.0/0");
  EXPECT_FALSE(contains(everything, std::vector<std::uint8_t>{}));
  EXPECT_FALSE(contains(everything, std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(contains(parse_ok("::/0"), std::vector<std::uint8_t>(15)));
}

}  // namespace
}  // namespace polyport
