// The HTTP client's response reader: bodies by length, chunked with trailers, until close, none
// after HEAD/204/304, interim 1xx skipped, limits, and input split at every byte.

#include "client/http_response_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace polyport::detail {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

struct read_result {
  std::vector<http_client_response> responses;
  std::string error;
  std::size_t leftover = 0;
};

// Feeds `stream` in pieces of `piece` bytes as a connection would (what is not consumed is
// offered again with more), expecting one response per method; `closed`: the peer then closes.
read_result read_all(std::string_view stream, std::vector<std::string> methods, std::size_t piece,
                     bool closed = false, std::size_t max_body = 1 << 20) {
  http_response_reader reader;
  read_result out;
  std::size_t next_method = 0;
  reader.expect(methods.at(0), max_body, 256);
  std::string pending;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    pending += stream.substr(at, piece);
    std::size_t used = 0;
    while (next_method < methods.size() && used < pending.size()) {
      auto step = reader.feed(bytes_of(pending).subspan(used));
      used += step.consumed;
      if (step.result == http_response_reader::step::outcome::need_more) {
        break;
      }
      if (step.result == http_response_reader::step::outcome::bad) {
        out.error = step.error;
        return out;
      }
      out.responses.push_back(reader.take());
      if (++next_method < methods.size()) {
        reader.expect(methods[next_method], max_body, 256);
      }
    }
    pending.erase(0, used);
  }
  if (closed && next_method < methods.size()) {
    auto step = reader.finish();
    if (step.result == http_response_reader::step::outcome::response) {
      out.responses.push_back(reader.take());
    } else {
      out.error = step.error;
    }
  }
  out.leftover = pending.size();
  return out;
}

TEST(http_response_reader, content_length_chunked_and_head_in_one_stream_at_every_split) {
  std::string stream =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    auto got = read_all(stream, {"GET", "POST", "HEAD", "DELETE", "GET", "GET"}, piece);
    ASSERT_EQ(got.error, "") << piece;
    ASSERT_EQ(got.responses.size(), 6u) << piece;
    EXPECT_EQ(got.responses[0].status, 200);
    EXPECT_EQ(got.responses[0].reason, "OK");
    EXPECT_EQ(got.responses[0].body, "hello");
    EXPECT_EQ(got.responses[0].header("x-a"), "1");
    EXPECT_EQ(got.responses[1].status, 201);
    EXPECT_EQ(got.responses[1].body, "abcde");
    EXPECT_EQ(got.responses[1].header("X-Trailer"), "t");
    EXPECT_EQ(got.responses[2].body, "");
    EXPECT_EQ(got.responses[2].header("content-length"), "99");
    EXPECT_EQ(got.responses[3].status, 204);
    EXPECT_EQ(got.responses[4].status, 304);
    EXPECT_EQ(got.responses[4].body, "");
    EXPECT_EQ(got.responses[5].status, 404);
    EXPECT_EQ(got.leftover, 0u);
  }
}

TEST(http_response_reader, a_body_without_length_is_read_until_close) {
  std::string stream = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    auto got = read_all(stream, {"GET"}, piece, true);
    ASSERT_EQ(got.error, "");
    ASSERT_EQ(got.responses.size(), 1u);
    EXPECT_EQ(got.responses[0].version, 10);
    EXPECT_EQ(got.responses[0].body, "all of it");
  }
}

TEST(http_response_reader, keep_alive_follows_the_version_and_connection_header) {
  http_response_reader reader;
  for (auto [text, kept] : std::vector<std::pair<std::string, bool>>{
           {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
           {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
           {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
           {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true}}) {
    reader.expect("GET", 100);
    auto step = reader.feed(bytes_of(text));
    ASSERT_EQ(step.result, http_response_reader::step::outcome::response) << text;
    EXPECT_EQ(reader.keep_alive(), kept) << text;
  }
}

TEST(http_response_reader, an_interim_100_continue_is_skipped) {
  std::string stream = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    auto got = read_all(stream, {"POST"}, piece);
    ASSERT_EQ(got.responses.size(), 1u) << piece;
    EXPECT_EQ(got.responses[0].status, 200);
    EXPECT_EQ(got.responses[0].body, "ok");
  }
}

TEST(http_response_reader, limits_and_malformed_input_are_named) {
  auto big = read_all("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", {"GET"}, 64, false, 10);
  EXPECT_EQ(big.error, "a response body over 10 bytes (max_frame)");
  auto big_chunks =
      read_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n",
               {"GET"}, 64, false, 10);
  EXPECT_EQ(big_chunks.error, "a response body over 10 bytes (max_frame)");
  auto head = read_all("HTTP/1.1 200 OK\r\nX: " + std::string(300, 'a') + "\r\n\r\n", {"GET"}, 64);
  EXPECT_EQ(head.error, "a response head over 256 bytes");
  auto garbage = read_all("SSH-2.0-OpenSSH\r\n\r\n", {"GET"}, 64);
  EXPECT_TRUE(garbage.error.starts_with("a malformed response: ")) << garbage.error;
  auto bad_chunk = read_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {"GET"}, 64);
  EXPECT_TRUE(bad_chunk.error.starts_with("a malformed response: ")) << bad_chunk.error;
}

TEST(http_response_reader, a_close_cuts_what_is_unfinished) {
  EXPECT_EQ(read_all("", {"GET"}, 1, true).error, "the connection closed before the response");
  EXPECT_EQ(read_all("HTTP/1.1 200 OK\r\nCont", {"GET"}, 4, true).error,
            "the connection closed inside the response head");
  EXPECT_EQ(read_all("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", {"GET"}, 4, true).error,
            "the connection closed inside the response body");
}

}  // namespace
}  // namespace polyport::detail
