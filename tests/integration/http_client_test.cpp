// runtime::http_request against polyport's own http and https listeners, and against a scripted
// server for what on_http cannot send (chunked bodies, bodies until close, silence, a close in
// the middle of a pipeline).

#include <gtest/gtest.h>

#include <future>
#include <utility>
#include <string>
#include <vector>

#include "polyport/http_client.hpp"
#include "polyport/runtime.hpp"
#include "recording_protocol.hpp"
#include "support/wait.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

// Answers with what arrived, or a body of the size /big/N asks for.
class mirror_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view) const override {
    return {transport::http, transport::https};
  }
  void on_http(connection&, const http_request& request, http_response& response) override {
    if (request.path.starts_with("/big/")) {
      response.body.assign(std::stoul(request.path.substr(5)), 'b');
      return;
    }
    if (request.path == "/moved") {
      response.redirect("/elsewhere", 302);
      return;
    }
    if (request.path.starts_with("/stream/")) {  // N numbered pieces, chunked
      response.body_source = [count = std::stoul(request.path.substr(8)), next = 0UL]() mutable {
        return next < count ? "piece-" + std::to_string(next++) + ";" : std::string();
      };
      return;
    }
    if (request.path.starts_with("/sized/")) {  // N bytes in 64 KiB pieces, with their length
      std::uint64_t size = std::stoull(request.path.substr(7));
      response.body_length = size;
      response.body_source = [left = size]() mutable {
        std::string piece(std::min<std::uint64_t>(left, 65536), 's');
        left -= piece.size();
        return piece;
      };
      return;
    }
    if (request.path == "/short") {  // promises 10 bytes, gives 5
      response.body_length = 10;
      response.body_source = [given = false]() mutable { return std::exchange(given, true) ? "" : "12345"; };
      return;
    }
    response.set_header("X-Seen-Host", request.header("host"));
    response.body = request.method + " " + request.target + " " + std::string(request.header("x-tag")) + " " + request.body;
  }
};

// A raw server for answers on_http does not give. Per request head, in order:
//   /chunked: a chunked body with a trailer; /until-close: a body ended by closing;
//   /silent: nothing; /close-pair: waits for the next request head too, then answers this one
//   with Connection: close and closes; anything else: 200 with the target as body.
class scripted_protocol : public protocol {
 public:
  std::size_t on_data(connection& conn, std::span<const std::byte> bytes) override {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t used = 0;
    for (;;) {
      auto end = text.find("\r\n\r\n", used);
      if (end == std::string_view::npos) {
        return used;
      }
      std::string_view line = text.substr(used, text.find("\r\n", used) - used);
      std::string target(line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1));
      if (target == "/close-pair") {
        if (text.find("\r\n\r\n", end + 4) == std::string_view::npos) {
          return used;
        }
        conn.send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbye!");
        conn.close();
        return bytes.size();
      }
      used = end + 4;
      if (target == "/chunked") {
        conn.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n");
      } else if (target == "/until-close") {
        conn.send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nevery byte until the end");
        conn.close();
        return bytes.size();
      } else if (target != "/silent") {
        conn.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(target.size()) + "\r\n\r\n" + target);
      }
    }
  }
};

class http_client_test : public transport_test {
 protected:
  void SetUp() override {
    rt.register_protocol("mirror", std::make_shared<mirror_protocol>());
    rt.register_protocol("scripted", std::make_shared<scripted_protocol>());
  }

  bool https() const { return kind() == transport::https; }

  std::shared_ptr<listener> listen_mirror() { return listen(rt, "mirror"); }

  std::shared_ptr<listener> listen_scripted() {
    auto started = rt.listen("scripted://127.0.0.1:0;transport=tcp");
    EXPECT_TRUE(started.ok()) << (started ? "" : started.error().message);
    return *started;
  }

  std::string host() const { return GetParam().ipv6 ? "[::1]" : "127.0.0.1"; }

  // The URL of `path` on `server`; https verifies against the test identity.
  std::string url_of(const listener& server, std::string_view path, std::string_view params = "") const {
    std::string url = std::string(https() ? "https" : "http") + "://" + host() + ":" +
                      std::to_string(server.local().port) + std::string(path);
    std::string options(params);
    if (https()) {
      options += (options.empty() ? "" : ";") + std::string("tls_cacertfile=") + shared_identity().certfile;
    }
    if (!options.empty()) {
      auto query = url.find('?');
      url.insert(query == std::string::npos ? url.size() : query, ";" + options);
    }
    return url;
  }

  static std::string scripted_url(const listener& server, std::string_view path, std::string_view params = "") {
    return "http://127.0.0.1:" + std::to_string(server.local().port) + std::string(path) +
           (params.empty() ? "" : ";" + std::string(params));
  }

  runtime rt{{.workers = 2}};
};

TEST_P(http_client_test, get_and_post_carry_target_headers_and_body) {
  auto server = listen_mirror();
  http_client_request get;
  get.headers = {{"X-Tag", "one"}};
  auto got = within(rt.http_request(url_of(*server, "/a/?x=1"), get));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->reason, "OK");
  EXPECT_EQ(got->body, "GET /a/?x=1 one ");
  EXPECT_EQ(got->header("x-seen-host"), host() + ":" + std::to_string(server->local().port));
  auto posted = within(rt.http_request(url_of(*server, "/form"), {.method = "POST", .body = "k=v"}));
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_EQ(posted->body, "POST /form  k=v");
}

TEST_P(http_client_test, a_redirect_is_returned_not_followed) {
  auto server = listen_mirror();
  auto got = within(rt.http_request(url_of(*server, "/moved")));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 302);
  EXPECT_EQ(got->header("location"), "/elsewhere");
}

TEST_P(http_client_test, sequential_requests_reuse_one_connection) {
  auto server = listen_mirror();
  for (int i = 0; i < 5; ++i) {
    auto got = within(rt.http_request(url_of(*server, "/n" + std::to_string(i))));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->body, "GET /n" + std::to_string(i) + "  ");
  }
  EXPECT_EQ(server->stats().accepted, 1u);
  EXPECT_EQ(rt.client_stats().accepted, 1u);
}

TEST_P(http_client_test, concurrent_requests_are_pipelined_on_one_connection_in_order) {
  auto server = listen_mirror();
  std::vector<std::future<result<http_client_response>>> pending;
  for (int i = 0; i < 20; ++i) {
    pending.push_back(rt.http_request(url_of(*server, "/p" + std::to_string(i))));
  }
  for (int i = 0; i < 20; ++i) {
    auto got = within(std::move(pending[i]));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->body, "GET /p" + std::to_string(i) + "  ");
  }
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_P(http_client_test, a_response_over_max_frame_is_a_clear_error) {
  auto server = listen_mirror();
  auto fits = within(rt.http_request(url_of(*server, "/big/1000", "max_frame=1000")));
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits->body.size(), 1000u);
  auto over = within(rt.http_request(url_of(*server, "/big/1001", "max_frame=1000")));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message, "a response body over 1000 bytes (max_frame)");
}

std::string numbered_pieces(unsigned count) {
  std::string out;
  for (unsigned i = 0; i < count; ++i) {
    out += "piece-" + std::to_string(i) + ";";
  }
  return out;
}

TEST_P(http_client_test, streamed_bodies_arrive_whole_and_in_order_with_the_requests_behind_them) {
  auto server = listen_mirror();
  auto chunked = rt.http_request(url_of(*server, "/stream/2000"));
  auto plain = rt.http_request(url_of(*server, "/after"));
  auto sized = rt.http_request(url_of(*server, "/sized/3000000"));
  auto head = rt.http_request(url_of(*server, "/sized/1000"), {.method = "HEAD"});
  auto got = within(std::move(chunked));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->header("transfer-encoding"), "chunked");
  EXPECT_EQ(got->body, numbered_pieces(2000));
  auto next = within(std::move(plain));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->body, "GET /after  ");
  auto large = within(std::move(sized));
  ASSERT_TRUE(large.ok()) << large.error().message;
  EXPECT_EQ(large->header("content-length"), "3000000");
  EXPECT_TRUE(large->body == std::string(3'000'000, 's'));
  auto headed = within(std::move(head));
  ASSERT_TRUE(headed.ok()) << headed.error().message;
  EXPECT_EQ(headed->header("content-length"), "1000");
  EXPECT_EQ(headed->body, "");
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_P(http_client_test, a_body_source_short_of_its_length_closes_the_connection) {
  auto server = listen_mirror();
  auto cut = within(rt.http_request(url_of(*server, "/short")));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("the connection closed inside the response body"), std::string::npos)
      << cut.error().message;
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::callback_error) == 1; }));
  auto next = within(rt.http_request(url_of(*server, "/fine")));
  ASSERT_TRUE(next.ok()) << next.error().message;
}

TEST_P(http_client_test, a_refused_connection_names_the_destination) {
  auto server = listen_mirror();
  std::string url = url_of(*server, "/");
  server->stop();
  auto got = within(rt.http_request(url));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("Connection refused"), std::string::npos) << got.error().message;
}

INSTANTIATE_TEST_SUITE_P(transports, http_client_test,
                         ::testing::Values(transport_case{transport::http, false}, transport_case{transport::http, true},
                                           transport_case{transport::https, false}),
                         case_name);

class http_client_script_test : public http_client_test {};

TEST_P(http_client_script_test, chunked_and_until_close_bodies) {
  auto server = listen_scripted();
  auto chunked = within(rt.http_request(scripted_url(*server, "/chunked")));
  ASSERT_TRUE(chunked.ok()) << chunked.error().message;
  EXPECT_EQ(chunked->body, "hello world");
  EXPECT_EQ(chunked->header("x-sum"), "11");
  auto whole = within(rt.http_request(scripted_url(*server, "/until-close")));
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole->body, "every byte until the end");
}

TEST_P(http_client_script_test, connection_close_retries_the_idempotent_request_behind_it) {
  auto server = listen_scripted();
  auto first = rt.http_request(scripted_url(*server, "/close-pair"));
  auto second = rt.http_request(scripted_url(*server, "/second"));
  auto closing = within(std::move(first));
  ASSERT_TRUE(closing.ok()) << closing.error().message;
  EXPECT_EQ(closing->body, "bye!");
  EXPECT_EQ(closing->header("connection"), "close");
  auto retried = within(std::move(second));
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->body, "/second");
  EXPECT_EQ(server->stats().accepted, 2u);
}

TEST_P(http_client_script_test, connection_close_fails_a_post_behind_it_without_resending) {
  auto server = listen_scripted();
  auto first = rt.http_request(scripted_url(*server, "/close-pair"));
  auto post = rt.http_request(scripted_url(*server, "/post"), {.method = "POST"});
  ASSERT_TRUE(within(std::move(first)).ok());
  auto refused = within(std::move(post));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "the server closed the connection after an earlier response");
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_P(http_client_script_test, a_silent_server_times_out_and_the_next_request_gets_a_new_connection) {
  auto server = listen_scripted();
  auto silent = within(rt.http_request(scripted_url(*server, "/silent", "response_timeout=200")));
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().message, "no response within 200 ms (response_timeout)");
  auto next = within(rt.http_request(scripted_url(*server, "/after")));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->body, "/after");
  EXPECT_EQ(server->stats().accepted, 2u);
}

INSTANTIATE_TEST_SUITE_P(tcp, http_client_script_test, ::testing::Values(transport_case{transport::tcp, false}),
                         case_name);

TEST(http_client, https_verifies_the_server_unless_told_not_to) {
  runtime rt{{.workers = 1}};
  rt.register_protocol("mirror", std::make_shared<mirror_protocol>());
  auto server = rt.listen("mirror://127.0.0.1:0;transport=https;tls_certfile=" + shared_identity().certfile +
                          ";tls_keyfile=" + shared_identity().keyfile);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::string base = "https://127.0.0.1:" + std::to_string((*server)->local().port) + "/v";
  auto unverified = within(rt.http_request(base));
  ASSERT_FALSE(unverified.ok());
  EXPECT_NE(unverified.error().message.find("certificate"), std::string::npos) << unverified.error().message;
  auto unchecked = within(rt.http_request(base + ";tls_verify=false"));
  ASSERT_TRUE(unchecked.ok()) << unchecked.error().message;
  EXPECT_EQ(unchecked->body, "GET /v  ");
  auto trusted = within(rt.http_request(base + ";tls_cacertfile=" + shared_identity().certfile));
  ASSERT_TRUE(trusted.ok()) << trusted.error().message;
}

TEST(http_client, bad_urls_and_options_are_named) {
  runtime rt{{.workers = 1}};
  auto scheme = within(rt.http_request("echo://127.0.0.1:1/"));
  ASSERT_FALSE(scheme.ok());
  EXPECT_EQ(scheme.error().message, "invalid URL \"echo://127.0.0.1:1/\": an HTTP request needs an http:// or https:// URL");
  auto transport = within(rt.http_request("http://127.0.0.1:1/;transport=tls"));
  ASSERT_FALSE(transport.ok());
  EXPECT_NE(transport.error().message.find("the scheme chooses the transport"), std::string::npos);
  auto option = within(rt.http_request("http://127.0.0.1:1/;response_timeout=soon"));
  ASSERT_FALSE(option.ok());
  EXPECT_NE(option.error().message.find("response_timeout"), std::string::npos) << option.error().message;
}

}  // namespace
}  // namespace polyport::testing
