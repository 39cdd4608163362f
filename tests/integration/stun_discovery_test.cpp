// listener::discover_mapped_address: Binding requests leave from the UDP listener's own socket,
// so the mapped address is the listener's; answers reaching any worker's socket find the query;
// the protocol keeps its other datagrams; failures and a stopping listener end the query.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "polyport/stun.hpp"
#include "polyport/stun_server.hpp"
#include "recording_protocol.hpp"
#include "support/udp_client.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

stun::client_settings quick_settings() {
  stun::client_settings quick;
  quick.rto = 20ms;
  quick.max_sends = 2;
  quick.last_wait_factor = 2;
  return quick;
}

// A Binding success response to `request` that says the sender is at `mapped`.
std::string answer_to(const std::string& request, const endpoint& mapped) {
  auto asked = stun::message_view::parse(std::as_bytes(std::span(request.data(), request.size())));
  EXPECT_TRUE(asked.ok());
  stun::message_builder reply(stun::message_class::success_response, stun::binding, asked->id());
  reply.add_address(stun::attribute::xor_mapped_address, mapped);
  auto bytes = std::move(reply).finish();
  EXPECT_TRUE(bytes.ok());
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

class stun_discovery_test : public ::testing::Test {
 protected:
  void SetUp() override {
    rt.register_protocol("echo", std::make_shared<echo_protocol>());
    rt.register_protocol("stun", std::make_shared<stun::stun_protocol>());
    rt.register_protocol("rec", recorder);
  }
  std::shared_ptr<listener> listen(const std::string& url) {
    auto started = rt.listen(url);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started ? *started : nullptr;
  }

  // Four workers, four sockets in the listener's reuseport group: an answer often reaches
  // another worker's socket than the one the query runs on.
  runtime rt{{.workers = 4}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>(true);
};

TEST_F(stun_discovery_test, the_mapped_address_is_the_listeners_own_for_every_server) {
  for (std::string ip : {"127.0.0.1", "[::1]"}) {
    auto edge = listen("echo://" + ip + ":0;transport=udp");
    ASSERT_TRUE(edge);
    // Six servers, six source ports: the kernel spreads their answers over the workers' sockets.
    std::vector<std::shared_ptr<listener>> servers;
    for (int i = 0; i < 6; ++i) {
      servers.push_back(listen("stun://" + ip + ":0"));
      ASSERT_TRUE(servers.back());
      auto mapped = edge->discover_mapped_address({servers.back()->local()}).get();
      ASSERT_TRUE(mapped.ok()) << mapped.error().message;
      EXPECT_EQ(*mapped, edge->local()) << "asked " << servers.back()->local().to_string();
    }
  }
}

TEST_F(stun_discovery_test, the_request_leaves_from_the_listening_port_and_the_answer_is_believed) {
  auto edge = listen("rec://127.0.0.1:0;transport=udp");
  ASSERT_TRUE(edge);
  udp_client server("127.0.0.1");
  auto pending = edge->discover_mapped_address({server.local()});
  auto request = server.receive();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->from, edge->local());
  endpoint outside{*ip_address::parse("203.0.113.7"), 4242, {}};
  ASSERT_TRUE(server.send_to(answer_to(request->bytes, outside), edge->local()));
  auto mapped = pending.get();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(*mapped, outside);
  EXPECT_EQ(recorder->opened(), 0U) << "the answer reached the protocol";
}

TEST_F(stun_discovery_test, a_stun_answer_from_another_peer_stays_with_the_protocol) {
  auto edge = listen("rec://127.0.0.1:0;transport=udp");
  ASSERT_TRUE(edge);
  udp_client server("127.0.0.1");
  udp_client stranger("127.0.0.2");
  auto pending = edge->discover_mapped_address({server.local()});
  auto request = server.receive();
  ASSERT_TRUE(request);
  // The same bytes from a peer that was not asked: the protocol's datagram, not the query's.
  std::string forged = answer_to(request->bytes, stranger.local());
  ASSERT_TRUE(stranger.send_to(forged, edge->local()));
  ASSERT_TRUE(recorder->wait_messages(1));
  EXPECT_EQ(recorder->all_messages().front(), forged);
  ASSERT_TRUE(server.send_to(answer_to(request->bytes, server.local()), edge->local()));
  auto mapped = pending.get();
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(*mapped, server.local());
}

TEST_F(stun_discovery_test, silent_servers_fail_in_turn_with_each_reason) {
  auto edge = listen("echo://127.0.0.1:0;transport=udp");
  ASSERT_TRUE(edge);
  udp_client first("127.0.0.1");
  udp_client second("127.0.0.1");
  auto mapped = edge->discover_mapped_address({first.local(), second.local()}, quick_settings()).get();
  ASSERT_FALSE(mapped.ok());
  EXPECT_NE(mapped.error().message.find("no answer from STUN server " + first.local().to_string()), std::string::npos)
      << mapped.error().message;
  EXPECT_NE(mapped.error().message.find("no answer from STUN server " + second.local().to_string()), std::string::npos)
      << mapped.error().message;
  // Both were asked, twice each, from the listener's port.
  for (udp_client* server : {&first, &second}) {
    for (int send = 0; send < 2; ++send) {
      auto request = server->receive();
      ASSERT_TRUE(request);
      EXPECT_EQ(request->from, edge->local());
    }
  }
}

TEST_F(stun_discovery_test, stopping_the_listener_cancels_the_query) {
  auto edge = listen("echo://127.0.0.1:0;transport=udp");
  ASSERT_TRUE(edge);
  udp_client silent("127.0.0.1");
  auto pending = edge->discover_mapped_address({silent.local()});  // default timers: 39.5 s
  ASSERT_TRUE(silent.receive());
  edge->stop();
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  auto mapped = pending.get();
  ASSERT_FALSE(mapped.ok());
  EXPECT_NE(mapped.error().message.find("cancelled"), std::string::npos) << mapped.error().message;
  auto later = edge->discover_mapped_address({silent.local()}).get();
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.error().message.find("stopped"), std::string::npos) << later.error().message;
}

TEST_F(stun_discovery_test, refusals_name_their_reason) {
  auto tcp = listen("echo://127.0.0.1:0");
  ASSERT_TRUE(tcp);
  auto on_tcp = tcp->discover_mapped_address({tcp->local()}).get();
  ASSERT_FALSE(on_tcp.ok());
  EXPECT_NE(on_tcp.error().message.find("needs a udp listener"), std::string::npos) << on_tcp.error().message;

  auto v4 = listen("echo://127.0.0.1:0;transport=udp");
  ASSERT_TRUE(v4);
  endpoint v6_server{*ip_address::parse("::1"), 3478, {}};
  auto other_family = v4->discover_mapped_address({v6_server}).get();
  ASSERT_FALSE(other_family.ok());
  EXPECT_NE(other_family.error().message.find("address family"), std::string::npos) << other_family.error().message;

  auto none = v4->discover_mapped_address({}).get();
  ASSERT_FALSE(none.ok());
}

}  // namespace
}  // namespace polyport::testing
