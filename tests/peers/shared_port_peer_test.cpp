// `polyport serve` with several URLs on one ip:port (issue 5), driven by curl (Host by header and
// by --resolve) and Node's `ws`: the hello page, a static root for one host, and a WebSocket
// echo, all on one port, each request routed to its listener.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
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

class shared_port_peer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("curl", "curl"));
    ASSERT_TRUE(has_program("node", "nodejs"));
    std::filesystem::create_directories(dir_.path().string() + "/a");
    std::ofstream(dir_.path().string() + "/a/page.txt") << "static page";
    port_ = free_port();
    std::string at = "127.0.0.1:" + std::to_string(port_);
    server_ = std::make_unique<served>(std::vector<std::string>{
        "http://" + at + "/a",
        "echo://" + at + "/b;transport=ws",
        "http://" + at + "/;host=www.example.test?root=" + dir_.path().string(),
    });
  }

  std::string curl(std::vector<std::string> arguments) {
    std::vector<std::string> argv{"curl", "-sS"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto result = run_command(argv);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<served> server_;
};

TEST_F(shared_port_peer, every_url_prints_its_listening_line_on_the_one_port) {
  ASSERT_TRUE(server_->ready());
  ASSERT_EQ(server_->listeners().size(), 3u);
  EXPECT_EQ(server_->listeners().at(0).transport, "http");
  EXPECT_EQ(server_->listeners().at(1).scheme, "echo");
  EXPECT_EQ(server_->listeners().at(1).transport, "ws");
  for (const auto& line : server_->listeners()) {
    EXPECT_EQ(line.port, port_) << line.where;
  }
}

TEST_F(shared_port_peer, curl_is_routed_by_path_and_host) {
  ASSERT_TRUE(server_->ready());
  EXPECT_EQ(curl({url("/a")}), "hello");
  EXPECT_EQ(curl({url("/a/page.txt")}), "hello");  // any host: the hello listener at /a
  EXPECT_EQ(curl({"-H", "Host: www.example.test", url("/a/page.txt")}), "static page");
  std::string resolved = "http://www.example.test:" + std::to_string(port_) + "/a/page.txt";
  EXPECT_EQ(curl({"--resolve", "www.example.test:" + std::to_string(port_) + ":127.0.0.1", resolved}), "static page");
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", url("/ab")}), "404");
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", url("/b")}), "404");  // /b is WebSocket only
  // One connection, three listeners' answers: a 404 does not end it.
  auto result = run_command({"curl", "-sS", "-v", url("/a"), url("/nowhere"), url("/a/x")});
  EXPECT_NE(result.output.find("Re-using existing connection"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("HTTP/1.1 404"), std::string::npos) << result.output;
}

TEST_F(shared_port_peer, node_ws_upgrades_reach_the_echo_listener_only) {
  ASSERT_TRUE(server_->ready());
  std::string base = "ws://127.0.0.1:" + std::to_string(port_);
  child_process client({"node", node_dir + "ws_peer_client.js", base + "/b", "-"}, true);
  ASSERT_EQ(client.read_line(15s).value_or("(nothing)"), "open -");
  client.write_stdin("text through the shared port\n");
  EXPECT_EQ(client.read_line(10s).value_or("(nothing)"), "text through the shared port");
  EXPECT_EQ(curl({url("/a")}), "hello");  // the HTTP listener meanwhile
  client.write_stdin("close 1000 done\n");
  EXPECT_EQ(client.read_line(10s).value_or("(nothing)"), "close 1000 ");  // the close echoed, without reason

  child_process refused({"node", node_dir + "ws_peer_client.js", base + "/a", "-"}, true);
  std::string line = refused.read_line(15s).value_or("(nothing)");
  EXPECT_NE(line.find("404"), std::string::npos) << line;  // /a has no WebSocket listener
}

}  // namespace
}  // namespace polyport::testing
