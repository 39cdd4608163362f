#include "dns/answer_parser.hpp"

#include <gtest/gtest.h>

#include "dns_message.hpp"

namespace polyport::detail {
namespace {

using testing::bytes;
using testing::dns_message;

constexpr unsigned a = 1, cname = 5, soa = 6, aaaa = 28, srv = 33, naptr = 35;

result<dns_answer> parse(const bytes& message, const std::string& name, record_type type) {
  return parse_answer(message, name, type);
}

TEST(answer_parser, reads_a_records_and_keeps_the_smallest_ttl) {
  auto message = dns_message()
                     .question("a1.example.test", a)
                     .answer("A1.Example.Test", a, 60, {127, 0, 0, 1})
                     .answer("a1.example.test", a, 30, {127, 0, 0, 2})
                     .answer("other.example.test", a, 5, {10, 0, 0, 1})
                     .build();
  auto answer = parse(message, "a1.example.test", record_type::a);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->kind, dns_answer::outcome::records);
  ASSERT_EQ(answer->addresses.size(), 2u);
  EXPECT_EQ(answer->addresses[1].to_string(), "127.0.0.2");
  EXPECT_EQ(answer->ttl, 30u);
}

TEST(answer_parser, reads_aaaa_srv_and_naptr) {
  bytes v6(16, 0);
  v6[15] = 1;
  auto six = parse(dns_message().answer("h.example.test", aaaa, 9, v6).build(), "h.example.test", record_type::aaaa);
  ASSERT_TRUE(six);
  EXPECT_EQ(six->addresses.at(0).to_string(), "::1");

  auto services = parse(dns_message()
                            .answer("_echo._tcp.example.test", srv, 60, testing::srv_data(10, 5, 5060, "a1.example.test"))
                            .answer("_echo._tcp.example.test", srv, 60, testing::srv_data(0, 0, 0, ""))
                            .build(),
                        "_echo._tcp.example.test", record_type::srv);
  ASSERT_TRUE(services) << services.error().message;
  ASSERT_EQ(services->services.size(), 2u);
  EXPECT_EQ(services->services[0], (srv_record{10, 5, 5060, "a1.example.test"}));
  EXPECT_EQ(services->services[1].target, ".");

  auto naptrs = parse(dns_message()
                          .answer("example.test", naptr, 60,
                                  testing::naptr_data(10, 20, "S", "ECHO+D2T", "", "_echo._tcp.example.test"))
                          .build(),
                      "example.test", record_type::naptr);
  ASSERT_TRUE(naptrs);
  EXPECT_EQ(naptrs->naptrs.at(0), (naptr_record{10, 20, "S", "ECHO+D2T", "", "_echo._tcp.example.test"}));
}

TEST(answer_parser, follows_a_cname_chain) {
  auto message = dns_message()
                     .answer("alias.example.test", cname, 20, testing::dns_name("mid.example.test"))
                     .answer("mid.example.test", cname, 90, testing::dns_name("a2.example.test"))
                     .answer("a2.example.test", a, 60, {127, 0, 0, 2})
                     .build();
  auto answer = parse(message, "alias.example.test.", record_type::a);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->addresses.at(0).to_string(), "127.0.0.2");
  EXPECT_EQ(answer->ttl, 20u);
}

TEST(answer_parser, a_cname_loop_is_named) {
  auto message = dns_message()
                     .answer("loop1.example.test", cname, 20, testing::dns_name("loop2.example.test"))
                     .answer("loop2.example.test", cname, 20, testing::dns_name("loop1.example.test"))
                     .build();
  auto answer = parse(message, "loop1.example.test", record_type::a);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().message, "CNAME loop at \"loop1.example.test\"");
}

TEST(answer_parser, a_negative_answer_lives_by_its_soa) {
  auto nxdomain = parse(dns_message(3).authority("example.test", soa, 300, testing::soa_data(45)).build(),
                        "nope.example.test", record_type::a);
  ASSERT_TRUE(nxdomain);
  EXPECT_EQ(nxdomain->kind, dns_answer::outcome::no_such_name);
  EXPECT_EQ(nxdomain->ttl, 45u);
  EXPECT_EQ(describe_negative(*nxdomain, record_type::a), "no such name (NXDOMAIN)");

  auto no_data = parse(dns_message().authority("example.test", soa, 20, testing::soa_data(45)).build(),
                       "a1.example.test", record_type::srv);
  ASSERT_TRUE(no_data);
  EXPECT_EQ(no_data->kind, dns_answer::outcome::no_data);
  EXPECT_EQ(no_data->ttl, 20u);
  EXPECT_EQ(parse(dns_message().build(), "x.example.test", record_type::a)->ttl, 0u);
}

TEST(answer_parser, server_failures_are_named) {
  auto failed = parse(dns_message(2).build(), "x.example.test", record_type::a);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "server failure (SERVFAIL)");
  EXPECT_EQ(parse(dns_message(5).build(), "x", record_type::a).error().message,
            "the server refused the query (REFUSED)");
}

TEST(answer_parser, malformed_input_is_an_error_never_a_crash) {
  auto whole = dns_message().answer("a1.example.test", a, 60, {127, 0, 0, 1}).build();
  for (std::size_t size = 0; size < whole.size(); ++size) {
    bytes cut(whole.begin(), whole.begin() + static_cast<long>(size));
    auto answer = parse(cut, "a1.example.test", record_type::a);
    EXPECT_FALSE(answer) << "accepted " << size << " bytes";
  }
  bytes wrong_size = dns_message().answer("a1.example.test", a, 60, {127, 0, 0}).build();
  EXPECT_EQ(parse(wrong_size, "a1.example.test", record_type::a).error().message,
            "malformed answer: A record of 3 bytes");
  // A compression pointer that points at itself.
  bytes looped = dns_message().build();
  looped[7] = 1;  // one answer
  for (std::uint8_t b : {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0}) {
    looped.push_back(b);
  }
  EXPECT_FALSE(parse(looped, "x", record_type::a));
}

}  // namespace
}  // namespace polyport::detail
