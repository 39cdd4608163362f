#include "transport/dtls_cookie.hpp"

#include <gtest/gtest.h>

#include <array>

namespace polyport::detail {
namespace {

endpoint at(std::string_view ip, std::uint16_t port) { return endpoint{*ip_address::parse(ip), port, {}}; }

TEST(dtls_cookie_jar, a_cookie_checks_only_for_the_address_and_port_it_was_made_for) {
  dtls_cookie_jar jar;
  auto client = at("127.0.0.1", 40000);
  auto cookie = jar.make(client);
  EXPECT_TRUE(jar.check(client, cookie));
  EXPECT_FALSE(jar.check(at("127.0.0.1", 40001), cookie));
  EXPECT_FALSE(jar.check(at("127.0.0.2", 40000), cookie));
  EXPECT_FALSE(jar.check(at("::ffff:127.0.0.1", 40000), cookie)) << "another family is another client";
  auto six = at("::1", 40000);
  EXPECT_TRUE(jar.check(six, jar.make(six)));
}

TEST(dtls_cookie_jar, another_listeners_secret_makes_other_cookies) {
  std::array<unsigned char, 32> one{1};
  std::array<unsigned char, 32> two{2};
  dtls_cookie_jar first(one);
  dtls_cookie_jar same(one);
  dtls_cookie_jar second(two);
  auto client = at("10.0.0.1", 5000);
  EXPECT_EQ(first.make(client), same.make(client)) << "a cookie is a function of secret and address";
  EXPECT_FALSE(second.check(client, first.make(client)));
  EXPECT_NE(dtls_cookie_jar().make(client), dtls_cookie_jar().make(client)) << "fresh jars have random secrets";
}

TEST(dtls_cookie_jar, cut_or_altered_cookies_fail) {
  dtls_cookie_jar jar;
  auto client = at("127.0.0.1", 1);
  auto cookie = jar.make(client);
  EXPECT_FALSE(jar.check(client, std::span(cookie).first(31)));
  EXPECT_FALSE(jar.check(client, {}));
  cookie[7] ^= 1;
  EXPECT_FALSE(jar.check(client, cookie));
}

}  // namespace
}  // namespace polyport::detail
