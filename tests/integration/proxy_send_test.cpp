// The client side of the PROXY protocol (`proxy_send`): a polyport client in front of a polyport
// listener with proxy_protocol, over tcp, tls (the header goes before the handshake) and unix,
// with v1 and v2. The listener must see the client the header names: the connection's own
// address by default, another one given with proxy_source or in code, or none (LOCAL).

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "recording_protocol.hpp"
#include "support/address_recorder.hpp"
#include "support/sourced_client.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

endpoint at(std::string_view ip, std::uint16_t port) { return {*ip_address::parse(ip), port, {}}; }

class proxy_send_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  bool is_unix() const { return kind() == transport::unix_stream; }

  // Connects with `params` and returns what the listener saw of the connection.
  std::optional<opened_as> connect_through(const listener& target, const std::string& params,
                                           const options& overrides = {}) {
    auto conn = within(rt.connect(connect_url("rec", target, params), overrides));
    if (!conn) {
      ADD_FAILURE() << conn.error().message;
      return std::nullopt;
    }
    conn->send("hello");
    return recorder->wait_inbound(0);
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<address_recorder> recorder = std::make_shared<address_recorder>();
};

// The tests that name IP clients: unix sockets cannot carry them (see proxy_send_errors).
using proxy_send_ip_test = proxy_send_test;

TEST_P(proxy_send_test, v2_names_the_connections_own_addresses) {
  auto server = listen(rt, "rec", "proxy_protocol=v2");
  auto seen = connect_through(*server, "proxy_send=v2");
  ASSERT_TRUE(seen);
  auto client = recorder->wait_outbound(0);
  ASSERT_TRUE(client);
  ASSERT_TRUE(seen->proxy) << "the listener read no header";
  EXPECT_EQ(seen->proxy->version, 2);
  EXPECT_FALSE(seen->proxy->local);
  EXPECT_EQ(seen->proxy->destination, server->local());
  if (is_unix()) {
    EXPECT_EQ(seen->proxy->family, proxy_family::unix_socket);
    EXPECT_FALSE(seen->proxy->source) << "a unix client socket has no name";
  } else {
    EXPECT_EQ(seen->proxy->family, GetParam().ipv6 ? proxy_family::inet6 : proxy_family::inet);
    EXPECT_EQ(seen->remote, client->local);
    EXPECT_EQ(seen->peer, client->local);
  }
  EXPECT_EQ(server->stats().closed_by(close_reason::proxy_error), 0u);
  // The header counts on both sides: 16 bytes and the addresses (12 for IPv4, 36 for IPv6, 216
  // for unix), then "hello".
  std::uint64_t header_size = 16 + (is_unix() ? 216 : GetParam().ipv6 ? 36 : 12);
  EXPECT_TRUE(eventually([&] { return rt.client_stats().bytes_out == header_size + 5; }))
      << rt.client_stats().bytes_out;
  EXPECT_TRUE(eventually([&] { return server->stats().bytes_in == header_size + 5; })) << server->stats().bytes_in;
}

TEST_P(proxy_send_test, v1_names_tcp_addresses_and_says_unknown_for_unix) {
  auto server = listen(rt, "rec", "proxy_protocol=v1");
  auto seen = connect_through(*server, "proxy_send=v1");
  ASSERT_TRUE(seen);
  auto client = recorder->wait_outbound(0);
  ASSERT_TRUE(client);
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->proxy->version, 1);
  if (is_unix()) {
    EXPECT_TRUE(seen->proxy->local) << "v1 knows TCP only: PROXY UNKNOWN";
  } else {
    EXPECT_EQ(seen->proxy->source, client->local);
    EXPECT_EQ(seen->proxy->destination, server->local());
    EXPECT_EQ(seen->remote, client->local);
  }
}

// A proxy forwarding its own client: the listener sees that client, and judges it by its rules.
TEST_P(proxy_send_ip_test, proxy_source_names_another_client) {
  auto server = listen(rt, "rec", "proxy_protocol=any");
  for (const char* version : {"v1", "v2"}) {
    SCOPED_TRACE(version);
    auto before = server->stats().accepted;
    auto conn = within(rt.connect(connect_url("rec", *server, std::string("proxy_send=") + version +
                                                                  ";proxy_source=203.0.113.7:4000")));
    ASSERT_TRUE(conn) << conn.error().message;
    ASSERT_TRUE(eventually([&] { return server->stats().accepted > before; }));
  }
  auto via_v1 = recorder->wait_inbound(0);
  auto via_v2 = recorder->wait_inbound(1);
  ASSERT_TRUE(via_v1 && via_v2);
  // Next to an IPv6 destination the IPv4 client travels IPv4-mapped (as HAProxy sends it).
  endpoint expected = GetParam().ipv6 ? at("::ffff:203.0.113.7", 4000) : at("203.0.113.7", 4000);
  EXPECT_EQ(via_v1->remote, expected);
  EXPECT_EQ(via_v2->remote, expected);
  EXPECT_NE(via_v2->peer, via_v2->remote);
}

TEST_P(proxy_send_ip_test, access_rules_judge_the_client_the_header_names) {
  auto server = listen(rt, "rec", "proxy_protocol=v2;deny=203.0.113.0/24;allow=all");
  auto denied = within(rt.connect(connect_url("rec", *server, "proxy_send=v2;proxy_source=203.0.113.7:4000")));
  if (denied) {
    denied->send("x");  // tcp opens before the listener decides; tls fails its handshake
  }
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }));
  auto allowed = connect_through(*server, "proxy_send=v2;proxy_source=198.51.100.1:4000");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->remote.port, 4000);
}

TEST_P(proxy_send_test, local_names_no_client) {
  auto server = listen(rt, "rec", "proxy_protocol=v2");
  auto seen = connect_through(*server, "proxy_send=v2;proxy_source=local");
  ASSERT_TRUE(seen);
  ASSERT_TRUE(seen->proxy);
  EXPECT_TRUE(seen->proxy->local);
  EXPECT_FALSE(seen->proxy->source);
  EXPECT_EQ(seen->remote, seen->peer) << "LOCAL: the socket's peer stays the remote address";
}

// From code: a whole header, TLVs included, as a polyport proxy would pass on what it learnt.
TEST_P(proxy_send_ip_test, a_header_given_in_code_goes_out_with_its_tlvs) {
  auto server = listen(rt, "rec", "proxy_protocol=v2");
  options overrides;
  overrides.proxy_send = proxy_version::v2;
  proxy_header forwarded;
  forwarded.source = at("192.0.2.44", 51000);
  forwarded.destination = at("192.0.2.1", 443);
  forwarded.authority = "app.example";
  forwarded.unique_id = "req-17";
  forwarded.has_crc32c = true;
  overrides.proxy_send_header = forwarded;
  auto seen = connect_through(*server, "", overrides);
  ASSERT_TRUE(seen);
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->remote, at("192.0.2.44", 51000));
  EXPECT_EQ(seen->proxy->destination, at("192.0.2.1", 443));
  EXPECT_EQ(seen->proxy->authority, "app.example");
  EXPECT_EQ(seen->proxy->unique_id, "req-17");
  EXPECT_TRUE(seen->proxy->has_crc32c);
}

// send() reuses a connection only for the same header: one that names a client must not carry
// another client's messages.
TEST_P(proxy_send_ip_test, send_reuses_a_connection_only_for_the_same_header) {
  auto server = listen(rt, "rec", "proxy_protocol=v2");
  auto send_as = [&](const std::string& source) {
    return within(rt.send(connect_url("rec", *server, "proxy_send=v2;proxy_source=" + source), as_bytes("m")));
  };
  auto first = send_as("192.0.2.1:1000");
  auto again = send_as("192.0.2.1:1000");
  auto other = send_as("192.0.2.2:1000");
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(first->id(), again->id());
  EXPECT_NE(first->id(), other->id());
  EXPECT_TRUE(eventually([&] { return server->stats().accepted == 2; }));
}

INSTANTIATE_TRANSPORT_TESTS(proxy_send_test);

std::vector<transport_case> ip_transports() {
  auto cases = every_transport();
  std::erase_if(cases, [](const transport_case& c) { return c.kind == transport::unix_stream; });
  return cases;
}
INSTANTIATE_TEST_SUITE_P(ip_transports, proxy_send_ip_test, ::testing::ValuesIn(ip_transports()), case_name);

TEST(proxy_send_errors, an_ip_client_cannot_be_named_on_a_unix_socket) {
  runtime rt{{.workers = 1}};
  auto recorder = std::make_shared<address_recorder>();
  rt.register_protocol("rec", recorder);
  temp_dir dir;
  auto server = rt.listen("rec://" + dir.file("p.sock") + ";transport=unix;proxy_protocol=v2");
  ASSERT_TRUE(server) << server.error().message;
  auto conn = within(rt.connect("rec://" + (*server)->local().path + ";transport=unix;proxy_send=v2;"
                                "proxy_source=192.0.2.1:1"));
  ASSERT_FALSE(conn);
  EXPECT_NE(conn.error().message.find("both must be IP addresses or both unix sockets"), std::string::npos)
      << conn.error().message;
}

TEST(proxy_send_errors, options_that_do_not_fit_are_named) {
  runtime rt{{.workers = 1}};
  rt.register_protocol("rec", std::make_shared<address_recorder>());
  auto listening = rt.listen("rec://127.0.0.1:0;transport=tcp;proxy_send=v2");
  ASSERT_FALSE(listening);
  EXPECT_NE(listening.error().message.find("proxy_send and proxy_source are for outbound connections"),
            std::string::npos);
  auto without_version = within(rt.connect("rec://127.0.0.1:1;transport=tcp;proxy_source=192.0.2.1:1"));
  ASSERT_FALSE(without_version);
  EXPECT_NE(without_version.error().message.find("needs proxy_send"), std::string::npos);
  auto bad_version = within(rt.connect("rec://127.0.0.1:1;transport=tcp;proxy_send=v3"));
  ASSERT_FALSE(bad_version);
  EXPECT_NE(bad_version.error().message.find("expected v1 or v2"), std::string::npos);
  auto bad_source = within(rt.connect("rec://127.0.0.1:1;transport=tcp;proxy_send=v1;proxy_source=example.com:1"));
  ASSERT_FALSE(bad_source);
  EXPECT_NE(bad_source.error().message.find("expected local, IPv4:PORT or [IPv6]:PORT"), std::string::npos);
}

// An edge that forwards, as the guide shows: for each client it opens a connection to the
// backend whose PROXY header names that client (and the address the client reached).
class forwarding_edge : public protocol {
 public:
  forwarding_edge(runtime& rt, std::string backend_url) : rt_(rt), backend_url_(std::move(backend_url)) {}
  void on_open(connection& conn) override {
    options forward;
    forward.proxy_send = proxy_version::v2;
    proxy_header client;
    client.source = conn.remote();
    client.destination = conn.local();
    forward.proxy_send_header = client;
    rt_.connect(backend_url_, forward, [](result<connection_ref>) {});
  }

 private:
  runtime& rt_;
  std::string backend_url_;
};

// polyport behind polyport: client → edge (proxy_protocol=optional, so direct clients come in
// too) → backend (proxy_protocol=v2): the backend sees the client, not the edge.
TEST(proxy_send_chain, the_backend_sees_the_client_of_the_edge) {
  runtime rt{{.workers = 2}};
  auto recorder = std::make_shared<address_recorder>();
  rt.register_protocol("rec", recorder);
  auto backend = rt.listen("rec://127.0.0.1:0;transport=tcp;proxy_protocol=v2");
  ASSERT_TRUE(backend) << backend.error().message;
  rt.register_protocol("edge", std::make_shared<forwarding_edge>(
                                   rt, "rec://127.0.0.1:" + std::to_string((*backend)->local().port) + ";transport=tcp"));
  auto edge = rt.listen("edge://127.0.0.1:0;transport=tcp;proxy_protocol=optional");
  ASSERT_TRUE(edge) << edge.error().message;

  sourced_client client("127.0.0.9", (*edge)->local());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.write_all("hi"));  // the edge's optional header: its first bytes say there is none
  auto seen = recorder->wait_inbound(0);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->remote, client.local());
  EXPECT_EQ(seen->peer.address, *ip_address::parse("127.0.0.1")) << "the socket's peer is the edge";
  ASSERT_TRUE(seen->proxy);
  EXPECT_EQ(seen->proxy->destination, (*edge)->local());
}

}  // namespace
}  // namespace polyport::testing
