// What a connection carries for its protocol: typed per-connection state, the URL's ?headers as
// metadata and the listener's (or connect call's) user data; and which protocol a class gets.

#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

struct counter_state {
  int count = 0;
};

// Counts the messages of each connection in its own typed state and answers with the count.
class counting_protocol : public recording_protocol {
 public:
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    conn.emplace_state<counter_state>();
  }
  void on_message(connection& conn, std::span<const std::byte> message) override {
    recording_protocol::on_message(conn, message);
    try {
      conn.state<std::string>();
    } catch (const std::logic_error&) {
      ++wrong_type_refused;
    }
    conn.send(std::to_string(++conn.state<counter_state>().count));
  }
  std::atomic<int> wrong_type_refused{0};
};

// Records what each connection inherited.
class inheritance_probe : public recording_protocol {
 public:
  void on_open(connection& conn) override {
    {
      std::lock_guard lock(mutex);
      seen_metadata.push_back(conn.metadata());
      const std::string* data = conn.user_data<std::string>();
      seen_user_data.push_back(data != nullptr ? *data : "<none>");
    }
    recording_protocol::on_open(conn);
  }
  std::mutex mutex;
  std::vector<polyport::metadata> seen_metadata;
  std::vector<std::string> seen_user_data;
};

class connection_data_test : public transport_test {
 protected:
  runtime rt{{.workers = 2}};
};

TEST_P(connection_data_test, typed_state_is_per_connection) {
  auto counter = std::make_shared<counting_protocol>();
  rt.register_protocol("count", counter);
  auto server = listen(rt, "count");
  raw_peer first = open_peer(*server);
  raw_peer second = open_peer(*server);
  ASSERT_TRUE(first.connected() && second.connected()) << first.error() << second.error();
  for (char expected : {'1', '2', '3'}) {
    ASSERT_TRUE(first.write_all("x"));
    EXPECT_EQ(first.read_exact(1), std::string(1, expected));
  }
  ASSERT_TRUE(second.write_all("x"));
  EXPECT_EQ(second.read_exact(1), "1");
  EXPECT_EQ(counter->wrong_type_refused, 4) << "state<T>() with the wrong T must throw";
}

TEST_P(connection_data_test, metadata_and_user_data_are_inherited_by_connections) {
  auto probe = std::make_shared<inheritance_probe>();
  rt.register_protocol("probe", probe);
  auto server = listen(rt, "probe", "idle_timeout=5000?team=blue&debug", std::make_shared<std::string>("from listener"));
  ASSERT_NE(server->user_data<std::string>(), nullptr);
  EXPECT_EQ(*server->user_data<std::string>(), "from listener");

  std::promise<result<connection_ref>> connected;
  rt.connect(connect_url("probe", *server, "idle_timeout=5000?who=client"), {},
             [&](result<connection_ref> outcome) { connected.set_value(std::move(outcome)); },
             std::make_shared<std::string>("from connect"));
  auto conn = within(connected.get_future());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(probe->wait_opened(2));

  std::lock_guard lock(probe->mutex);
  auto records = probe->records();
  ASSERT_EQ(probe->seen_metadata.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    if (records[i].outbound) {
      EXPECT_EQ(probe->seen_metadata[i], (polyport::metadata{{"who", "client"}}));
      EXPECT_EQ(probe->seen_user_data[i], "from connect");
    } else {
      EXPECT_EQ(probe->seen_metadata[i], (polyport::metadata{{"team", "blue"}, {"debug", ""}}));
      EXPECT_EQ(probe->seen_user_data[i], "from listener");
    }
  }
}

INSTANTIATE_TRANSPORT_TESTS(connection_data_test);

// A listener of a class gets that class's protocol, or the global one for the scheme when the
// class has none.
TEST(protocol_class_test, class_registration_falls_back_to_the_global_protocol) {
  runtime rt({.workers = 1});
  auto global = std::make_shared<recording_protocol>();
  auto gold = std::make_shared<recording_protocol>();
  rt.register_protocol("svc", global);
  rt.register_protocol("gold", "svc", gold);
  EXPECT_EQ(rt.find_protocol("gold", "svc"), gold);
  EXPECT_EQ(rt.find_protocol("silver", "svc"), global);
  EXPECT_EQ(rt.find_protocol("", "SVC"), global);
  EXPECT_EQ(rt.find_protocol("gold", "other"), nullptr);

  std::size_t expected_opens = 0;
  for (const char* class_param : {";class=gold", ";class=silver", ""}) {
    auto server = rt.listen(std::string("svc://127.0.0.1:0;transport=tcp") + class_param);
    ASSERT_TRUE(server.ok()) << server.error().message;
    raw_peer peer = raw_peer::open(transport::tcp, (*server)->local());
    ASSERT_TRUE(peer.connected()) << peer.error();
    ++expected_opens;
    ASSERT_TRUE(eventually([&] { return global->opened() + gold->opened() == expected_opens; }));
  }
  EXPECT_EQ(gold->opened(), 1u);
  EXPECT_EQ(global->opened(), 2u);
}

}  // namespace
}  // namespace polyport::testing
