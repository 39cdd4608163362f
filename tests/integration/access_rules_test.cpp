// Access rules on the accept path, with real source addresses: each client binds a loopback
// address of its own (127.0.0.5, 127.0.0.6, ...; all of 127/8 is loopback on Linux) before it
// connects, so the listener sees that address. Rules come from the URL in order, change at run
// time through listener::access(), and cover IPv6. A denied client never reaches on_open, sees
// its connection end, and is counted as close_reason::denied; the others keep working.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "support/sourced_client.hpp"
#include "support/temp_dir.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

access_rule rule(std::string_view text) {
  auto parsed = access_rules::parse(text);
  if (!parsed) {
    throw std::runtime_error(parsed.error().message);
  }
  return *parsed;
}

class access_rules_test : public ::testing::Test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  std::shared_ptr<listener> listen(const std::string& host, const std::string& params) {
    auto started = rt.listen("rec://" + host + ":0;transport=tcp;" + params);
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    return *started;
  }

  // A client from `source` that gets through: its bytes come back and on_open saw its address.
  void expect_admitted(const listener& server, const std::string& source) {
    std::size_t before = recorder->opened();
    sourced_client client(source, server.local());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.write_all("hello from " + source));
    EXPECT_EQ(client.read_exact(11 + source.size()), "hello from " + source) << source << " was not admitted";
    ASSERT_TRUE(recorder->wait_opened(before + 1));
    EXPECT_EQ(recorder->records().at(before).ref.remote(), client.local());
  }

  // A client from `source` that is refused: the connection ends, on_open never runs, and the
  // listener counts one more denied connection.
  void expect_denied(const listener& server, const std::string& source) {
    std::uint64_t denied_before = server.stats().closed_by(close_reason::denied);
    std::size_t opened_before = recorder->opened();
    sourced_client client(source, server.local());
    ASSERT_TRUE(client.connected()) << client.error();  // the kernel completes the handshake
    client.write_all("let me in");
    EXPECT_TRUE(client.wait_closed()) << source << " was not closed";
    EXPECT_TRUE(eventually([&] { return server.stats().closed_by(close_reason::denied) == denied_before + 1; }))
        << source << " was not counted as denied";
    EXPECT_EQ(recorder->opened(), opened_before) << source << " reached on_open";
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>(true);
};

TEST_F(access_rules_test, the_first_matching_rule_from_the_url_decides) {
  auto server = listen("127.0.0.1", "deny=127.0.0.5;allow=127.0.0.0/24;deny=all");
  expect_denied(*server, "127.0.0.5");   // the deny comes before the allow that also matches
  expect_admitted(*server, "127.0.0.6");  // the /24 allow
  expect_denied(*server, "127.0.1.1");   // only `deny all` matches
  expect_admitted(*server, "127.0.0.7");
  EXPECT_EQ(server->stats().closed_by(close_reason::denied), 2u);
  EXPECT_EQ(server->stats().accepted, 2u);
}

TEST_F(access_rules_test, rules_keep_their_url_order) {
  auto server = listen("127.0.0.1", "allow=127.0.0.5;deny=127.0.0.0/24");
  std::vector<access_rule> expected{rule("allow 127.0.0.5"), rule("deny 127.0.0.0/24")};
  EXPECT_EQ(server->access().list(), expected);
  expect_admitted(*server, "127.0.0.5");
  expect_denied(*server, "127.0.0.6");
  expect_admitted(*server, "127.0.1.1");  // nothing matches: allowed by default
}

TEST_F(access_rules_test, rules_changed_at_run_time_apply_to_the_next_connection) {
  auto server = listen("127.0.0.1", "allow=127.0.0.6;deny=all");
  expect_denied(*server, "127.0.0.5");

  server->access().add_front(rule("allow 127.0.0.5"));
  sourced_client kept("127.0.0.5", server->local());
  ASSERT_TRUE(kept.connected()) << kept.error();
  ASSERT_TRUE(kept.write_all("first"));
  EXPECT_EQ(kept.read_exact(5), "first") << "add_front did not admit 127.0.0.5";

  server->access().add_front(rule("deny 127.0.0.6"));  // wins over the URL's allow
  expect_denied(*server, "127.0.0.6");

  ASSERT_TRUE(server->access().remove(rule("allow 127.0.0.5")));
  expect_denied(*server, "127.0.0.5");
  // Rules are checked when a connection is accepted: the one already open stays.
  ASSERT_TRUE(kept.write_all("still open"));
  EXPECT_EQ(kept.read_exact(10), "still open");

  ASSERT_TRUE(server->access().remove(rule("deny 127.0.0.6")));
  expect_admitted(*server, "127.0.0.6");
  EXPECT_FALSE(server->access().remove(rule("deny 127.0.0.6")));
}

TEST_F(access_rules_test, an_ipv6_listener_applies_ipv6_rules) {
  auto server = listen("[::1]", "deny=127.0.0.0/8;deny=::1/128");
  ASSERT_TRUE(server->local().address.is_v6);
  expect_denied(*server, "::1");

  ASSERT_TRUE(server->access().remove(rule("deny ::1/128")));
  expect_admitted(*server, "::1");  // the IPv4 rule does not match ::1
  EXPECT_TRUE(recorder->records().at(0).ref.remote().address.is_v6);

  server->access().add_back(rule("deny ::/0"));
  expect_denied(*server, "::1");
  EXPECT_EQ(server->stats().closed_by(close_reason::denied), 2u);
}

TEST_F(access_rules_test, denied_clients_do_not_disturb_open_connections) {
  auto server = listen("127.0.0.1", "deny=127.0.0.5");
  sourced_client working("127.0.0.6", server->local());
  ASSERT_TRUE(working.connected()) << working.error();
  ASSERT_TRUE(working.write_all("ready"));
  ASSERT_EQ(working.read_exact(5), "ready");
  ASSERT_TRUE(recorder->wait_opened(1));
  for (int i = 0; i < 10; ++i) {
    expect_denied(*server, "127.0.0.5");
    std::string text = "round " + std::to_string(i);
    ASSERT_TRUE(working.write_all(text));
    EXPECT_EQ(working.read_exact(text.size()), text);
  }
  connection_stats stats = server->stats();
  EXPECT_EQ(stats.closed_by(close_reason::denied), 10u);
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.current, 1u);
  EXPECT_EQ(recorder->opened(), 1u);
}

// The rules are for IP listeners (listener.hpp): a unix socket's client has no address to
// match, so even `deny=all` lets it in.
TEST_F(access_rules_test, a_unix_listener_is_not_subject_to_ip_rules) {
  temp_dir dir;
  auto started = rt.listen("rec://" + dir.file("rules.sock") + ";transport=unix;deny=all");
  ASSERT_TRUE(started) << started.error().message;
  raw_peer client = raw_peer::open(transport::unix_stream, (*started)->local());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.write_all("unix"));
  EXPECT_EQ(client.read_exact(4, 2s), "unix") << "a unix client was refused by an IP rule";
  EXPECT_EQ((*started)->stats().closed_by(close_reason::denied), 0u);
}

}  // namespace
}  // namespace polyport::testing
