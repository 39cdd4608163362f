// The HTTP client's request bytes: target and Host from the URL, headers as given, lengths.

#include "client/http_request_text.hpp"

#include <gtest/gtest.h>

namespace polyport::detail {
namespace {

url parsed(std::string_view text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u.ok()) << text;
  return *u;
}

TEST(http_request_text, the_target_keeps_the_path_as_written_and_the_query) {
  EXPECT_EQ(http_target_of(parsed("http://h")), "/");
  EXPECT_EQ(http_target_of(parsed("http://h:8080/")), "/");
  EXPECT_EQ(http_target_of(parsed("http://h/a/b/")), "/a/b/");
  EXPECT_EQ(http_target_of(parsed("http://h/a?x=1&y")), "/a?x=1&y");
  EXPECT_EQ(http_target_of(parsed("https://h/a;tls_verify=false?x=1")), "/a?x=1");
  EXPECT_EQ(http_target_of(parsed("http://h;idle_timeout=5")), "/");
  EXPECT_EQ(http_target_of(parsed("http://[::1]:80/v6")), "/v6");
}

TEST(http_request_text, host_carries_the_port_unless_it_is_the_schemes) {
  EXPECT_EQ(http_host_of(parsed("http://example.test/"), 80), "example.test");
  EXPECT_EQ(http_host_of(parsed("http://example.test:8080/"), 8080), "example.test:8080");
  EXPECT_EQ(http_host_of(parsed("https://example.test/"), 443), "example.test");
  EXPECT_EQ(http_host_of(parsed("https://[::1]:8443/"), 8443), "[::1]:8443");
}

TEST(http_request_text, headers_are_sent_as_given_with_host_and_length_added) {
  http_client_request get;
  get.headers = {{"X-Tag", "one"}};
  EXPECT_EQ(serialize_http_request(get, "/a", "h:1"), "GET /a HTTP/1.1\r\nHost: h:1\r\nX-Tag: one\r\n\r\n");
  http_client_request post{.method = "POST", .target = {}, .headers = {{"host", "other"}}, .body = "abc"};
  EXPECT_EQ(serialize_http_request(post, "/p", "h"), "POST /p HTTP/1.1\r\nhost: other\r\nContent-Length: 3\r\n\r\nabc");
  http_client_request empty_post{.method = "POST"};
  EXPECT_EQ(serialize_http_request(empty_post, "/", "h"), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
}

TEST(http_request_text, idempotent_methods) {
  EXPECT_TRUE(is_idempotent("GET"));
  EXPECT_TRUE(is_idempotent("PUT"));
  EXPECT_FALSE(is_idempotent("POST"));
  EXPECT_FALSE(is_idempotent("PATCH"));
}

}  // namespace
}  // namespace polyport::detail
