// The WebSocket frame codec and handshake helpers without sockets (RFC 6455 §4, §5, §7.4).

#include "transport/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>

#include "transport/ws_deflate.hpp"
#include "transport/ws_handshake.hpp"

namespace polyport::detail {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(ws_frame, header_round_trips_at_every_length_form) {
  std::array<std::byte, 4> mask{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  for (std::uint64_t size : {0ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 40}) {
    for (bool masked : {false, true}) {
      std::array<std::byte, max_ws_header_size> out{};
      std::size_t written = write_ws_header(out, ws_opcode::binary, true, false, size, masked ? &mask : nullptr);
      auto read = read_ws_header(std::span<const std::byte>(out.data(), written), masked, false, ~0ull >> 1);
      ASSERT_EQ(read.result, ws_header_read::outcome::frame) << size;
      EXPECT_EQ(read.header.payload_size, size);
      EXPECT_EQ(read.header.header_size, written);
      EXPECT_EQ(read.header.masked, masked);
      // Every shorter prefix asks for more.
      for (std::size_t cut = 0; cut < written; ++cut) {
        EXPECT_EQ(read_ws_header(std::span<const std::byte>(out.data(), cut), masked, false, ~0ull >> 1).result,
                  ws_header_read::outcome::need_more);
      }
    }
  }
}

TEST(ws_frame, protocol_errors_have_their_close_codes) {
  auto code_of = [](std::string_view frame, bool server, std::uint64_t max = 1000) {
    return read_ws_header(bytes_of(frame), server, false, max).close_code;
  };
  EXPECT_EQ(code_of(std::string("\x82\x01", 2), true), ws_close::protocol_error);        // unmasked from a client
  EXPECT_EQ(code_of(std::string("\x82\x81\0\0\0\0", 6), false), ws_close::protocol_error);  // masked from a server
  EXPECT_EQ(code_of(std::string("\xc2\x00", 2), false), ws_close::protocol_error);        // rsv1 not negotiated
  EXPECT_EQ(code_of(std::string("\x83\x00", 2), false), ws_close::protocol_error);        // opcode 3
  EXPECT_EQ(code_of(std::string("\x09\x00", 2), false), ws_close::protocol_error);        // fragmented ping
  EXPECT_EQ(code_of(std::string("\x89\x7e\x00\x7e", 4), false), ws_close::protocol_error);  // 126-byte ping
  EXPECT_EQ(code_of(std::string("\x82\x7e\x03\xe9", 4), false), ws_close::too_big);        // 1001 > 1000
}

TEST(ws_frame, masking_is_its_own_inverse_at_any_offset) {
  std::string text = "The quick brown fox jumps over the lazy dog";
  std::array<std::byte, 4> mask{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef}};
  std::vector<std::byte> data(bytes_of(text).begin(), bytes_of(text).end());
  apply_ws_mask(data, mask);
  apply_ws_mask(std::span(data).first(5), mask, 0);
  apply_ws_mask(std::span(data).subspan(5), mask, 5);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()), data.size()), text);
}

TEST(ws_frame, utf8_validation_follows_rfc_3629) {
  EXPECT_TRUE(is_valid_utf8(bytes_of("plain ascii")));
  EXPECT_TRUE(is_valid_utf8(bytes_of("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")));
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xc3\x28")));              // bad continuation
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xc0\xaf")));              // overlong
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xed\xa0\x80")));          // surrogate
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xf4\x90\x80\x80")));      // over U+10FFFF
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xe2\x82")));              // cut short
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xff")));
}

TEST(ws_frame, close_payloads) {
  EXPECT_EQ(read_ws_close({}).payload.code, ws_close::no_status);
  auto normal = read_ws_close(bytes_of(std::string("\x03\xe8ok", 4)));
  EXPECT_TRUE(normal.ok);
  EXPECT_EQ(normal.payload.code, 1000);
  EXPECT_EQ(normal.payload.reason, "ok");
  EXPECT_EQ(read_ws_close(bytes_of("\x03")).error_code, ws_close::protocol_error);
  EXPECT_EQ(read_ws_close(bytes_of(std::string("\x03\xed", 2))).error_code, ws_close::protocol_error);  // 1005
  EXPECT_EQ(read_ws_close(bytes_of(std::string("\x03\xe8\xff", 3))).error_code, ws_close::invalid_payload);
}

TEST(ws_handshake, accept_value_is_rfc_6455s_example) {
  EXPECT_EQ(ws_accept_value("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_handshake, host_and_path_matching) {
  EXPECT_TRUE(host_matches("", "anything"));
  EXPECT_TRUE(host_matches("Example.com", "example.COM:8080"));
  EXPECT_TRUE(host_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(host_matches("*.example.com", "example.com"));
  EXPECT_FALSE(host_matches("example.com", "badexample.com"));
  EXPECT_TRUE(host_matches("[::1]", "[::1]:80"));
  EXPECT_TRUE(path_matches("/chat", "/chat"));
  EXPECT_TRUE(path_matches("/chat/", "/chat/room"));
  EXPECT_FALSE(path_matches("/chat", "/chatroom"));
  EXPECT_TRUE(path_matches("/", "/x"));
}

TEST(ws_handshake, request_split_anywhere_is_read_once_complete) {
  std::string request =
      "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: x, chat\r\n\r\n";
  ws_accept_rules rules{.path = "/chat", .ws_proto = "chat"};
  for (std::size_t cut = 0; cut < request.size(); ++cut) {
    EXPECT_EQ(read_ws_request(bytes_of(request).first(cut), rules).result, ws_request_read::outcome::need_more);
  }
  auto read = read_ws_request(bytes_of(request + "extra"), rules);
  ASSERT_EQ(read.result, ws_request_read::outcome::accepted) << read.error;
  EXPECT_EQ(read.consumed, request.size());
  EXPECT_EQ(read.subprotocol, "chat");
  EXPECT_NE(read.response.find("Sec-WebSocket-Protocol: chat\r\n"), std::string::npos);
}

TEST(ws_deflate, offers_are_accepted_without_context_takeover) {
  auto plain = accept_ws_deflate("permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->answer, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_EQ(plain->window_bits, 15);
  auto small = accept_ws_deflate("x-other, permessage-deflate; server_max_window_bits=10");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->window_bits, 10);
  EXPECT_NE(small->answer.find("server_max_window_bits=10"), std::string::npos);
  EXPECT_FALSE(accept_ws_deflate("permessage-deflate; unknown_parameter"));
  EXPECT_FALSE(accept_ws_deflate("permessage-deflate; server_max_window_bits=16"));
  EXPECT_FALSE(accept_ws_deflate("x-webkit-deflate-frame"));
}

TEST(ws_deflate, a_client_uses_only_an_answer_to_what_it_offered) {
  for (std::string_view agreed : {"permessage-deflate; server_no_context_takeover",
                                   "permessage-deflate;server_no_context_takeover; client_no_context_takeover; "
                                   "server_max_window_bits=10"}) {
    auto checked = check_ws_deflate_answer(agreed);
    ASSERT_TRUE(checked.ok()) << checked.error().message;
    EXPECT_EQ(*checked, 15);
  }
  for (std::string_view refused :
       {"permessage-deflate", "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=16",
        "permessage-deflate; server_no_context_takeover, permessage-deflate; server_no_context_takeover",
        "x-webkit-deflate-frame", "permessage-deflate; server_no_context_takeover=1"}) {
    auto checked = check_ws_deflate_answer(refused);
    EXPECT_FALSE(checked.ok()) << refused;
    if (!checked.ok()) {
      EXPECT_NE(checked.error().message.find(std::string(refused)), std::string::npos) << checked.error().message;
    }
  }
  // What the client offers is what a polyport listener accepts.
  auto answer = accept_ws_deflate(ws_deflate_client_offer);
  ASSERT_TRUE(answer);
  EXPECT_TRUE(check_ws_deflate_answer(answer->answer).ok());
}

TEST(ws_deflate, round_trip_and_the_inflate_limit) {
  std::string text(100000, 'z');
  auto compressed = ws_deflate(bytes_of(text), 15);
  EXPECT_LT(compressed.size(), 1000u);
  auto back = ws_inflate(compressed, text.size());
  ASSERT_EQ(back.result, ws_inflate_result::outcome::ok);
  EXPECT_EQ(back.message.size(), text.size());
  EXPECT_EQ(ws_inflate(compressed, text.size() - 1).result, ws_inflate_result::outcome::too_big);
  EXPECT_EQ(ws_inflate(bytes_of("\xff\xff\xff\xff"), 100).result, ws_inflate_result::outcome::corrupt);
}

}  // namespace
}  // namespace polyport::detail
