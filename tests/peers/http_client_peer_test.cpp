// polyport's HTTP client (runtime::http_request) against servers that are not ours: nginx over
// http and https (Content-Length and chunked bodies, keep-alive reuse, a pipeline, nginx ending a
// connection after keepalive_requests), and OpenSSL's `s_server -www` (HTTP/1.0, a body read
// until the connection closes).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

result<http_client_response> waited(std::future<result<http_client_response>> pending) {
  if (pending.wait_for(20s) != std::future_status::ready) {
    return error{"no answer within 20 s"};
  }
  return pending.get();
}

bool answers(std::uint16_t port) {
  return raw_client::tcp("127.0.0.1", port).has_value();
}

// nginx (PEERS.md) with one worker: http on one port, https on another, the same locations.
// `user root`: the worker must read files in the test's private temporary folder.
class nginx_peer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("nginx", "nginx"));
    identity_ = write_test_identity(dir_);
    std::filesystem::create_directories(folder() + "/www");
    std::ofstream(folder() + "/www/page.txt") << std::string(100'000, 'p');
    http_port_ = free_port();
    https_port_ = free_port();
    std::string locations =
        "    location /hello { default_type text/plain; return 200 \"hello\"; }\n"
        "    location /echo { default_type text/plain; return 200 \"$request_method $request_uri $http_x_tag\"; }\n"
        "    location /page.txt { root " + folder() + "/www; }\n"
        // sub_filter drops Content-Length: nginx sends the file chunked.
        "    location /chunked/ { alias " + folder() + "/www/; sub_filter_types *; sub_filter 'p' 'q'; "
        "sub_filter_once off; }\n";
    std::ofstream(folder() + "/nginx.conf")
        << "daemon off;\nworker_processes 1;\npid " << folder() << "/nginx.pid;\nerror_log " << folder()
        << "/error.log warn;\nuser root;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << folder() << "/body;\n  keepalive_requests 3;\n"
        << "  server {\n    listen 127.0.0.1:" << http_port_ << ";\n" << locations << "  }\n"
        << "  server {\n    listen 127.0.0.1:" << https_port_ << " ssl;\n    ssl_certificate " << identity_.certfile
        << ";\n    ssl_certificate_key " << identity_.keyfile << ";\n    ssl_protocols TLSv1.2 TLSv1.3;\n"
        << locations << "  }\n}\n";
    nginx_ = std::make_unique<child_process>(std::vector<std::string>{"nginx", "-p", folder(), "-e",
                                                                      folder() + "/error.log", "-c",
                                                                      folder() + "/nginx.conf"},
                                             true);
    ASSERT_TRUE(eventually([&] { return answers(http_port_) && answers(https_port_); }, 10s))
        << "nginx did not start: " << nginx_->read_all(1s);
  }

  std::string url(bool secure, const std::string& path) const {
    if (!secure) {
      return "http://127.0.0.1:" + std::to_string(http_port_) + path;
    }
    // Options go before the query: after it, they would be part of it.
    auto query = path.find('?');
    return "https://127.0.0.1:" + std::to_string(https_port_) + path.substr(0, query) +
           ";tls_cacertfile=" + identity_.certfile + (query == std::string::npos ? "" : path.substr(query));
  }

  std::string folder() const { return dir_.path().string(); }

  temp_dir dir_;
  test_identity identity_;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::unique_ptr<child_process> nginx_;
  runtime rt_{{.workers = 2}};
};

TEST_F(nginx_peer, get_post_and_bodies_over_http_and_https) {
  for (bool secure : {false, true}) {
    SCOPED_TRACE(secure ? "https" : "http");
    auto hello = waited(rt_.http_request(url(secure, "/hello")));
    ASSERT_TRUE(hello.ok()) << hello.error().message;
    EXPECT_EQ(hello->status, 200);
    EXPECT_EQ(hello->body, "hello");
    EXPECT_EQ(hello->header("server").substr(0, 5), "nginx");
    http_client_request post{.method = "POST", .headers = {{"X-Tag", "t1"}}, .body = "data"};
    auto echoed = waited(rt_.http_request(url(secure, "/echo?q=1"), post));
    ASSERT_TRUE(echoed.ok()) << echoed.error().message;
    EXPECT_EQ(echoed->body, "POST /echo?q=1 t1");
    auto page = waited(rt_.http_request(url(secure, "/page.txt")));
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_TRUE(page->body == std::string(100'000, 'p')) << page->status << " " << page->body.substr(0, 200);
    auto chunked = waited(rt_.http_request(url(secure, "/chunked/page.txt")));
    ASSERT_TRUE(chunked.ok()) << chunked.error().message;
    EXPECT_EQ(chunked->header("transfer-encoding"), "chunked");
    EXPECT_TRUE(chunked->body == std::string(100'000, 'q')) << chunked->status << " " << chunked->body.substr(0, 200);
    auto missing = waited(rt_.http_request(url(secure, "/nowhere")));
    ASSERT_TRUE(missing.ok()) << missing.error().message;
    EXPECT_EQ(missing->status, 404);
  }
}

// keepalive_requests 3: nginx answers every third request of a connection with
// Connection: close; the client carries on over a new connection each time.
TEST_F(nginx_peer, keep_alive_reuse_until_nginx_retires_the_connection) {
  for (int i = 0; i < 6; ++i) {
    auto got = waited(rt_.http_request(url(false, "/hello")));
    ASSERT_TRUE(got.ok()) << i << ": " << got.error().message;
    EXPECT_EQ(got->body, "hello");
  }
  EXPECT_EQ(rt_.client_stats().accepted, 2u);
}

// Twelve requests at once: pipelined on the connections the client opens; nginx's keepalive
// limit cuts pipelines short, and the idempotent GETs behind each cut are sent again.
TEST_F(nginx_peer, a_pipeline_of_gets_is_answered_in_order) {
  std::vector<std::future<result<http_client_response>>> pending;
  for (int i = 0; i < 12; ++i) {
    pending.push_back(rt_.http_request(url(true, "/echo?n=" + std::to_string(i))));
  }
  for (int i = 0; i < 12; ++i) {
    auto got = waited(std::move(pending[i]));
    ASSERT_TRUE(got.ok()) << i << ": " << got.error().message;
    EXPECT_EQ(got->body, "GET /echo?n=" + std::to_string(i) + " ");
  }
}

TEST(openssl_s_server_www, an_http_1_0_body_read_until_close_over_verified_tls) {
  ASSERT_TRUE(has_program("openssl", "openssl"));
  temp_dir dir;
  auto identity = write_test_identity(dir);
  std::unique_ptr<child_process> server;
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 5 && !server; ++attempt) {
    port = free_port();
    auto started = std::make_unique<child_process>(
        std::vector<std::string>{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                                 identity.certfile, "-key", identity.keyfile, "-www"},
        true);
    if (started->wait_for_line("ACCEPT", 10s)) {
      server = std::move(started);
    }
  }
  ASSERT_TRUE(server) << "openssl s_server did not start";
  runtime rt{{.workers = 1}};
  std::string base = "https://127.0.0.1:" + std::to_string(port) + "/";
  for (int i = 0; i < 2; ++i) {
    auto got = waited(rt.http_request(base + ";tls_cacertfile=" + identity.certfile));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->version, 10);
    EXPECT_NE(got->body.find("Ciphers supported in s_server binary"), std::string::npos) << got->body;
  }
  EXPECT_EQ(rt.client_stats().accepted, 2u);  // HTTP/1.0 without keep-alive: one connection each
  auto unverified = waited(rt.http_request(base));
  ASSERT_FALSE(unverified.ok());
  EXPECT_NE(unverified.error().message.find("certificate"), std::string::npos) << unverified.error().message;
}

}  // namespace
}  // namespace polyport::testing
