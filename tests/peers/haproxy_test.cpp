// HAProxy (a real load balancer, PEERS.md) in TCP mode in front of in-process polyport
// listeners: `send-proxy` to a proxy_protocol=v1 listener and `send-proxy-v2` with unique id,
// CRC32C and authority TLVs to a proxy_protocol=v2 one. Clients connect to HAProxy from chosen
// loopback addresses (127.0.0.5, 127.0.0.6), so the header carries an address the test knows:
// remote() must be the client, peer() HAProxy, and the access rules judge the client.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/sourced_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

endpoint loopback(std::string_view ip, std::uint16_t port) {
  return {*ip_address::parse(ip), port, {}};
}

// What on_open saw of each connection.
struct opened_as {
  endpoint remote;
  endpoint peer;
  std::optional<proxy_header> proxy;
};

// Echoes, and records each connection's addresses and header for the test thread.
class address_recorder : public protocol {
 public:
  void on_open(connection& conn) override {
    {
      std::lock_guard lock(mutex_);
      opened_.push_back({conn.remote(), conn.peer(),
                         conn.proxy() != nullptr ? std::optional(*conn.proxy()) : std::nullopt});
    }
    changed_.notify_all();
  }
  void on_message(connection& conn, std::span<const std::byte> message) override { conn.send(message); }

  // The first connection opened that `match` accepts, waiting up to `timeout` for it.
  std::optional<opened_as> wait_for(const std::function<bool(const opened_as&)>& match,
                                    std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    std::optional<opened_as> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const opened_as& o : opened_) {
        if (match(o)) {
          found = o;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::optional<opened_as> wait_for_client(const endpoint& client) {
    return wait_for([&](const opened_as& o) { return o.remote == client; });
  }
  std::size_t opened_from(const ip_address& address) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(opened_.begin(), opened_.end(), [&](const opened_as& o) { return o.remote.address == address; }));
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<opened_as> opened_;
};

class haproxy_test : public ::testing::Test {
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

  // Starts HAProxy with a v1 frontend in front of `v1_backend` and a v2 one in front of
  // `v2_backend` (with health checks that send a v2 LOCAL header when `checks`), and waits
  // until it accepts connections.
  ::testing::AssertionResult start_haproxy(std::uint16_t v1_backend, std::uint16_t v2_backend, bool checks = false) {
    std::string cfg = dir.file("haproxy.cfg");
    std::ofstream(cfg) << "global\n    maxconn 1000\n    nbthread 1\n"
                       << "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 30s\n"
                       << "    timeout server 30s\n"
                       // Nothing behind it: connecting to it only shows that HAProxy listens.
                       << "frontend fe_ready\n    bind 127.0.0.1:" << ready_port << "\n"
                       << "    tcp-request connection reject\n"
                       << "frontend fe_v1\n    bind 127.0.0.1:" << v1_port << "\n    default_backend be_v1\n"
                       << "frontend fe_v2\n    bind 127.0.0.1:" << v2_port << "\n"
                       << "    unique-id-format polyport-%ci:%cp\n    default_backend be_v2\n"
                       << "backend be_v1\n    server s1 127.0.0.1:" << v1_backend << " send-proxy\n"
                       << "backend be_v2\n    server s1 127.0.0.1:" << v2_backend
                       << " send-proxy-v2 proxy-v2-options unique-id,crc32c,authority"
                       << (checks ? " check check-send-proxy inter 200ms" : "") << "\n";
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

  temp_dir dir;
  runtime rt{{.workers = 2}};
  std::shared_ptr<address_recorder> recorder = std::make_shared<address_recorder>();
  std::uint16_t ready_port = free_port();
  std::uint16_t v1_port = free_port();
  std::uint16_t v2_port = free_port();
  std::unique_ptr<child_process> haproxy;
};

// Sends `text` through HAProxy from `client` and expects it back.
void expect_echo(sourced_client& client, const std::string& text) {
  ASSERT_TRUE(client.write_all(text));
  EXPECT_EQ(client.read_exact(text.size()), text) << "no echo through haproxy";
}

TEST_F(haproxy_test, send_proxy_v1_carries_the_client_address) {
  auto v1 = listen("proxy_protocol=v1");
  auto v2 = listen("proxy_protocol=v2");
  ASSERT_TRUE(start_haproxy(v1->local().port, v2->local().port));
  sourced_client client("127.0.0.6", v1_port);
  ASSERT_TRUE(client.connected()) << client.error();
  expect_echo(client, "hello through send-proxy");

  auto seen = recorder->wait_for_client(client.local());
  ASSERT_TRUE(seen) << "no connection with remote() " << client.local().to_string();
  EXPECT_EQ(seen->peer.address, *ip_address::parse("127.0.0.1"));  // HAProxy's own address
  EXPECT_NE(seen->peer, seen->remote);
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->proxy->version, 1);
  EXPECT_FALSE(seen->proxy->local);
  EXPECT_EQ(seen->proxy->destination, loopback("127.0.0.1", v1_port));
}

TEST_F(haproxy_test, send_proxy_v2_carries_the_client_address_unique_id_and_checksum) {
  auto v1 = listen("proxy_protocol=v1");
  auto v2 = listen("proxy_protocol=v2");
  ASSERT_TRUE(start_haproxy(v1->local().port, v2->local().port));
  sourced_client client("127.0.0.5", v2_port);
  ASSERT_TRUE(client.connected()) << client.error();
  expect_echo(client, "hello through send-proxy-v2");

  auto seen = recorder->wait_for_client(client.local());
  ASSERT_TRUE(seen) << "no connection with remote() " << client.local().to_string();
  EXPECT_EQ(seen->peer.address, *ip_address::parse("127.0.0.1"));
  EXPECT_NE(seen->peer, seen->remote);
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->proxy->version, 2);
  EXPECT_FALSE(seen->proxy->local);
  EXPECT_EQ(seen->proxy->family, proxy_family::inet);
  EXPECT_EQ(seen->proxy->destination, loopback("127.0.0.1", v2_port));
  EXPECT_EQ(seen->proxy->unique_id, "polyport-127.0.0.5:" + std::to_string(client.local().port));
  EXPECT_TRUE(seen->proxy->has_crc32c);
  EXPECT_FALSE(seen->proxy->authority) << "no TLS, so no SNI to pass on";
  EXPECT_EQ(v2->stats().closed_by(close_reason::proxy_error), 0u);
}

TEST_F(haproxy_test, access_rules_judge_the_client_behind_haproxy) {
  auto v1 = listen("proxy_protocol=v1");
  auto v2 = listen("proxy_protocol=v2;deny=127.0.0.5;allow=all");
  ASSERT_TRUE(start_haproxy(v1->local().port, v2->local().port));

  sourced_client denied("127.0.0.5", v2_port);
  ASSERT_TRUE(denied.connected()) << denied.error();
  denied.write_all("let me in");
  EXPECT_TRUE(denied.wait_closed()) << "the denied client's connection stayed open";
  EXPECT_TRUE(eventually([&] { return v2->stats().closed_by(close_reason::denied) >= 1; }));

  sourced_client allowed("127.0.0.6", v2_port);
  ASSERT_TRUE(allowed.connected()) << allowed.error();
  expect_echo(allowed, "allowed");
  ASSERT_TRUE(recorder->wait_for_client(allowed.local()));
  EXPECT_EQ(recorder->opened_from(*ip_address::parse("127.0.0.5")), 0u) << "a denied client reached on_open";
  EXPECT_EQ(v2->stats().accepted, v2->stats().closed_by(close_reason::denied) + 1)
      << "every connection but the allowed one was denied";
}

// HAProxy's health check (check-send-proxy) sends a v2 LOCAL header: the listener accepts it
// and it names no client, so remote() stays HAProxy's own address.
TEST_F(haproxy_test, a_health_check_with_a_local_header_is_accepted_without_a_client_address) {
  auto v1 = listen("proxy_protocol=v1");
  auto v2 = listen("proxy_protocol=v2;deny=127.0.0.5;allow=all");
  ASSERT_TRUE(start_haproxy(v1->local().port, v2->local().port, true));
  auto check = recorder->wait_for([](const opened_as& o) { return o.proxy && o.proxy->local; });
  ASSERT_TRUE(check) << "no health check reached on_open";
  EXPECT_EQ(check->remote, check->peer);
  EXPECT_EQ(check->remote.address, *ip_address::parse("127.0.0.1"));
  EXPECT_EQ(check->proxy->version, 2);
  EXPECT_FALSE(check->proxy->source);
  EXPECT_EQ(v2->stats().closed_by(close_reason::proxy_error), 0u);
  EXPECT_EQ(v2->stats().closed_by(close_reason::denied), 0u);

  sourced_client client("127.0.0.6", v2_port);  // clients still pass while checks run
  ASSERT_TRUE(client.connected()) << client.error();
  expect_echo(client, "during checks");
  EXPECT_TRUE(recorder->wait_for_client(client.local()));
}

}  // namespace
}  // namespace polyport::testing
