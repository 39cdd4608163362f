// Two hops: a polyport client with proxy_send → HAProxy (`bind ... accept-proxy`, a real PROXY
// receiver) → a polyport listener with proxy_protocol=v2, behind HAProxy's `send-proxy-v2`.
// HAProxy takes the client from polyport's header and passes it on in its own: the listener at
// the end must see the client the first header named.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "support/address_recorder.hpp"
#include "support/child_process.hpp"
#include "support/sourced_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

endpoint at(std::string_view ip, std::uint16_t port) { return {*ip_address::parse(ip), port, {}}; }

class haproxy_accept_proxy_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("haproxy", "haproxy"));
    rt.register_protocol("rec", recorder);
  }

  std::shared_ptr<listener> listen(const std::string& params) {
    auto started = rt.listen("rec://127.0.0.1:0;transport=tcp;" + params);
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    return *started;
  }

  // HAProxy reading PROXY headers on `front_port` and sending v2 ones to `backend`.
  ::testing::AssertionResult start_haproxy(std::uint16_t backend) {
    std::string cfg = dir.file("haproxy.cfg");
    std::ofstream(cfg) << "global\n    maxconn 100\n    nbthread 1\n"
                       << "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 30s\n"
                       << "    timeout server 30s\n"
                       << "frontend fe_ready\n    bind 127.0.0.1:" << ready_port << "\n"
                       << "    tcp-request connection reject\n"
                       << "frontend fe_front\n    bind 127.0.0.1:" << front_port << " accept-proxy\n"
                       << "    default_backend be\n"
                       << "backend be\n    server s1 127.0.0.1:" << backend << " send-proxy-v2\n";
    haproxy = std::make_unique<child_process>(std::vector<std::string>{"haproxy", "-f", cfg, "-db"});
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (haproxy->wait_exit(0ms)) {
        return ::testing::AssertionFailure() << "haproxy exited at start (its stderr is above)";
      }
      sourced_client probe("127.0.0.1", ready_port);
      if (probe.connected()) {
        return ::testing::AssertionSuccess();
      }
      std::this_thread::sleep_for(20ms);  // poll interval of the deadline loop
    }
    return ::testing::AssertionFailure() << "haproxy did not listen on 127.0.0.1:" << ready_port << " within 15 s";
  }

  // Connects to HAProxy's front with `params`, sends a message and waits for its echo.
  result<connection_ref> through_haproxy(const std::string& params, std::size_t echoes_so_far) {
    auto pending = rt.connect("rec://127.0.0.1:" + std::to_string(front_port) + ";transport=tcp;" + params);
    if (pending.wait_for(10s) != std::future_status::ready) {
      return error{"connect timed out"};
    }
    auto conn = pending.get();
    if (conn) {
      conn->send("through two hops");
      if (!recorder->wait_echoes(echoes_so_far + 1)) {
        return error{"no echo through haproxy"};
      }
    }
    return conn;
  }

  temp_dir dir;
  runtime rt{{.workers = 2}};
  std::shared_ptr<address_recorder> recorder = std::make_shared<address_recorder>();
  std::uint16_t ready_port = free_port();
  std::uint16_t front_port = free_port();
  std::unique_ptr<child_process> haproxy;
};

TEST_F(haproxy_accept_proxy_test, a_named_client_survives_two_hops_from_v1_and_v2_headers) {
  auto server = listen("proxy_protocol=v2");
  ASSERT_TRUE(start_haproxy(server->local().port));
  ASSERT_TRUE(through_haproxy("proxy_send=v1;proxy_source=198.51.100.9:5555", 0));
  ASSERT_TRUE(through_haproxy("proxy_send=v2;proxy_source=[2001:db8::9]:6666", 1));

  auto via_v1 = recorder->wait_inbound(0);
  ASSERT_TRUE(via_v1);
  EXPECT_EQ(via_v1->remote, at("198.51.100.9", 5555));
  EXPECT_EQ(via_v1->peer.address, *ip_address::parse("127.0.0.1")) << "the socket's peer is HAProxy";
  ASSERT_TRUE(via_v1->proxy);
  EXPECT_EQ(via_v1->proxy->version, 2) << "HAProxy's own header";

  auto via_v2 = recorder->wait_inbound(1);
  ASSERT_TRUE(via_v2);
  EXPECT_EQ(via_v2->remote, at("2001:db8::9", 6666));
  EXPECT_EQ(server->stats().closed_by(close_reason::proxy_error), 0u);
}

TEST_F(haproxy_accept_proxy_test, by_default_the_clients_own_address_survives_two_hops) {
  auto server = listen("proxy_protocol=v2");
  ASSERT_TRUE(start_haproxy(server->local().port));
  auto conn = through_haproxy("proxy_send=v2", 0);
  ASSERT_TRUE(conn) << conn.error().message;
  auto seen = recorder->wait_inbound(0);
  auto client = recorder->wait_outbound(0);
  ASSERT_TRUE(seen && client);
  EXPECT_EQ(seen->remote, client->local) << "the polyport client's own address and port";
  EXPECT_NE(seen->remote, seen->peer);
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->proxy->destination, at("127.0.0.1", front_port))
      << "HAProxy passes on the destination polyport's header named: its own front";
}

TEST_F(haproxy_accept_proxy_test, the_last_listeners_rules_judge_the_first_client) {
  auto server = listen("proxy_protocol=v2;deny=198.51.100.0/24;allow=all");
  ASSERT_TRUE(start_haproxy(server->local().port));
  auto denied = rt.connect("rec://127.0.0.1:" + std::to_string(front_port) +
                           ";transport=tcp;proxy_send=v2;proxy_source=198.51.100.9:5555");
  ASSERT_EQ(denied.wait_for(10s), std::future_status::ready);
  if (auto conn = denied.get()) {
    conn->send("let me in");
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }, 10s));
  ASSERT_TRUE(through_haproxy("proxy_send=v2;proxy_source=192.0.2.9:5555", 0));
  auto allowed = recorder->wait_inbound(0);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->remote, at("192.0.2.9", 5555));
}

}  // namespace
}  // namespace polyport::testing
