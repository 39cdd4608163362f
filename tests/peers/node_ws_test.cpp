// Node's `ws` package against polyport, both ways: a Node client against `polyport serve`
// (ws and wss with a generated certificate, subprotocols, ping, close codes) and `polyport send`
// against a Node echo server.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

const std::string node_dir = std::string(POLYPORT_SOURCE_DIR) + "/tests/peers/node/";

class node_ws : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(has_program("node", "nodejs")); }

  // A Node client of `url`; waits for its "open" line and returns it.
  std::unique_ptr<child_process> node_client(const std::string& url, const std::string& protocol = "-",
                                             const std::string& ca = "") {
    std::vector<std::string> argv{"node", node_dir + "ws_peer_client.js", url, protocol};
    if (!ca.empty()) {
      argv.push_back(ca);
    }
    auto client = std::make_unique<child_process>(argv, true);
    opened_ = client->read_line(15s).value_or("(nothing)");
    return client;
  }

  // Writes `command` to the client and expects `reply` as its next line.
  static void expect_reply(child_process& client, const std::string& command, const std::string& reply) {
    client.write_stdin(command + "\n");
    EXPECT_EQ(client.read_line(10s).value_or("(nothing)"), reply) << "after " << command;
  }

  temp_dir dir_;
  test_identity identity_ = write_test_identity(dir_);
  std::string opened_;
};

TEST_F(node_ws, node_client_echoes_text_and_binary_with_one_pong_per_ping) {
  served server({"echo://127.0.0.1:0/chat;transport=ws"});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.listeners().at(0).transport, "ws");
  auto client = node_client("ws://127.0.0.1:" + std::to_string(server.port()) + "/chat");
  ASSERT_EQ(opened_, "open -");
  expect_reply(*client, "text hello from node", "text hello from node");
  expect_reply(*client, "binary bytes from node", "binary bytes from node");
  expect_reply(*client, "ping p1", "pong p1");
  // A second pong would come before this echo (NkPACKET answers every ping twice).
  expect_reply(*client, "text after the ping", "text after the ping");
  expect_reply(*client, "close 4001 done", "close 4001 ");
  EXPECT_EQ(client->wait_exit(10s), 0);
}

// Node's client offers permessage-deflate by default: the server agrees without context
// takeover, and large messages travel compressed both ways.
TEST_F(node_ws, permessage_deflate_is_negotiated_with_node) {
  served server({"echo://127.0.0.1:0;transport=ws;max_frame=300000"});
  ASSERT_TRUE(server.ready());
  auto client = node_client("ws://127.0.0.1:" + std::to_string(server.port()) + "/");
  ASSERT_EQ(opened_, "open -");
  expect_reply(*client, "extensions", "extensions permessage-deflate");
  expect_reply(*client, "big 200000", "text 200000 bytes");
  expect_reply(*client, "text small", "text small");
  // 400 kB of "a" compress to almost nothing: the limit applies to the inflated size.
  client->write_stdin("big 400000\n");
  EXPECT_EQ(client->read_line(10s).value_or("(nothing)"), "close 1009 ");
}

TEST_F(node_ws, node_client_over_wss_with_the_generated_certificate) {
  served server({"echo://127.0.0.1:0;transport=wss;tls_certfile=" + identity_.certfile +
                 ";tls_keyfile=" + identity_.keyfile});
  ASSERT_TRUE(server.ready());
  auto client = node_client("wss://localhost:" + std::to_string(server.port()) + "/", "-", identity_.certfile);
  ASSERT_EQ(opened_, "open -");
  expect_reply(*client, "text over wss", "text over wss");
  expect_reply(*client, "close 1000 bye", "close 1000 ");
}

TEST_F(node_ws, subprotocol_is_negotiated_and_a_wrong_one_refused) {
  served server({"echo://127.0.0.1:0/p;transport=ws;ws_proto=proto1"});
  ASSERT_TRUE(server.ready());
  std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/p";
  auto good = node_client(url, "proto1");
  EXPECT_EQ(opened_, "open proto1");
  expect_reply(*good, "text with proto1", "text with proto1");
  auto bad = node_client(url, "other");
  EXPECT_EQ(opened_, "error Unexpected server response: 404");
}

TEST_F(node_ws, polyport_send_reaches_a_node_echo_server_over_ws_and_wss) {
  child_process plain({"node", node_dir + "ws_peer_server.js"}, true);
  auto plain_line = plain.wait_for_line("listening", 15s);
  ASSERT_TRUE(plain_line);
  std::string plain_port = plain_line->substr(plain_line->rfind(':') + 1);
  auto reply = run_command({POLYPORT_BINARY, "send", "echo://127.0.0.1:" + plain_port + "/any;transport=ws", "hello node"});
  EXPECT_EQ(reply.exit_code, 0) << reply.output;
  EXPECT_EQ(reply.output, "hello node");

  child_process secure({"node", node_dir + "ws_peer_server.js", identity_.certfile, identity_.keyfile}, true);
  auto secure_line = secure.wait_for_line("listening", 15s);
  ASSERT_TRUE(secure_line);
  std::string secure_port = secure_line->substr(secure_line->rfind(':') + 1);
  reply = run_command({POLYPORT_BINARY, "send",
                       "echo://localhost:" + secure_port + ";transport=wss;tls_cacertfile=" + identity_.certfile,
                       "hello secure node"});
  EXPECT_EQ(reply.exit_code, 0) << reply.output;
  EXPECT_EQ(reply.output, "hello secure node");
  // polyport's client closes with 1000 when it is done.
  EXPECT_TRUE(secure.wait_for_line("close 1000", 10s));
}

// ws_deflate=true: polyport's client offers permessage-deflate; a Node server that accepts it
// agrees, one that does not (Node's default) declines, and the message comes back either way.
TEST_F(node_ws, polyport_client_offers_permessage_deflate_to_node) {
  std::string message(3000, 'q');
  for (bool node_deflates : {true, false}) {
    child_process server({"env", node_deflates ? "WS_DEFLATE=1" : "WS_DEFLATE=0", "node", node_dir + "ws_peer_server.js"},
                         true);
    auto line = server.wait_for_line("listening", 15s);
    ASSERT_TRUE(line);
    auto reply = run_command({POLYPORT_BINARY, "send",
                              "echo://127.0.0.1:" + line->substr(line->rfind(':') + 1) + "/z;transport=ws;ws_deflate=true",
                              message});
    EXPECT_EQ(reply.exit_code, 0) << reply.output;
    EXPECT_EQ(reply.output, message);
    EXPECT_TRUE(server.wait_for_line(node_deflates ? "connection permessage-deflate" : "connection -", 10s))
        << (node_deflates ? "Node did not agree to deflate" : "Node agreed to deflate");
  }
}

TEST_F(node_ws, polyport_client_asks_node_for_a_subprotocol) {
  child_process server({"node", node_dir + "ws_peer_server.js"}, true);
  auto line = server.wait_for_line("listening", 15s);
  ASSERT_TRUE(line);
  auto reply = run_command(
      {POLYPORT_BINARY, "send", "echo://127.0.0.1:" + line->substr(line->rfind(':') + 1) + "/x;transport=ws;ws_proto=chat", "with proto"});
  EXPECT_EQ(reply.exit_code, 0) << reply.output;
  EXPECT_EQ(reply.output, "with proto");
}

}  // namespace
}  // namespace polyport::testing
