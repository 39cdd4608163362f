// proxy_trusted: only listed sources may send a PROXY header. An untrusted source is refused when
// a header is required, and is a direct client (checked by the access rules) with `optional`.

#include <gtest/gtest.h>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "tcp_listener_test.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

using proxy_trusted_test = tcp_listener_test;

TEST_F(proxy_trusted_test, a_trusted_source_speaks_for_its_client) {
  auto server = listen("proxy_protocol=v1;proxy_trusted=127.0.0.1");
  raw_peer peer = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(peer.write_all("PROXY TCP4 192.0.2.7 127.0.0.1 40000 5000\r\nhi"));
  EXPECT_EQ(peer.read_exact(2), "hi");
  ASSERT_TRUE(recorder->wait_opened(1));
  EXPECT_EQ(server->stats().closed_by(close_reason::proxy_error), 0u);
}

TEST_F(proxy_trusted_test, an_untrusted_source_is_refused_when_a_header_is_required) {
  auto server = listen("proxy_protocol=v1;proxy_trusted=10.0.0.0/8");
  raw_peer peer = raw_peer::open(transport::tcp, server->local());
  if (peer.connected()) {
    peer.write_all("PROXY TCP4 192.0.2.7 127.0.0.1 40000 5000\r\nhi");
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::proxy_error) == 1; }));
  EXPECT_EQ(recorder->opened(), 0u);
}

TEST_F(proxy_trusted_test, an_untrusted_source_is_a_direct_client_when_the_header_is_optional) {
  auto server = listen("proxy_protocol=optional;proxy_trusted=10.0.0.0/8");
  raw_peer peer = raw_peer::open(transport::tcp, server->local());
  // Its "header" is just bytes of a direct client: they reach the protocol as they are.
  ASSERT_TRUE(peer.write_all("PROXY TCP4 192.0.2.7 127.0.0.1 40000 5000\r\n"));
  EXPECT_EQ(peer.read_exact(43), "PROXY TCP4 192.0.2.7 127.0.0.1 40000 5000\r\n");
}

TEST_F(proxy_trusted_test, an_untrusted_direct_client_still_meets_the_access_rules) {
  auto server = listen("proxy_protocol=optional;proxy_trusted=10.0.0.0/8;deny=127.0.0.1");
  raw_peer peer = raw_peer::open(transport::tcp, server->local());
  if (peer.connected()) {
    EXPECT_TRUE(peer.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }));
}

}  // namespace
}  // namespace polyport::testing
