// Several http and ws listeners on one ip:port (issue 5): requests routed by path, Host and
// upgrade, 404 that keeps the connection, per-listener access rules (403) and max_connections
// (503) at routing, suspend, stop one, stop the last and bind the port again, TLS conflicts.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>

#include "polyport/runtime.hpp"
#include "http_wire.hpp"
#include "raw_peer.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "transport_permutation.hpp"
#include "ws_wire.hpp"

namespace polyport::testing {
namespace {

// Answers every request with its name, echoes WebSocket messages as "name:message", and counts
// the connections it sees open and close.
class named_protocol : public protocol {
 public:
  explicit named_protocol(std::string name) : name_(std::move(name)) {}
  std::vector<polyport::transport> transports(std::string_view) const override {
    return {transport::http, transport::https, transport::ws, transport::wss};
  }
  void on_open(connection&) override { ++opened; }
  void on_close(connection&, const close_info&) override { ++closed; }
  void on_http(connection&, const http_request& request, http_response& response) override {
    response.body = name_ + " " + request.path;
    if (request.body_streamed) {
      response.body += " streamed " + std::to_string(streamed_bytes.exchange(0));
    }
  }
  // Every listener takes large and chunked bodies in pieces, so a test sees who was asked.
  bool on_http_stream(connection&, const http_request&) override { return true; }
  bool on_http_body(connection&, const http_request&, std::span<const std::byte> piece) override {
    streamed_bytes += piece.size();
    return true;
  }
  void on_message(connection& conn, std::span<const std::byte> message) override {
    std::string text(reinterpret_cast<const char*>(message.data()), message.size());
    conn.send_text(name_ + ":" + text);
  }
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
  std::atomic<std::size_t> streamed_bytes{0};

 private:
  std::string name_;
};

std::string get(raw_peer& peer, std::string_view path, std::string_view host = "localhost") {
  if (!peer.write_all("GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n")) {
    return "write failed";
  }
  return read_http_response(peer);
}

class shared_port_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b", "c", "w"}) {
      protocols[name] = std::make_shared<named_protocol>(name);
      rt.register_protocol(name, protocols[name]);
    }
  }

  std::shared_ptr<listener> listen(const std::string& url) {
    auto started = rt.listen(url);
    EXPECT_TRUE(started.ok()) << url << ": " << (started ? "" : started.error().message);
    return started ? *started : nullptr;
  }
  // The listener `scheme` on the port `port` (0: a new one), with URL `rest` after the port.
  std::shared_ptr<listener> listen_on(std::string_view scheme, std::uint16_t port, std::string_view rest) {
    return listen(std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + std::string(rest));
  }
  raw_peer open(std::uint16_t port) {
    raw_peer peer = raw_peer::open(transport::tcp, endpoint{*ip_address::parse("127.0.0.1"), port, {}});
    EXPECT_TRUE(peer.connected()) << peer.error();
    return peer;
  }

  runtime rt{{.workers = 2}};
  std::map<std::string, std::shared_ptr<named_protocol>> protocols;
};

TEST_F(shared_port_test, requests_on_one_connection_go_to_the_longest_path_and_404_keeps_it) {
  auto a = listen_on("a", 0, "/a;transport=http");
  ASSERT_TRUE(a);
  std::uint16_t port = a->local().port;
  auto b = listen_on("b", port, "/a/b;transport=http");
  auto c = listen_on("c", port, ";transport=http");  // "/": everything else
  ASSERT_TRUE(b && c);
  EXPECT_EQ(b->local().port, port);

  raw_peer peer = open(port);
  EXPECT_TRUE(get(peer, "/a").ends_with("a /a"));
  EXPECT_TRUE(get(peer, "/a/x").ends_with("a /a/x"));
  EXPECT_TRUE(get(peer, "/a/b/c?q=1").ends_with("b /a/b/c"));
  EXPECT_TRUE(get(peer, "/ab").ends_with("c /ab"));  // not /a: a segment boundary
  EXPECT_TRUE(get(peer, "/a").ends_with("a /a"));
  // The connection moved a → b → c → a: each listener saw it open and (but the last) close.
  EXPECT_EQ(protocols["a"]->opened.load(), 2);
  EXPECT_EQ(protocols["a"]->closed.load(), 1);
  EXPECT_EQ(protocols["b"]->opened.load(), 1);
  EXPECT_EQ(protocols["b"]->closed.load(), 1);
  EXPECT_EQ(a->stats().accepted, 2u);
  EXPECT_EQ(a->stats().current, 1u);
  EXPECT_EQ(b->stats().current, 0u);

  c->stop();
  std::string missing = get(peer, "/ab");
  EXPECT_TRUE(missing.starts_with("HTTP/1.1 404 ")) << missing;
  EXPECT_TRUE(get(peer, "/a/b").ends_with("b /a/b"));  // the same connection, still usable
}

// A streamed body is routed on the request's head: the listener that answers is the one whose
// on_http_stream takes the body; a head that matches nothing is refused and the body not read.
TEST_F(shared_port_test, a_streamed_body_goes_to_the_listener_its_head_was_routed_to) {
  auto a = listen_on("a", 0, "/a;transport=http");
  ASSERT_TRUE(a);
  std::uint16_t port = a->local().port;
  ASSERT_TRUE(listen_on("b", port, "/b;transport=http"));
  raw_peer peer = open(port);
  ASSERT_TRUE(peer.write_all("POST /b/up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  std::string answer = read_http_response(peer);
  EXPECT_TRUE(answer.ends_with("b /b/up streamed 11")) << answer;
  EXPECT_EQ(protocols["a"]->streamed_bytes.load(), 0U);

  ASSERT_TRUE(peer.write_all("POST /nowhere HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n"));
  std::string refused = read_http_response(peer);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 404 ")) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  EXPECT_TRUE(peer.wait_closed());
}

TEST_F(shared_port_test, requests_go_by_host_exact_then_wildcard_then_any) {
  auto any = listen_on("a", 0, "/;transport=http");
  ASSERT_TRUE(any);
  std::uint16_t port = any->local().port;
  auto wildcard = listen_on("b", port, "/;transport=http;host=*.example.test");
  auto exact = listen_on("c", port, "/;transport=http;host=www.example.test");
  ASSERT_TRUE(wildcard && exact);
  raw_peer peer = open(port);
  EXPECT_TRUE(get(peer, "/x", "www.example.test").ends_with("c /x"));
  EXPECT_TRUE(get(peer, "/x", "WWW.example.test:" + std::to_string(port)).ends_with("c /x"));
  EXPECT_TRUE(get(peer, "/x", "api.example.test").ends_with("b /x"));
  EXPECT_TRUE(get(peer, "/x", "example.org").ends_with("a /x"));
}

TEST_F(shared_port_test, upgrades_go_only_to_the_websocket_listener) {
  auto web = listen_on("a", 0, "/;transport=http");
  ASSERT_TRUE(web);
  std::uint16_t port = web->local().port;
  auto chat = listen_on("w", port, "/chat;transport=ws");
  ASSERT_TRUE(chat);

  raw_peer plain = open(port);
  EXPECT_TRUE(get(plain, "/chat").ends_with("a /chat"));  // not an upgrade: HTTP's

  raw_peer refused = open(port);
  std::string nowhere = ws_upgrade(refused, "/elsewhere");
  EXPECT_TRUE(nowhere.starts_with("HTTP/1.1 404 ")) << nowhere;

  raw_peer socket = open(port);
  EXPECT_TRUE(get(socket, "/page").ends_with("a /page"));  // first plain HTTP, then the upgrade
  std::string upgraded = ws_upgrade(socket, "/chat");
  ASSERT_TRUE(upgraded.starts_with("HTTP/1.1 101 ")) << upgraded;
  ASSERT_TRUE(socket.write_all(ws_client_frame(1, "hi")));
  auto reply = ws_read_frame(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->payload, "w:hi");
  EXPECT_EQ(chat->stats().current, 1u);
  EXPECT_EQ(protocols["a"]->closed.load(), 1);  // the socket left the http listener for good
}

TEST_F(shared_port_test, websocket_subprotocols_pick_the_listener) {
  auto first = listen_on("a", 0, "/ws;transport=ws;ws_proto=mqtt");
  ASSERT_TRUE(first);
  std::uint16_t port = first->local().port;
  ASSERT_TRUE(listen_on("b", port, "/ws;transport=ws;ws_proto=sip"));
  for (auto [proto, name] : {std::pair{"sip", "b"}, std::pair{"mqtt", "a"}}) {
    raw_peer peer = open(port);
    std::string head = ws_upgrade(peer, "/ws", proto);
    ASSERT_TRUE(head.starts_with("HTTP/1.1 101 ")) << head;
    EXPECT_NE(head.find(std::string("Sec-WebSocket-Protocol: ") + proto), std::string::npos) << head;
    ASSERT_TRUE(peer.write_all(ws_client_frame(1, "x")));
    auto reply = ws_read_frame(peer);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->payload, std::string(name) + ":x");
  }
}

TEST_F(shared_port_test, stopping_one_keeps_the_others_and_the_last_frees_the_port) {
  auto a = listen_on("a", 0, "/a;transport=http");
  ASSERT_TRUE(a);
  std::uint16_t port = a->local().port;
  auto b = listen_on("b", port, "/b;transport=http");
  ASSERT_TRUE(b);
  raw_peer on_a = open(port);
  EXPECT_TRUE(get(on_a, "/a").ends_with("a /a"));

  a->stop();  // the listener that bound the port
  EXPECT_TRUE(on_a.wait_closed());  // its connections close, as on any stop
  raw_peer after = open(port);
  EXPECT_TRUE(get(after, "/b").ends_with("b /b"));
  EXPECT_TRUE(get(after, "/a").starts_with("HTTP/1.1 404 "));

  b->stop();
  EXPECT_TRUE(after.wait_closed());
  raw_peer refused = raw_peer::open(transport::tcp, endpoint{*ip_address::parse("127.0.0.1"), port, {}});
  EXPECT_FALSE(refused.connected());
  auto again = listen_on("c", port, "/;transport=http");  // free: binds anew
  ASSERT_TRUE(again);
  raw_peer fresh = open(port);
  EXPECT_TRUE(get(fresh, "/a").ends_with("c /a"));
}

TEST_F(shared_port_test, suspend_stops_routing_and_resume_brings_it_back) {
  auto a = listen_on("a", 0, "/a;transport=http");
  ASSERT_TRUE(a);
  std::uint16_t port = a->local().port;
  auto b = listen_on("b", port, "/b;transport=http");
  ASSERT_TRUE(b);
  b->suspend();
  raw_peer peer = open(port);
  EXPECT_TRUE(get(peer, "/b").starts_with("HTTP/1.1 404 "));
  EXPECT_TRUE(get(peer, "/a").ends_with("a /a"));
  ASSERT_TRUE(b->resume());
  EXPECT_TRUE(get(peer, "/b").ends_with("b /b"));
}

TEST_F(shared_port_test, access_rules_and_max_connections_apply_at_routing) {
  auto a = listen_on("a", 0, "/a;transport=http");
  ASSERT_TRUE(a);
  std::uint16_t port = a->local().port;
  auto denied = listen_on("b", port, "/b;transport=http;deny=127.0.0.0/8");
  auto small = listen_on("c", port, "/c;transport=http;max_connections=1");
  ASSERT_TRUE(denied && small);

  raw_peer first = open(port);
  EXPECT_TRUE(get(first, "/b").starts_with("HTTP/1.1 403 "));
  EXPECT_TRUE(get(first, "/c").ends_with("c /c"));
  EXPECT_EQ(denied->stats().closed_by(close_reason::denied), 1u);

  raw_peer second = open(port);
  std::string full = get(second, "/c");
  EXPECT_TRUE(full.starts_with("HTTP/1.1 503 ")) << full;
  EXPECT_EQ(small->stats().closed_by(close_reason::max_connections), 1u);
  EXPECT_TRUE(get(second, "/a").ends_with("a /a"));  // refused there, served elsewhere
  EXPECT_TRUE(get(first, "/a").ends_with("a /a"));   // first leaves c ...
  EXPECT_TRUE(get(second, "/c").ends_with("c /c"));  // ... so second fits
}

TEST_F(shared_port_test, the_same_route_twice_and_tls_conflicts_are_refused) {
  temp_dir dir;
  test_identity one = write_test_identity(dir, "one-");
  test_identity two = write_test_identity(dir, "two-");
  auto secure = listen_on("a", 0, "/a;transport=https;tls_certfile=" + one.certfile + ";tls_keyfile=" + one.keyfile);
  ASSERT_TRUE(secure);
  std::uint16_t port = secure->local().port;
  std::string prefix = "://127.0.0.1:" + std::to_string(port);

  auto other_certificate = rt.listen("b" + prefix + "/b;transport=wss;tls_certfile=" + two.certfile +
                                     ";tls_keyfile=" + two.keyfile);
  ASSERT_FALSE(other_certificate);
  EXPECT_NE(other_certificate.error().message.find("TLS settings"), std::string::npos)
      << other_certificate.error().message;
  auto plain = rt.listen("b" + prefix + "/b;transport=http");
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("serves TLS"), std::string::npos) << plain.error().message;
  auto twice = rt.listen("b" + prefix + "/a;transport=https;tls_certfile=" + one.certfile + ";tls_keyfile=" + one.keyfile);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("is taken already"), std::string::npos) << twice.error().message;

  // The same settings join, and TLS is the port's.
  auto same = listen("w" + prefix + "/chat;transport=wss;tls_certfile=" + one.certfile + ";tls_keyfile=" + one.keyfile);
  ASSERT_TRUE(same);
  raw_peer peer = raw_peer::open(transport::tls, secure->local());
  ASSERT_TRUE(peer.connected()) << peer.error();
  EXPECT_TRUE(get(peer, "/a").ends_with("a /a"));
  std::string upgraded = ws_upgrade(peer, "/chat");
  EXPECT_TRUE(upgraded.starts_with("HTTP/1.1 101 ")) << upgraded;
}

}  // namespace
}  // namespace polyport::testing
