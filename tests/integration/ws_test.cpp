// WebSocket (ws, wss) over IPv4 and IPv6: polyport's client against its server, and a client
// played byte by byte for the handshake, control frames, fragmentation and bad input.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "support/wait.hpp"
#include "transport_permutation.hpp"
#include "ws_wire.hpp"

namespace polyport::testing {
namespace {

class ws_test : public transport_test {
 protected:
  void SetUp() override {
    server_rt.register_protocol("echo", std::make_shared<echo_protocol>());
    server_rt.register_protocol("record", recorder);
    client_rt.register_protocol("collect", collector);
  }

  // An upgraded raw client of `server` at `path`.
  raw_peer upgraded_peer(const listener& server, std::string_view path = "/") {
    raw_peer peer = open_peer(server);
    EXPECT_TRUE(peer.connected()) << peer.error();
    std::string head = ws_upgrade(peer, path);
    EXPECT_TRUE(head.starts_with("HTTP/1.1 101")) << head;
    return peer;
  }

  runtime server_rt{{.workers = 2}};
  runtime client_rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>();
  std::shared_ptr<recording_protocol> collector = std::make_shared<recording_protocol>();
};

TEST_P(ws_test, messages_round_trip_whole_and_in_order) {
  auto server = listen(server_rt, "echo");
  auto conn = within(client_rt.connect(connect_url("collect", *server)));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  std::vector<std::string> sent = {"hello", "", "x", std::string(70000, 'a'), "world"};
  for (const auto& message : sent) {
    conn->send(message);
  }
  ASSERT_TRUE(collector->wait_messages(sent.size()));
  EXPECT_EQ(collector->all_messages(), sent);
}

TEST_P(ws_test, four_mib_message_both_ways) {
  auto server = listen(server_rt, "echo");
  auto conn = within(client_rt.connect(connect_url("collect", *server)));
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  std::string payload(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>((i * 31 + i / 7) % 251);
  }
  conn->send(payload);
  ASSERT_TRUE(collector->wait_messages(1, 20s));
  EXPECT_TRUE(collector->all_messages()[0] == payload);
}

// ws_deflate=true: the client offers permessage-deflate, the listener agrees, and a large
// repetitive message crosses the wire as a fraction of its size, both ways. ws_deflate=false on
// the listener declines the offer: the same message crosses whole.
TEST_P(ws_test, client_offered_deflate_compresses_both_ways_unless_the_listener_declines) {
  std::string message(100000, 'z');
  std::size_t connections = 0;
  for (std::string listener_deflate : {"", "ws_deflate=false"}) {
    auto server = listen(server_rt, "echo", listener_deflate);
    auto conn = within(client_rt.connect(connect_url("collect", *server, "ws_deflate=true;force_new=true")));
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    conn->send(message);
    ++connections;
    // Each pass waits for the echo on its own connection: the previous pass's record already
    // holds a message, and reading stats before this echo arrives would see it half done.
    ASSERT_TRUE(collector->wait_for([&](const auto& records) {
      return records.size() == connections && !records.back().messages.empty();
    }));
    EXPECT_EQ(collector->records().back().messages.front(), message);
    // The server counts bytes right after its write returns, which can be just after the
    // client reads them. Its worker sees the client's close only after that count.
    conn->close();
    ASSERT_TRUE(eventually([&] { return server->stats().current == 0; }));
    connection_stats seen = server->stats();
    if (listener_deflate.empty()) {
      EXPECT_LT(seen.bytes_in, 5000U) << "the message was not compressed";
      EXPECT_LT(seen.bytes_out, 5000U) << "the echo was not compressed";
    } else {
      EXPECT_GT(seen.bytes_in, message.size());
      EXPECT_GT(seen.bytes_out, message.size());
    }
    server->stop();
  }
}

TEST_P(ws_test, path_and_subprotocol_must_match) {
  auto server = listen(server_rt, "echo", "path=/chat;ws_proto=proto1");
  EXPECT_TRUE(within(client_rt.connect(connect_url("collect", *server, "path=/chat/room;ws_proto=proto1"))).ok());
  auto wrong_path = within(client_rt.connect(connect_url("collect", *server, "path=/other;ws_proto=proto1")));
  ASSERT_FALSE(wrong_path.ok());
  EXPECT_NE(wrong_path.error().message.find("404"), std::string::npos) << wrong_path.error().message;
  auto no_proto = within(client_rt.connect(connect_url("collect", *server, "path=/chat")));
  EXPECT_FALSE(no_proto.ok());
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::handshake_error) == 2; }));
}

TEST_P(ws_test, client_reports_an_unrequested_subprotocol_instead_of_crashing) {
  auto server = listen(server_rt, "echo", "ws_proto=proto1");
  auto asked_other = within(client_rt.connect(connect_url("collect", *server, "ws_proto=proto2")));
  EXPECT_FALSE(asked_other.ok());
}

TEST_P(ws_test, one_pong_per_ping_and_text_stays_text) {
  auto server = listen(server_rt, "echo");
  raw_peer peer = upgraded_peer(*server);
  ASSERT_TRUE(peer.write_all(ws_client_frame(0x9, "p1") + ws_client_frame(0x1, "héllo")));
  auto pong = ws_read_frame(peer);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, 0xA);
  EXPECT_EQ(pong->payload, "p1");
  auto echoed = ws_read_frame(peer);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->opcode, 0x1);  // not a second pong
  EXPECT_EQ(echoed->payload, "héllo");
}

TEST_P(ws_test, fragments_make_one_message_with_control_frames_between) {
  auto server = listen(server_rt, "record");
  raw_peer peer = upgraded_peer(*server);
  std::string split;
  for (char c : std::string("abcdefgh")) {
    split += ws_client_frame(split.empty() ? 0x2 : 0x0, std::string(1, c), c == 'h');
    if (c == 'c') {
      split += ws_client_frame(0x9, "");
    }
  }
  // Sent a byte at a time, so frame headers are split too.
  for (char c : split) {
    ASSERT_TRUE(peer.write_all(std::string(1, c)));
  }
  ASSERT_TRUE(recorder->wait_messages(1));
  EXPECT_EQ(recorder->all_messages(), std::vector<std::string>{"abcdefgh"});
}

TEST_P(ws_test, close_code_and_reason_reach_the_protocol_and_are_echoed) {
  auto server = listen(server_rt, "record");
  raw_peer peer = upgraded_peer(*server);
  ASSERT_TRUE(peer.write_all(ws_client_frame(0x8, std::string("\x0f\xa0", 2) + "bye")));  // 4000
  auto reply = ws_read_frame(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->opcode, 0x8);
  EXPECT_EQ(ws_close_code(*reply), 4000);
  ASSERT_TRUE(recorder->wait_closed(1));
  auto records = recorder->records();
  EXPECT_EQ(records[0].closed.reason, close_reason::peer_closed);
  EXPECT_EQ(records[0].closed.detail, "WebSocket close 4000 bye");
}

std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

struct bad_frame_case {
  std::string name;
  std::string frame;
  int code;
};

TEST_P(ws_test, bad_frames_close_with_the_right_code_and_others_are_unaffected) {
  auto server = listen(server_rt, "echo", "max_frame=1000");
  raw_peer bystander = upgraded_peer(*server);
  std::vector<bad_frame_case> cases = {
      {"unmasked", ws_client_frame(0x2, "x", true, false), 1002},
      {"invalid utf-8", ws_client_frame(0x1, "\xc3\x28"), 1007},
      {"too big", ws_client_frame(0x2, std::string(1001, 'a')), 1009},
      {"reserved bit", std::string(1, '\xc2') + ws_client_frame(0x2, "x").substr(1), 1002},
      {"unknown opcode", ws_client_frame(0x3, "x"), 1002},
      {"lone continuation", ws_client_frame(0x0, "x"), 1002},
  };
  for (const auto& c : cases) {
    raw_peer peer = upgraded_peer(*server);
    ASSERT_TRUE(peer.write_all(c.frame)) << c.name;
    auto reply = ws_read_frame(peer);
    ASSERT_TRUE(reply) << c.name;
    EXPECT_EQ(reply->opcode, 0x8) << c.name;
    EXPECT_EQ(ws_close_code(*reply), c.code) << c.name;
    EXPECT_TRUE(peer.wait_closed()) << c.name;
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::frame_error) == cases.size(); }));
  ASSERT_TRUE(bystander.write_all(ws_client_frame(0x2, "still here")));
  auto echoed = ws_read_frame(bystander);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->payload, "still here");
}

TEST_P(ws_test, bad_upgrades_get_a_status_and_are_counted) {
  auto server = listen(server_rt, "echo", "path=/chat");
  struct attempt {
    std::string request;
    std::string status;
  };
  std::vector<attempt> attempts = {
      {"GET /chat HTTP/1.1\r\nHost: x\r\n\r\n", "426"},
      {"GARBAGE\r\n\r\n", "400"},
      {"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
       "400"},
      {"GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
       "404"},
      {"GET /chat HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", "431"},
  };
  for (const auto& a : attempts) {
    raw_peer peer = open_peer(*server);
    ASSERT_TRUE(peer.write_all(a.request));
    EXPECT_EQ(peer.read_exact(12), "HTTP/1.1 " + a.status) << a.request.substr(0, 40);
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::handshake_error) == attempts.size(); }));
}

TEST_P(ws_test, frames_sent_with_the_upgrade_request_are_not_lost) {
  auto server = listen(server_rt, "echo");
  raw_peer peer = open_peer(*server);
  std::string request =
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_TRUE(peer.write_all(request + ws_client_frame(0x2, "early")));
  std::string head = peer.read_head();
  ASSERT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_NE(head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << head;  // RFC 6455's example
  auto echoed = ws_read_frame(peer);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->payload, "early");
}

TEST_P(ws_test, connections_are_reused_only_for_the_same_path) {
  auto server = listen(server_rt, "echo");
  ASSERT_TRUE(within(client_rt.send(connect_url("collect", *server, "path=/a"), bytes("1"))).ok());
  ASSERT_TRUE(within(client_rt.send(connect_url("collect", *server, "path=/a"), bytes("2"))).ok());
  ASSERT_TRUE(within(client_rt.send(connect_url("collect", *server, "path=/b"), bytes("3"))).ok());
  EXPECT_TRUE(eventually([&] { return server->stats().accepted == 2; }));
  EXPECT_TRUE(collector->wait_messages(3));
}

INSTANTIATE_TEST_SUITE_P(transports, ws_test, ::testing::ValuesIn(websocket_transports()), case_name);

}  // namespace
}  // namespace polyport::testing
