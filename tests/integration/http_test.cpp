// http and https listeners: on_http with keep-alive and pipelining, and bad requests answered
// with their status and counted while other clients carry on.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "polyport/http_hello_protocol.hpp"
#include "polyport/runtime.hpp"
#include "http_wire.hpp"
#include "support/wait.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

// Answers with the method, path, query, body and one header, so the test sees what arrived.
class mirror_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view) const override {
    return {transport::http, transport::https};
  }
  void on_http(connection&, const http_request& request, http_response& response) override {
    if (request.path == "/moved") {
      response.redirect("/elsewhere", 301);
      return;
    }
    response.set_header("Content-Type", "text/plain");
    response.body = request.method + " " + request.path + " " + request.query + " " + std::string(request.header("x-tag")) +
                    " " + request.body;
  }
};

std::vector<transport_case> http_transports() {
  return {{transport::http, false}, {transport::http, true}, {transport::https, false}};
}

class http_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("mirror", std::make_shared<mirror_protocol>()); }

  std::shared_ptr<listener> listen_mirror(std::string_view params = "") { return listen(rt, "mirror", params); }

  runtime rt{{.workers = 2}};
};

TEST_P(http_test, keep_alive_and_pipelined_requests_are_answered_in_order) {
  auto server = listen_mirror();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(peer.write_all(
      "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Tag: one\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  std::string first = read_http_response(peer);
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_TRUE(first.ends_with("GET /a x=1 one ")) << first;
  EXPECT_TRUE(read_http_response(peer).ends_with("POST /b   body"));
  EXPECT_TRUE(read_http_response(peer).ends_with("POST /c   abc"));
  ASSERT_TRUE(peer.write_all("GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::string last = read_http_response(peer);
  EXPECT_NE(last.find("Connection: close\r\n"), std::string::npos) << last;
  EXPECT_TRUE(peer.wait_closed());
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_P(http_test, request_split_at_every_byte_is_one_request) {
  auto server = listen_mirror();
  raw_peer peer = open_peer(*server);
  std::string request = "PUT /split HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  for (char c : request) {
    ASSERT_TRUE(peer.write_all(std::string(1, c)));
  }
  EXPECT_TRUE(read_http_response(peer).ends_with("PUT /split   hello"));
}

TEST_P(http_test, redirects_carry_a_location) {
  auto server = listen_mirror();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.write_all("GET /moved HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string response = read_http_response(peer);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 301 Moved Permanently\r\n")) << response;
  EXPECT_NE(response.find("Location: /elsewhere\r\n"), std::string::npos);
}

TEST_P(http_test, bad_requests_get_their_status_and_are_counted) {
  auto server = listen_mirror("max_frame=1000");
  raw_peer bystander = open_peer(*server);
  ASSERT_TRUE(bystander.write_all("GET /before HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_FALSE(read_http_response(bystander).empty());
  struct attempt {
    std::string request;
    std::string status;
  };
  std::vector<attempt> attempts = {
      {"NOT HTTP AT ALL\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", "431"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n", "413"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "400"},
  };
  for (const auto& a : attempts) {
    raw_peer peer = open_peer(*server);
    ASSERT_TRUE(peer.write_all(a.request));
    EXPECT_EQ(peer.read_exact(12), "HTTP/1.1 " + a.status) << a.request.substr(0, 40);
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::frame_error) == attempts.size(); }));
  ASSERT_TRUE(bystander.write_all("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(read_http_response(bystander).ends_with("GET /after   "));
}

TEST_P(http_test, connect_to_an_http_transport_points_to_http_request) {
  rt.register_protocol("hello", std::make_shared<http_hello_protocol>());
  auto conn = within(rt.connect("hello://127.0.0.1:1;transport=" + std::string(to_string(kind()))));
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(conn.error().message.find("runtime::http_request"), std::string::npos) << conn.error().message;
}

// Slowloris: a request dripped a byte at a time does not keep the connection alive past the
// idle timeout, which restarts only per whole request; a prompt client next to it is served.
TEST_P(http_test, a_request_dripped_byte_by_byte_times_out) {
  auto server = listen_mirror("idle_timeout=300");
  raw_peer slow = open_peer(*server);
  ASSERT_TRUE(slow.write_all("GET / HTTP/1.1\r\nHost: h\r\n"));
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    closed = !slow.write_all("X-Drip-" + std::to_string(i) + ": 1\r\n") || slow.wait_closed(100ms);
  }
  EXPECT_TRUE(closed || slow.wait_closed());
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::idle_timeout) == 1; }));
  raw_peer prompt = open_peer(*server);
  ASSERT_TRUE(prompt.write_all("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(read_http_response(prompt).ends_with("GET /ok   "));
}

INSTANTIATE_TEST_SUITE_P(transports, http_test, ::testing::ValuesIn(http_transports()), case_name);

}  // namespace
}  // namespace polyport::testing
