// Idle timeouts: an idle connection closes with close_reason::idle_timeout, never before its
// timeout; traffic and on_idle returning keep hold it open; 0 disables the timeout.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

using std::chrono::steady_clock;

// Keeps the connection the first `keeps` times it is idle, then lets it close.
class patient_protocol : public recording_protocol {
 public:
  explicit patient_protocol(int keeps, std::chrono::milliseconds own_timeout = {})
      : keeps_(keeps), own_timeout_(own_timeout) {}
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    if (own_timeout_.count() != 0) {
      conn.set_idle_timeout(own_timeout_);
    }
  }
  idle_action on_idle(connection&) override {
    return idle_calls.fetch_add(1) < keeps_ ? idle_action::keep : idle_action::close;
  }
  std::atomic<int> idle_calls{0};

 private:
  int keeps_;
  std::chrono::milliseconds own_timeout_;
};

class idle_timeout_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>();
};

TEST_P(idle_timeout_test, idle_connection_closes_with_idle_timeout) {
  auto server = listen(rt, "rec", "idle_timeout=200");
  auto before = steady_clock::now();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(recorder->wait_closed(1));
  auto record = recorder->records().at(0);
  EXPECT_EQ(record.closed.reason, close_reason::idle_timeout);
  EXPECT_GE(record.closed_at - before, 200ms) << "closed before its timeout";
  if (!is_datagram()) {
    EXPECT_TRUE(peer.wait_closed());  // a UDP peer is not told
  }
  EXPECT_EQ(server->stats().closed_by(close_reason::idle_timeout), 1u);
  EXPECT_EQ(server->stats().current, 0u);
}

// Bytes every 50 ms keep a 400 ms timeout from firing for more than two timeouts' time.
TEST_P(idle_timeout_test, traffic_keeps_the_connection_open) {
  auto server = listen(rt, "rec", "idle_timeout=400");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  auto until = steady_clock::now() + 1000ms;
  int sent = 0;
  while (steady_clock::now() < until) {
    ASSERT_TRUE(peer.write_all("."));
    ++sent;
    std::this_thread::sleep_for(50ms);  // the pace of the traffic, not a synchronisation
  }
  ASSERT_TRUE(eventually([&] { return server->stats().bytes_in == static_cast<std::uint64_t>(sent); }));
  EXPECT_EQ(recorder->closed(), 0u) << "closed while traffic flowed";
  ASSERT_TRUE(recorder->wait_closed(1));
  EXPECT_EQ(recorder->records().at(0).closed.reason, close_reason::idle_timeout);
}

// Traffic the server sends counts as activity too.
TEST_P(idle_timeout_test, outbound_traffic_keeps_the_connection_open) {
  auto server = listen(rt, "rec", "idle_timeout=400");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(recorder->wait_opened(1));
  connection_ref ref = recorder->records().at(0).ref;
  auto until = steady_clock::now() + 1000ms;
  std::size_t sent = 0;
  while (steady_clock::now() < until) {
    ref.send(".");
    ++sent;
    EXPECT_EQ(peer.read_exact(1), ".");
    std::this_thread::sleep_for(50ms);  // the pace of the traffic
  }
  EXPECT_EQ(recorder->closed(), 0u) << "closed while traffic flowed";
  EXPECT_EQ(server->stats().bytes_out, sent);
}

TEST_P(idle_timeout_test, on_idle_returning_keep_keeps_the_connection) {
  auto patient = std::make_shared<patient_protocol>(2);
  rt.register_protocol("patient", patient);
  auto server = listen(rt, "patient", "idle_timeout=100");
  auto before = steady_clock::now();
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(patient->wait_closed(1));
  EXPECT_EQ(patient->idle_calls, 3);
  auto record = patient->records().at(0);
  EXPECT_EQ(record.closed.reason, close_reason::idle_timeout);
  EXPECT_GE(record.closed_at - before, 300ms);
}

// A timeout set by the connection itself still applies after on_idle kept it once.
TEST_P(idle_timeout_test, own_idle_timeout_survives_keep) {
  auto patient = std::make_shared<patient_protocol>(1, 100ms);
  rt.register_protocol("patient", patient);
  auto server = listen(rt, "patient", "idle_timeout=0");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(patient->wait_closed(1, 3s)) << "on_idle ran " << patient->idle_calls << " time(s)";
  EXPECT_EQ(patient->idle_calls, 2);
  EXPECT_EQ(patient->records().at(0).closed.reason, close_reason::idle_timeout);
}

// idle_timeout=0 never closes: a 150 ms listener beside it closes two connections in turn
// (so at least 300 ms pass) while the connection without a timeout stays open.
TEST_P(idle_timeout_test, zero_disables_the_idle_timeout) {
  auto keeper = std::make_shared<recording_protocol>();
  rt.register_protocol("keeper", keeper);
  auto forever = listen(rt, "keeper", "idle_timeout=0");
  auto quick = listen(rt, "rec", "idle_timeout=150");
  raw_peer kept = open_peer(*forever);
  ASSERT_TRUE(kept.connected()) << kept.error();
  ASSERT_TRUE(keeper->wait_opened(1));
  for (std::size_t round = 1; round <= 2; ++round) {
    raw_peer clock_peer = open_peer(*quick);
    ASSERT_TRUE(clock_peer.connected()) << clock_peer.error();
    ASSERT_TRUE(recorder->wait_closed(round));
  }
  EXPECT_EQ(keeper->closed(), 0u);
  EXPECT_EQ(forever->stats().current, 1u);
  ASSERT_TRUE(kept.write_all("still here"));
  ASSERT_TRUE(eventually([&] { return forever->stats().bytes_in == 10; }));
}

INSTANTIATE_TRANSPORT_TESTS(idle_timeout_test);
INSTANTIATE_DATAGRAM_TESTS(idle_timeout_test);

// Thousands of idle connections over three timeouts on two workers: each closes with
// idle_timeout, none before its own timeout, all within a generous bound after it.
TEST(idle_timeout_scale_test, thousands_of_connections_with_different_timeouts_expire) {
  constexpr std::size_t per_listener = 1000;
  runtime rt({.workers = 2});
  const std::vector<std::chrono::milliseconds> timeouts = {300ms, 600ms, 900ms};
  std::vector<std::shared_ptr<recording_protocol>> recorders;
  std::vector<std::shared_ptr<listener>> servers;
  for (std::size_t i = 0; i < timeouts.size(); ++i) {
    recorders.push_back(std::make_shared<recording_protocol>());
    std::string scheme = "idle" + std::to_string(i);
    rt.register_protocol(scheme, recorders.back());
    auto started = rt.listen(scheme + "://127.0.0.1:0;transport=tcp;max_connections=5000;idle_timeout=" +
                             std::to_string(timeouts[i].count()));
    ASSERT_TRUE(started.ok()) << started.error().message;
    servers.push_back(*started);
  }
  std::vector<raw_peer> peers;
  auto started_at = steady_clock::now();
  for (std::size_t i = 0; i < timeouts.size(); ++i) {
    for (std::size_t n = 0; n < per_listener; ++n) {
      peers.push_back(raw_peer::open(transport::tcp, servers[i]->local()));
      ASSERT_TRUE(peers.back().connected()) << peers.back().error();
    }
  }
  for (std::size_t i = 0; i < timeouts.size(); ++i) {
    ASSERT_TRUE(recorders[i]->wait_closed(per_listener, 20s))
        << "timeout " << timeouts[i].count() << " ms: " << recorders[i]->closed() << " closed";
    for (const auto& record : recorders[i]->records()) {
      EXPECT_EQ(record.closed.reason, close_reason::idle_timeout);
      // The idle clock is read once per readiness batch, and a batch of hundreds of accepts
      // may start well before this connection's on_open: hence the allowance.
      EXPECT_GE(record.closed_at - record.opened_at, timeouts[i] - 100ms);
      EXPECT_LT(record.closed_at - record.opened_at, timeouts[i] + 5s);
    }
    EXPECT_EQ(servers[i]->stats().closed_by(close_reason::idle_timeout), per_listener);
  }
  EXPECT_EQ(rt.stats().current, 0u);
  EXPECT_LT(steady_clock::now() - started_at, 30s);
}

}  // namespace
}  // namespace polyport::testing
