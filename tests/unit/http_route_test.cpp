#include "core/http_route.hpp"

#include <gtest/gtest.h>

namespace polyport::detail {
namespace {

// Distinct addresses to name the listeners routes belong to.
const int a_listener = 0;
const int b_listener = 0;
const int c_listener = 0;
const int d_listener = 0;
const void* const a = &a_listener;
const void* const b = &b_listener;
const void* const c = &c_listener;
const void* const d = &d_listener;

http_route http(std::string host, std::string path, const void* target) {
  return {std::move(host), std::move(path), route_kind::http, {}, target};
}

http_route websocket(std::string host, std::string path, std::string proto, const void* target) {
  return {std::move(host), std::move(path), route_kind::websocket, std::move(proto), target};
}

const void* target_of(const http_route_table& table, std::string_view host, std::string_view path,
                      bool upgrade = false, std::string_view protocols = {}) {
  const http_route* found = table.match({host, path, upgrade, protocols});
  return found == nullptr ? nullptr : found->target;
}

TEST(http_route, longest_path_prefix_wins) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("", "/", a)));
  ASSERT_TRUE(table.add(http("", "/api", b)));
  ASSERT_TRUE(table.add(http("", "/api/v2", c)));
  EXPECT_EQ(target_of(table, "x", "/"), a);
  EXPECT_EQ(target_of(table, "x", "/other"), a);
  EXPECT_EQ(target_of(table, "x", "/api"), b);
  EXPECT_EQ(target_of(table, "x", "/api/v1/users"), b);
  EXPECT_EQ(target_of(table, "x", "/api/v2"), c);
  EXPECT_EQ(target_of(table, "x", "/api/v2/users"), c);
}

TEST(http_route, prefixes_match_whole_segments_only) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("", "/a", a)));
  EXPECT_EQ(target_of(table, "x", "/a"), a);
  EXPECT_EQ(target_of(table, "x", "/a/"), a);
  EXPECT_EQ(target_of(table, "x", "/a/b"), a);
  EXPECT_EQ(target_of(table, "x", "/ab"), nullptr);
  EXPECT_EQ(target_of(table, "x", "/"), nullptr);
  EXPECT_EQ(target_of(table, "x", "/b/a"), nullptr);
}

TEST(http_route, host_exact_beats_wildcard_beats_any_before_path_length) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("", "/deep/path", a)));
  ASSERT_TRUE(table.add(http("*.example.com", "/deep", b)));
  ASSERT_TRUE(table.add(http("www.example.com", "/", c)));
  EXPECT_EQ(target_of(table, "www.example.com", "/deep/path"), c);
  EXPECT_EQ(target_of(table, "WWW.Example.COM:8080", "/deep/path"), c);
  EXPECT_EQ(target_of(table, "api.example.com", "/deep/path"), b);
  EXPECT_EQ(target_of(table, "api.example.com", "/other"), nullptr);  // its host has routes, none for /other
  EXPECT_EQ(target_of(table, "example.org", "/deep/path"), a);
  EXPECT_EQ(target_of(table, "example.com", "/deep/path"), a);  // "*.example.com" needs a label before
  EXPECT_EQ(target_of(table, "", "/deep/path"), a);             // no Host header: only "any"
}

TEST(http_route, a_longer_wildcard_is_more_specific) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("*.example.com", "/", a)));
  ASSERT_TRUE(table.add(http("*.eu.example.com", "/", b)));
  EXPECT_EQ(target_of(table, "x.eu.example.com", "/"), b);
  EXPECT_EQ(target_of(table, "x.us.example.com", "/"), a);
}

TEST(http_route, upgrades_go_only_to_websocket_routes_and_plain_requests_only_to_http) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("", "/", a)));
  ASSERT_TRUE(table.add(websocket("", "/chat", "", b)));
  EXPECT_EQ(target_of(table, "x", "/chat"), a);  // a plain GET on /chat is HTTP's
  EXPECT_EQ(target_of(table, "x", "/chat", true), b);
  EXPECT_EQ(target_of(table, "x", "/other", true), nullptr);  // no WebSocket route there
}

TEST(http_route, subprotocol_must_be_offered_and_a_named_one_wins) {
  http_route_table table;
  ASSERT_TRUE(table.add(websocket("", "/ws", "mqtt", a)));
  ASSERT_TRUE(table.add(websocket("", "/ws", "", b)));
  ASSERT_TRUE(table.add(websocket("", "/ws", "sip", c)));
  EXPECT_EQ(target_of(table, "x", "/ws", true, "mqtt"), a);
  EXPECT_EQ(target_of(table, "x", "/ws", true, "chat, sip"), c);
  EXPECT_EQ(target_of(table, "x", "/ws", true, "other"), b);
  EXPECT_EQ(target_of(table, "x", "/ws", true), b);
  table.remove(b);
  EXPECT_EQ(target_of(table, "x", "/ws", true, "other"), nullptr);
}

TEST(http_route, removal_leaves_the_others) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("", "/a", a)));
  ASSERT_TRUE(table.add(http("", "/a/b", b)));
  ASSERT_TRUE(table.add(websocket("", "/a/b", "", b)));
  EXPECT_EQ(table.size(), 3u);
  table.remove(b);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(target_of(table, "x", "/a/b"), a);
  EXPECT_EQ(target_of(table, "x", "/a/b", true), nullptr);
  table.remove(a);
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(target_of(table, "x", "/a"), nullptr);
}

TEST(http_route, the_same_route_twice_is_refused) {
  http_route_table table;
  ASSERT_TRUE(table.add(http("Example.com", "/a/", a)));
  auto again = table.add(http("example.com", "/a", b));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("host=example.com path=/a"), std::string::npos) << again.error().message;
  EXPECT_TRUE(table.add(http("", "/a", c)));                 // another host
  EXPECT_TRUE(table.add(websocket("example.com", "/a", "", d)));  // another kind
  EXPECT_TRUE(table.add(http("", "/", a)));
  EXPECT_FALSE(table.add(http("", "", b)));  // "" and "/" are one prefix
}

}  // namespace
}  // namespace polyport::detail
