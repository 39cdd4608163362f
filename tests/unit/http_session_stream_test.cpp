// The request parser's streamed bodies (http_session): the head is offered before the body, the
// pieces add up to the body at any cut into reads, trailers join the headers, limits give 413.

#include "core/http_session.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace polyport::detail {
namespace {

struct outcome {
  std::vector<std::string> bodies;  // one per request, whole or streamed
  std::vector<std::size_t> pieces;  // the size of every piece
  std::vector<std::string> trailer;  // X-Sum of each request
  int heads = 0;
  int continues = 0;
  int bad_status = 0;
};

// Feeds `stream` in reads of `read_size`, streaming the bodies offered when `stream_bodies`.
outcome drive(const std::string& stream, std::size_t read_size, bool stream_bodies, http_limits limits) {
  http_session session(limits);
  outcome out;
  std::string body;
  std::string pending;
  for (std::size_t at = 0; at < stream.size() && out.bad_status == 0; at += read_size) {
    pending += stream.substr(at, read_size);
    std::size_t used = 0;
    for (;;) {
      auto step = session.feed(std::as_bytes(std::span(pending.data() + used, pending.size() - used)));
      used += step.consumed;
      if (step.result == http_session::step::outcome::head) {
        out.heads += 1;
        step = session.choose_body(stream_bodies);
        if (step.result == http_session::step::outcome::need_more) {
          continue;
        }
      }
      if (step.result == http_session::step::outcome::piece) {
        out.pieces.push_back(step.piece.size());
        body.append(reinterpret_cast<const char*>(step.piece.data()), step.piece.size());
        continue;
      }
      if (step.result == http_session::step::outcome::need_more) {
        if (step.status == 100) {
          out.continues += 1;
          continue;
        }
        break;
      }
      if (step.result == http_session::step::outcome::bad) {
        out.bad_status = step.status;
        break;
      }
      out.bodies.push_back(session.request().body_streamed ? body : session.request().body);
      out.trailer.emplace_back(session.request().header("x-sum"));
      body.clear();
      session.reset();
    }
    pending.erase(0, used);
  }
  return out;
}

constexpr http_limits limits{default_http_max_header, 1000, 100, 200000};

TEST(http_session_stream, a_chunked_body_with_a_trailer_is_the_same_at_every_cut) {
  std::string stream =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
      "5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t read_size = 1; read_size <= stream.size(); ++read_size) {
    auto got = drive(stream, read_size, true, limits);
    ASSERT_EQ(got.bodies, (std::vector<std::string>{"hello, world", ""})) << read_size;
    EXPECT_EQ(got.trailer, (std::vector<std::string>{"12", ""})) << read_size;
    EXPECT_EQ(got.heads, 1);
    EXPECT_LE(got.continues, 1);  // none when the body came with the head
  }
  std::size_t head_size = stream.find("\r\n\r\n") + 4;
  EXPECT_EQ(drive(stream, head_size, true, limits).continues, 1);
}

TEST(http_session_stream, a_long_body_comes_in_pieces_of_at_most_piece_size) {
  std::string data(150000, 'd');
  auto got = drive("PUT / HTTP/1.1\r\nContent-Length: 150000\r\n\r\n" + data, 1 << 20, true, limits);
  ASSERT_EQ(got.bodies, std::vector<std::string>{data});
  EXPECT_EQ(got.pieces, (std::vector<std::size_t>{http_session::piece_size, http_session::piece_size,
                                                  150000 - 2 * http_session::piece_size}));
}

TEST(http_session_stream, small_or_declined_bodies_are_whole_within_max_body) {
  auto small = drive("PUT / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 's'), 7, true, limits);
  EXPECT_EQ(small.heads, 0);
  EXPECT_EQ(small.bodies, std::vector<std::string>{std::string(100, 's')});
  auto declined = drive("PUT / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'w'), 7, false, limits);
  EXPECT_EQ(declined.heads, 1);
  EXPECT_EQ(declined.bodies, std::vector<std::string>{std::string(1000, 'w')});
  EXPECT_EQ(drive("PUT / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 64, false, limits).bad_status, 413);
  EXPECT_EQ(drive("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", 64, false, limits).bad_status, 413);
}

TEST(http_session_stream, streamed_limits_and_malformed_chunks) {
  EXPECT_EQ(drive("PUT / HTTP/1.1\r\nContent-Length: 200001\r\n\r\n", 64, true, limits).bad_status, 413);
  auto over = drive("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n30000\r\n" + std::string(196608, 'o') +
                        "\r\n2000\r\n",
                    4096, true, limits);
  EXPECT_EQ(over.bad_status, 413);
  EXPECT_EQ(drive("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 64, true, limits).bad_status, 400);
  EXPECT_EQ(drive("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 64, true, limits).bad_status,
            400);
}

}  // namespace
}  // namespace polyport::detail
