// Clients that find their server through a real dnsmasq: connect and send to
// `echo://svc.example.test` reach a polyport listener named by SRV, destinations are tried in
// order with the last failure named, and the command line's resolve, send and serve take --dns.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peers/dnsmasq_server.hpp"
#include "peers/peer_helpers.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class dns_client : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.register_protocol("echo", std::make_shared<echo_protocol>());
    auto started = server_.listen("echo://127.0.0.1:0;transport=tcp");
    ASSERT_TRUE(started) << started.error().message;
    listener_ = *started;
    live_ = std::to_string(listener_->local().port);
    dead_ = std::to_string(free_port());
    dns_ = std::make_unique<dnsmasq_server>(std::vector<std::string>{
        "host-record=a1.example.test,127.0.0.1",
        "srv-host=_echo._tcp.svc.example.test,a1.example.test," + live_ + ",10,10",
        // Priority 10 refuses; priority 20 answers.
        "srv-host=_echo._tcp.fallback.example.test,a1.example.test," + dead_ + ",10,10",
        "srv-host=_echo._tcp.fallback.example.test,a1.example.test," + live_ + ",20,10",
        "srv-host=_echo._tcp.down.example.test,a1.example.test," + dead_ + ",10,10",
        "srv-host=_echo._tcp.down.example.test,nowhere.example.test," + dead_ + ",20,10",
    });
    ASSERT_TRUE(dns_->ready());
    runtime_options chosen{.workers = 1};
    chosen.dns_servers.push_back(endpoint{*ip_address::parse("127.0.0.1"), dns_->port(), {}});
    client_ = std::make_unique<runtime>(chosen);
    client_->register_protocol("echo", std::make_shared<protocol>());
  }

  runtime server_{runtime_options{.workers = 1}};
  std::shared_ptr<listener> listener_;
  std::string live_, dead_;
  std::unique_ptr<dnsmasq_server> dns_;
  std::unique_ptr<runtime> client_;
};

TEST_F(dns_client, send_reaches_the_listener_srv_names) {
  auto sent = client_->send("echo://svc.example.test", std::as_bytes(std::span("hi", 2))).get();
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent->remote().port, listener_->local().port);
}

TEST_F(dns_client, destinations_are_tried_in_srv_order) {
  auto conn = client_->connect("echo://fallback.example.test").get();
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ(std::to_string(conn->remote().port), live_);
}

TEST_F(dns_client, when_every_destination_fails_the_error_names_the_last) {
  // A target without addresses is left out; the one left refuses.
  auto conn = client_->connect("echo://down.example.test").get();
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().message, "connect to tcp 127.0.0.1:" + dead_ + ": Connection refused");
  auto both = client_->connect("echo://a1.example.test:" + dead_ + ", echo://nope.example.test:1").get();
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().message,
            "2 destinations failed; last: cannot resolve \"nope.example.test\": no such name (NXDOMAIN)");
}

TEST_F(dns_client, the_resolve_verb_prints_destinations_in_order) {
  auto listed = run_command({POLYPORT_BINARY, "resolve", "--dns", dns_->address(), "echo://fallback.example.test"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output, "tcp 127.0.0.1:" + dead_ + "\ntcp 127.0.0.1:" + live_ + "\n");
  auto missing = run_command({POLYPORT_BINARY, "resolve", "--dns", dns_->address(), "echo://nope.example.test:1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.output, "polyport: cannot resolve \"nope.example.test\": no such name (NXDOMAIN)\n");
  auto bad = run_command({POLYPORT_BINARY, "resolve", "--dns", "localhost:53", "echo://x.example.test"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST_F(dns_client, the_send_verb_takes_dns) {
  auto sent = run_command({POLYPORT_BINARY, "send", "--dns", dns_->address(), "echo://fallback.example.test", "ping"});
  EXPECT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_EQ(sent.output, "ping");
}

TEST_F(dns_client, serve_listens_on_a_name_without_naptr_or_srv) {
  child_process serve({POLYPORT_BINARY, "serve", "--workers", "1", "--dns", dns_->address(),
                       "echo://a1.example.test:0;transport=tcp"});
  auto line = serve.wait_for_line("listening", 10s);
  ASSERT_TRUE(line);
  EXPECT_THAT(*line, HasSubstr("listening echo tcp 127.0.0.1:"));
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(10s), 0);
}

}  // namespace
}  // namespace polyport::testing
