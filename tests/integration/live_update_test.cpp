// listener::update: options change while the listener runs. Limits and rules at once; the
// other options for connections accepted from then on, while open ones keep theirs; options that
// need a new socket are refused; an update that fails anywhere changes nothing.

#include <gtest/gtest.h>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "support/temp_dir.hpp"
#include "tcp_listener_test.hpp"

namespace polyport::testing {
namespace {

using live_update_test = tcp_listener_test;

options changes_from(std::string_view params) {
  auto parsed = options_from_params(params);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : options{};
}

TEST_F(live_update_test, new_connections_get_the_new_options_and_open_ones_keep_theirs) {
  auto server = listen("idle_timeout=60000");
  raw_peer before = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(recorder->wait_opened(1));

  ASSERT_TRUE(server->update(changes_from("idle_timeout=200")));
  EXPECT_EQ(server->options().idle_timeout, std::chrono::milliseconds(200));
  raw_peer after = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(recorder->wait_closed(1, 10s));
  auto records = recorder->records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].closed.reason, close_reason::idle_timeout);
  EXPECT_EQ(records[0].closes, 0) << "the connection from before the update kept its 60 s timeout";
}

TEST_F(live_update_test, limits_and_rules_apply_at_once) {
  auto server = listen("");
  ASSERT_TRUE(server->update(changes_from("max_connections=7;deny=all")));
  EXPECT_EQ(server->max_connections(), 7u);
  raw_peer refused = raw_peer::open(transport::tcp, server->local());
  EXPECT_TRUE(refused.wait_closed());
  EXPECT_TRUE(eventually([&] { return server->stats().closed[static_cast<std::size_t>(close_reason::denied)] == 1; }));
  ASSERT_TRUE(server->update(changes_from("allow=127.0.0.0/8")));
  raw_peer admitted = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(admitted.write_all("hi"));
  EXPECT_EQ(admitted.read_exact(2), "hi");
}

TEST_F(live_update_test, options_that_need_a_new_socket_are_refused_and_nothing_changes) {
  auto server = listen("idle_timeout=60000");
  auto refused = server->update(changes_from("idle_timeout=100;max_connections=3;backlog=5"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("cannot change backlog"), std::string::npos) << refused.error().message;
  EXPECT_EQ(server->options().idle_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(server->max_connections(), 1024u);
  EXPECT_FALSE(server->update(changes_from("transport=tls")));
  EXPECT_FALSE(server->update(changes_from("udp_max_size=100")));
}

TEST(live_update, a_certificate_that_does_not_load_rolls_back_the_whole_update) {
  temp_dir dir;
  auto identity = write_test_identity(dir);
  runtime rt({.workers = 1});
  rt.register_protocol("rec", std::make_shared<recording_protocol>(true));
  auto server = rt.listen("rec://127.0.0.1:0;transport=tls;tls_certfile=" + identity.certfile +
                          ";tls_keyfile=" + identity.keyfile);
  ASSERT_TRUE(server) << server.error().message;
  options changes = changes_from("max_connections=3;idle_timeout=100");
  changes.tls.certfile = dir.file("missing.pem");
  auto updated = (*server)->update(changes);
  ASSERT_FALSE(updated);
  EXPECT_NE(updated.error().message.find("missing.pem"), std::string::npos) << updated.error().message;
  EXPECT_EQ((*server)->max_connections(), 1024u);
  EXPECT_FALSE((*server)->options().idle_timeout);
  raw_peer client = raw_peer::open(transport::tls, (*server)->local());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.write_all("still tls"));
  EXPECT_EQ(client.read_exact(9), "still tls");
}

TEST(live_update, bad_parameters_name_the_option) {
  auto bad = options_from_params("idle_timeout=soon");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("idle_timeout=soon"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(options_from_params("no_such_option=1"));
}

}  // namespace
}  // namespace polyport::testing
