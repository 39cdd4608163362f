// UDP as connections: a peer (remote ip:port) becomes one connection, replies leave from the
// listening port, max_connections bounds the peers and access rules filter them, oversized
// datagrams are dropped and counted, flows stay with their worker, and the size fallbacks.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <set>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "support/udp_client.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

// Answers every datagram with it upper-cased, from the listener, making no connection.
class shouting_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view) const override { return {transport::udp}; }
  void on_datagram(listener& on, std::span<const std::byte> datagram, const endpoint& from) override {
    std::string reply(reinterpret_cast<const char*>(datagram.data()), datagram.size());
    for (char& c : reply) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    auto sent = on.send_to(as_bytes(reply), from);
    EXPECT_TRUE(sent.ok()) << sent.error().message;
    ++seen;
  }
  std::atomic<int> seen{0};
};

class udp_test : public ::testing::Test {
 protected:
  void SetUp() override {
    rt.register_protocol("echo", std::make_shared<echo_protocol>());
    rt.register_protocol("rec", recorder);
  }
  std::shared_ptr<listener> listen(std::string_view scheme, std::string_view params = "",
                                   std::string_view host = "127.0.0.1") {
    std::string url = std::string(scheme) + "://" + std::string(host) + ":0;transport=udp";
    if (!params.empty()) {
      url += ";" + std::string(params);
    }
    auto started = rt.listen(url);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started ? *started : nullptr;
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>(true);
};

TEST_F(udp_test, each_peer_is_one_connection_and_replies_leave_from_the_listening_port) {
  for (std::string host : {"127.0.0.1", "::1"}) {
    auto server = listen("rec", "", host == "::1" ? "[::1]" : host);
    ASSERT_TRUE(server);
    udp_client first(host);
    udp_client second(host);
    for (std::string_view text : {"one", "two"}) {
      ASSERT_TRUE(first.send_to(text, server->local()));
      auto reply = first.receive();
      ASSERT_TRUE(reply) << "no echo from " << server->description();
      EXPECT_EQ(reply->bytes, text);
      EXPECT_EQ(reply->from, server->local()) << "the reply must leave from the listening port";
    }
    ASSERT_TRUE(second.send_to("three", server->local()));
    ASSERT_TRUE(second.receive());
    EXPECT_EQ(server->stats().accepted, 2u);
    EXPECT_EQ(server->stats().current, 2u);
    EXPECT_EQ(server->stats().bytes_in, 11u);
    ASSERT_TRUE(eventually([&] { return server->stats().bytes_out == 11; }));
    auto records = recorder->records();
    auto mine = std::find_if(records.begin(), records.end(), [&](const auto& r) { return r.messages.size() == 2; });
    ASSERT_NE(mine, records.end());
    EXPECT_EQ(mine->messages, (std::vector<std::string>{"one", "two"}));
    server->stop();
  }
}

TEST_F(udp_test, max_connections_bounds_the_peers_a_flood_of_sources_can_make) {
  auto server = listen("echo", "max_connections=2");
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<udp_client>> peers;
  for (int i = 0; i < 2; ++i) {
    peers.push_back(std::make_unique<udp_client>());
    ASSERT_TRUE(peers.back()->send_to("hi", server->local()));
    ASSERT_TRUE(peers.back()->receive());
  }
  udp_client refused("127.0.0.1", std::chrono::milliseconds(300));
  for (int i = 0; i < 50; ++i) {
    udp_client flood("127.0.0.1", std::chrono::milliseconds(1));
    ASSERT_TRUE(flood.send_to("x", server->local()));
  }
  ASSERT_TRUE(refused.send_to("let me in", server->local()));
  EXPECT_FALSE(refused.receive());
  ASSERT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::max_connections) == 51; }));
  EXPECT_EQ(server->stats().current, 2u);
  EXPECT_EQ(server->stats().accepted, 2u);
  ASSERT_TRUE(peers.front()->send_to("still served", server->local()));
  EXPECT_TRUE(peers.front()->receive());
}

TEST_F(udp_test, access_rules_apply_to_new_peers_by_source_address) {
  auto server = listen("echo", "deny=127.0.0.2/32");
  ASSERT_TRUE(server);
  udp_client denied("127.0.0.2", std::chrono::milliseconds(300));
  udp_client allowed("127.0.0.3");
  ASSERT_TRUE(denied.send_to("no", server->local()));
  ASSERT_TRUE(allowed.send_to("yes", server->local()));
  EXPECT_FALSE(denied.receive());
  auto reply = allowed.receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->bytes, "yes");
  EXPECT_EQ(server->stats().closed_by(close_reason::denied), 1u);

  server->access().add_front(access_rule{false, *parse_cidr("127.0.0.3/32")});
  udp_client newcomer("127.0.0.3", std::chrono::milliseconds(300));
  ASSERT_TRUE(newcomer.send_to("late", server->local()));
  EXPECT_FALSE(newcomer.receive());
  ASSERT_TRUE(allowed.send_to("known", server->local()));
  EXPECT_TRUE(allowed.receive()) << "rules are checked for new peers only";
}

TEST_F(udp_test, oversized_datagrams_are_dropped_and_counted_bad_input_never_crashes) {
  auto server = listen("echo", "udp_max_size=100");
  ASSERT_TRUE(server);
  udp_client peer("127.0.0.1", std::chrono::milliseconds(300));
  ASSERT_TRUE(peer.send_to(std::string(101, 'x'), server->local()));
  EXPECT_FALSE(peer.receive());
  ASSERT_TRUE(eventually([&] { return server->stats().datagrams_dropped == 1; }));
  ASSERT_TRUE(peer.send_to(std::string(100, 'y'), server->local()));
  auto whole = peer.receive();
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->bytes, std::string(100, 'y'));
  ASSERT_TRUE(peer.send_to("", server->local()));
  auto empty = peer.receive();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->bytes, "");
  std::mt19937 random(4);
  for (int i = 0; i < 200; ++i) {
    std::string garbage(random() % 300, '\0');
    for (char& c : garbage) {
      c = static_cast<char>(random());
    }
    ASSERT_TRUE(peer.send_to(garbage, server->local()));
  }
  ASSERT_TRUE(eventually([&] { return server->stats().datagrams_dropped >= 2; }));
  ASSERT_TRUE(peer.send_to("alive", server->local()));
  ASSERT_TRUE(eventually([&] {
    auto reply = peer.receive();
    return reply && reply->bytes == "alive";
  }));
}

TEST_F(udp_test, stopping_the_listener_closes_its_peers_and_frees_the_port) {
  auto server = listen("rec");
  ASSERT_TRUE(server);
  udp_client a;
  udp_client b;
  ASSERT_TRUE(a.send_to("a", server->local()) && b.send_to("b", server->local()));
  ASSERT_TRUE(recorder->wait_opened(2));
  server->stop();
  ASSERT_TRUE(recorder->wait_closed(2));
  EXPECT_EQ(recorder->closed_with(close_reason::listener_stopped), 2u);
  auto again = rt.listen("echo://127.0.0.1:" + std::to_string(server->local().port) + ";transport=udp");
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(udp_test, suspend_drops_new_peers_and_keeps_serving_known_ones) {
  auto server = listen("echo");
  ASSERT_TRUE(server);
  udp_client known;
  ASSERT_TRUE(known.send_to("before", server->local()));
  ASSERT_TRUE(known.receive());
  server->suspend();
  udp_client newcomer("127.0.0.1", std::chrono::milliseconds(300));
  ASSERT_TRUE(newcomer.send_to("in?", server->local()));
  EXPECT_FALSE(newcomer.receive());
  ASSERT_TRUE(known.send_to("during", server->local()));
  EXPECT_TRUE(known.receive());
  ASSERT_TRUE(server->resume().ok());
  ASSERT_TRUE(newcomer.send_to("now?", server->local()));
  EXPECT_TRUE(newcomer.receive());
  EXPECT_EQ(server->stats().accepted, 2u);
  EXPECT_EQ(server->stats().datagrams_dropped, 1u);
}

TEST_F(udp_test, runtime_stop_closes_peers_and_outbound_udp_connections) {
  // The client does not echo back: with traffic still flowing, the client's next datagram could
  // meet the listener already closed (port unreachable) and end it before the stop does.
  auto quiet = std::make_shared<recording_protocol>();
  rt.register_protocol("quiet", quiet);
  auto server = listen("rec");
  ASSERT_TRUE(server);
  auto client = within(rt.send("quiet://127.0.0.1:" + std::to_string(server->local().port) + ";transport=udp",
                               as_bytes("ping")));
  ASSERT_TRUE(client.ok()) << client.error().message;
  ASSERT_TRUE(quiet->wait_messages(1));  // the listener's peer echoed the ping
  rt.stop();
  EXPECT_EQ(recorder->opened(), 1u);
  EXPECT_EQ(recorder->closed_with(close_reason::runtime_stopped), 1u);
  EXPECT_EQ(quiet->opened(), 1u);
  EXPECT_EQ(quiet->closed_with(close_reason::runtime_stopped), 1u);
}

TEST_F(udp_test, without_connections_every_datagram_goes_to_on_datagram) {
  auto shouting = std::make_shared<shouting_protocol>();
  rt.register_protocol("shout", shouting);
  auto server = listen("shout", "udp_no_connections");
  ASSERT_TRUE(server);
  udp_client peer;
  for (std::string_view text : {"hello", "again"}) {
    ASSERT_TRUE(peer.send_to(text, server->local()));
    auto reply = peer.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->from, server->local());
    EXPECT_EQ(reply->bytes, text == "hello" ? "HELLO" : "AGAIN");
  }
  EXPECT_EQ(shouting->seen, 2);
  EXPECT_EQ(server->stats().accepted, 0u);
  EXPECT_EQ(server->stats().bytes_in, 10u);
}

// A socket of our own joins the listener's SO_REUSEPORT group, so the kernel re-spreads the
// flows: some land on the other worker's socket (forwarded to their owner, which answers), some
// on the intruder. No flow may become a second connection.
TEST_F(udp_test, flows_stay_with_their_worker_when_the_reuseport_group_changes) {
  constexpr std::size_t flows = 64;
  auto server = listen("rec");
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<udp_client>> peers;
  for (std::size_t i = 0; i < flows; ++i) {
    peers.push_back(std::make_unique<udp_client>());
    ASSERT_TRUE(peers.back()->send_to("a", server->local()));
    ASSERT_TRUE(peers.back()->receive());
  }
  ASSERT_EQ(recorder->opened(), flows);

  int intruder = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(intruder, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(server->local().port);
  ASSERT_EQ(::bind(intruder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);

  for (auto& peer : peers) {
    ASSERT_TRUE(peer->send_to("b", server->local()));
  }
  std::size_t answered = 0;
  std::size_t intercepted = 0;
  std::vector<bool> done(flows, false);
  bool all = eventually([&] {
    for (std::size_t i = 0; i < flows; ++i) {
      if (!done[i]) {
        if (auto reply = peers[i]->receive_now()) {
          EXPECT_EQ(reply->bytes, "b");
          EXPECT_EQ(reply->from, server->local());
          done[i] = true;
          ++answered;
        }
      }
    }
    char sink[16];
    while (::recv(intruder, sink, sizeof sink, MSG_DONTWAIT) >= 0) {
      ++intercepted;
    }
    return answered + intercepted == flows;
  });
  ::close(intruder);
  ASSERT_TRUE(all) << answered << " answered, " << intercepted << " taken by the intruder";
  EXPECT_EQ(recorder->opened(), flows) << "a forwarded flow must not become a second connection";
  EXPECT_GT(server->stats().datagrams_forwarded, 0u);
  EXPECT_LE(server->stats().datagrams_forwarded, answered);
}

TEST_F(udp_test, a_message_over_udp_max_size_fails_clearly_or_goes_over_tcp) {
  auto quiet = std::make_shared<recording_protocol>();  // no echo: client and server share it
  rt.register_protocol("quiet", quiet);
  auto server = listen("quiet", "udp_starts_tcp");
  ASSERT_TRUE(server);
  std::string url = "quiet://127.0.0.1:" + std::to_string(server->local().port) + ";transport=udp";
  std::string big(2000, 'z');
  auto refused = within(rt.send(url, as_bytes(big)));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("2000 bytes is over udp_max_size (1300)"), std::string::npos)
      << refused.error().message;

  auto over_tcp = within(rt.send(url + ";udp_to_tcp", as_bytes(big)));
  ASSERT_TRUE(over_tcp.ok()) << over_tcp.error().message;
  ASSERT_TRUE(eventually([&] {
    std::size_t received = 0;
    for (const auto& record : quiet->records()) {
      if (!record.outbound) {
        for (const auto& m : record.messages) {
          received += m.size();
        }
      }
    }
    return received == big.size();
  }));

  server->stop();
  raw_peer late = raw_peer::open(transport::tcp, server->local());
  EXPECT_FALSE(late.connected()) << "the TCP twin stops with its UDP listener";
}

}  // namespace
}  // namespace polyport::testing
