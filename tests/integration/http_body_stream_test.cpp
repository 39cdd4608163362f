// Streamed request bodies on http and https listeners: a protocol that opts in (on_http_stream)
// gets a large or chunked body in bounded pieces (on_http_body), then on_http; limits, malformed
// chunks, an early answer, pipelining behind a streamed body, and protocols that do not opt in.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "support/wait.hpp"
#include "http_wire.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ULL;

std::uint64_t fnv1a(std::uint64_t hash, std::span<const std::byte> bytes) {
  for (std::byte b : bytes) {
    hash = (hash ^ static_cast<std::uint64_t>(b)) * 1099511628211ULL;
  }
  return hash;
}

std::uint64_t fnv1a(std::string_view text) {
  return fnv1a(fnv_offset, std::as_bytes(std::span(text.data(), text.size())));
}

struct upload {
  std::uint64_t size = 0;
  std::uint64_t hash = fnv_offset;
  std::size_t pieces = 0;
  std::size_t largest_piece = 0;
  bool paused = false;
  std::uint64_t size_when_idle = 0;  // /pause: what had arrived when the paused upload went idle
};

// Streams every body it is offered except under /whole; /stop answers 413 after 100000 bytes;
// /pause stops reading after 1 MiB until the connection goes idle.
// Answers with what arrived: "streamed size hash pieces largest x-sum body-size size-when-idle".
class upload_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view) const override {
    return {transport::http, transport::https};
  }
  bool on_http_stream(connection& conn, const http_request& request) override {
    conn.emplace_state<upload>();
    return request.path != "/whole";
  }
  bool on_http_body(connection& conn, const http_request& request, std::span<const std::byte> piece) override {
    auto& got = conn.state<upload>();
    got.size += piece.size();
    got.hash = fnv1a(got.hash, piece);
    got.pieces += 1;
    got.largest_piece = std::max(got.largest_piece, piece.size());
    if (request.path == "/pause" && got.size >= 1024 * 1024 && got.size_when_idle == 0 && !got.paused) {
      got.paused = true;
      conn.pause_reading();
    }
    return !(request.path == "/stop" && got.size >= 100000);
  }
  idle_action on_idle(connection& conn) override {
    if (conn.has_state() && conn.state<upload>().paused) {
      auto& got = conn.state<upload>();
      got.paused = false;
      got.size_when_idle = got.size;
      conn.resume_reading();
      return idle_action::keep;
    }
    return idle_action::close;
  }
  void on_http(connection& conn, const http_request& request, http_response& response) override {
    if (request.path == "/stop") {
      response.status = 413;
      response.body = "enough";
      return;
    }
    upload got = conn.has_state() ? conn.state<upload>() : upload{};
    conn.emplace_state<upload>();
    response.body = std::to_string(request.body_streamed) + " " + std::to_string(got.size) + " " +
                    std::to_string(got.hash) + " " + std::to_string(got.pieces) + " " +
                    std::to_string(got.largest_piece) + " " + std::string(request.header("x-sum")) + " " +
                    std::to_string(request.body.size()) + " " + std::to_string(got.size_when_idle);
  }
};

std::vector<transport_case> http_transports() {
  return {{transport::http, false}, {transport::https, false}};
}

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  }
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == ' ') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

class http_body_stream : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("upload", std::make_shared<upload_protocol>()); }

  std::shared_ptr<listener> listen_upload(std::string_view params = "") { return listen(rt, "upload", params); }

  static std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

  runtime rt{{.workers = 2}};
};

// 8 MiB with max_frame at 64 KiB: whole it would be a 413; streamed it arrives in pieces no
// larger than one read, and the GET pipelined behind it in the same write is answered next.
TEST_P(http_body_stream, a_multi_mib_upload_arrives_in_bounded_pieces_and_a_pipelined_request_follows) {
  auto server = listen_upload("max_frame=65536");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  std::string data = pattern(8 * 1024 * 1024);
  ASSERT_TRUE(peer.write_all("PUT /file HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(data.size()) +
                             "\r\n\r\n" + data + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string first = read_http_response(peer);
  ASSERT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  auto got = words(body_of(first));
  ASSERT_EQ(got.size(), 8u) << first;
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[1], std::to_string(data.size()));
  EXPECT_EQ(got[2], std::to_string(fnv1a(data)));
  EXPECT_GT(std::stoul(got[3]), 1u);
  EXPECT_LE(std::stoul(got[4]), 64u * 1024);
  EXPECT_EQ(got[6], "0");
  EXPECT_EQ(body_of(read_http_response(peer)), "0 0 " + std::to_string(fnv_offset) + " 0 0  0 0");
  EXPECT_EQ(server->stats().accepted, 1u);
}

TEST_P(http_body_stream, a_chunked_upload_with_trailers_after_100_continue) {
  auto server = listen_upload();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.write_all(
      "POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(peer.read_exact(25), "HTTP/1.1 100 Continue\r\n\r\n");
  std::string data = pattern(300000);
  std::string body;
  for (std::size_t at = 0; at < data.size(); at += 70000) {
    std::string chunk = data.substr(at, 70000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    body += std::string(size) + ";ext=1\r\n" + chunk + "\r\n";
  }
  ASSERT_TRUE(peer.write_all(body + "0\r\nX-Sum: 42\r\n\r\n"));
  auto got = words(body_of(read_http_response(peer)));
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[1], std::to_string(data.size()));
  EXPECT_EQ(got[2], std::to_string(fnv1a(data)));
  EXPECT_EQ(got[5], "42");
}

TEST_P(http_body_stream, over_the_limit_or_malformed_is_refused_and_counted) {
  auto server = listen_upload("http_max_body=100000");
  raw_peer bystander = open_peer(*server);
  ASSERT_TRUE(bystander.write_all("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"));
  ASSERT_FALSE(read_http_response(bystander).empty());
  struct attempt {
    std::string request;
    std::string status;
  };
  std::vector<attempt> attempts = {
      {"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 100001\r\n\r\n", "413"},
      {"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" + std::string(65536, 'x') +
           "\r\n10000\r\n",
       "413"},
      {"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nzz\r\n", "400"},
      {"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY1\r\nz\r\n", "400"},
  };
  for (const auto& a : attempts) {
    raw_peer peer = open_peer(*server);
    ASSERT_TRUE(peer.write_all(a.request));
    EXPECT_EQ(peer.read_exact(12), "HTTP/1.1 " + a.status) << a.request.substr(0, 60);
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::frame_error) == attempts.size(); }));
  ASSERT_TRUE(bystander.write_all("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_EQ(words(body_of(read_http_response(bystander)))[6], "2");
}

// Backpressure: the protocol pauses reading after 1 MiB; while paused nothing more is read
// (the writer blocks in TCP), the connection goes idle, on_idle resumes it, and the rest arrives.
TEST_P(http_body_stream, a_paused_upload_stops_reading_until_resumed) {
  std::string data = pattern(32 * 1024 * 1024);  // before connecting: the idle timer runs from there
  auto server = listen_upload("idle_timeout=500");
  raw_peer peer = open_peer(*server);
  // Blocks while the server is paused, and returns once on_idle has resumed it.
  ASSERT_TRUE(peer.write_all("PUT /pause HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(data.size()) +
                             "\r\n\r\n" + data));
  auto got = words(body_of(read_http_response(peer)));
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[1], std::to_string(data.size()));
  EXPECT_EQ(got[2], std::to_string(fnv1a(data)));
  EXPECT_GE(std::stoull(got[7]), 1024u * 1024);
  EXPECT_LT(std::stoull(got[7]), data.size());
}

// The client sends no more than the protocol reads before it answers: writing on after the
// close would only meet a reset.
TEST_P(http_body_stream, an_early_answer_stops_reading_and_closes) {
  auto server = listen_upload();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.write_all("PUT /stop HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" + pattern(100000)));
  std::string response = read_http_response(peer);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << response;
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(peer.wait_closed());
}

// A protocol that declines, and every body at or under the threshold, reads whole as before.
TEST_P(http_body_stream, declined_and_small_bodies_arrive_whole_within_max_frame) {
  auto server = listen_upload("max_frame=200000;http_stream_threshold=1000");
  raw_peer peer = open_peer(*server);
  std::string data = pattern(150000);
  ASSERT_TRUE(peer.write_all("POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(data.size()) +
                             "\r\n\r\n" + data + "POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" +
                             std::string(1000, 's')));
  EXPECT_EQ(words(body_of(read_http_response(peer))), (std::vector<std::string>{"0", "0", std::to_string(fnv_offset), "0",
                                                                            "0", "", "150000", "0"}));
  EXPECT_EQ(words(body_of(read_http_response(peer)))[6], "1000");
  ASSERT_TRUE(peer.write_all("POST /whole HTTP/1.1\r\nHost: h\r\nContent-Length: 200001\r\n\r\n"));
  EXPECT_EQ(peer.read_exact(12), "HTTP/1.1 413");
  EXPECT_TRUE(peer.wait_closed());
}

INSTANTIATE_TEST_SUITE_P(transports, http_body_stream, ::testing::ValuesIn(http_transports()), case_name);

}  // namespace
}  // namespace polyport::testing
