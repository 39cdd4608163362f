// Byte rate limits on reads: rate_limit per connection and listener_rate_limit shared by a
// listener's connections. No read takes more than the bucket holds, the bytes cannot arrive
// faster than the rate allows (a lower bound: a loaded machine only makes it slower), and a
// throttled connection stops reading so the sender's socket fills up (TCP pushes back).

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <thread>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"

namespace polyport::testing {
namespace {

class rate_limit_test : public ::testing::Test {
 protected:
  void SetUp() override { rt.register_protocol("quiet", recorder); }

  std::shared_ptr<listener> listen(const std::string& params) {
    auto started = rt.listen("quiet://127.0.0.1:0;transport=tcp;tcp_packet=raw;" + params);
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    return *started;
  }

  std::size_t bytes_received() const {
    std::size_t total = 0;
    for (const auto& message : recorder->all_messages()) {
      total += message.size();
    }
    return total;
  }

  std::size_t largest_read() const {
    std::size_t largest = 0;
    for (const auto& message : recorder->all_messages()) {
      largest = std::max(largest, message.size());
    }
    return largest;
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>(false);
};

TEST_F(rate_limit_test, a_connection_reads_no_faster_than_its_rate_limit) {
  auto server = listen("rate_limit=40000;rate_limit_burst=8000");
  auto started = std::chrono::steady_clock::now();
  raw_peer client = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.write_all(std::string(48'000, 'r'), 10s));
  ASSERT_TRUE(eventually([&] { return bytes_received() == 48'000; }, 20s)) << bytes_received();
  // The burst comes at once, the other 40,000 bytes at 40,000 bytes/s (less a timer tick).
  EXPECT_GE(std::chrono::steady_clock::now() - started, 950ms);
  EXPECT_LE(largest_read(), 8'000u);
}

TEST_F(rate_limit_test, a_listener_rate_limit_is_shared_by_its_connections) {
  auto server = listen("listener_rate_limit=40000;listener_rate_limit_burst=8000");
  auto started = std::chrono::steady_clock::now();
  raw_peer first = raw_peer::open(transport::tcp, server->local());
  raw_peer second = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(first.connected() && second.connected());
  std::thread other([&] { EXPECT_TRUE(second.write_all(std::string(24'000, 'b'), 10s)); });
  EXPECT_TRUE(first.write_all(std::string(24'000, 'a'), 10s));
  other.join();
  ASSERT_TRUE(eventually([&] { return bytes_received() == 48'000; }, 20s)) << bytes_received();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 950ms);
  EXPECT_LE(largest_read(), 8'000u);
}

TEST_F(rate_limit_test, a_throttled_connection_pushes_back_on_its_sender) {
  auto server = listen("rate_limit=1000;rate_limit_burst=1000");
  raw_peer client = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string chunk(64 * 1024, 'p');
  std::size_t written = 0;
  // The kernel's buffers on both sides hold a few MiB; after that the sender must block.
  bool blocked = false;
  while (!blocked && written < 64 * 1024 * 1024) {
    if (!client.wait_writable(2s)) {
      blocked = true;
      break;
    }
    auto taken = client.try_write(as_bytes(chunk));
    ASSERT_TRUE(taken.has_value());
    written += *taken;
  }
  EXPECT_TRUE(blocked) << "wrote " << written << " bytes without the socket filling up";
  EXPECT_LT(bytes_received(), written);
}

TEST_F(rate_limit_test, pausing_and_resuming_does_not_lift_the_limit) {
  auto server = listen("rate_limit=20000;rate_limit_burst=4000");
  auto started = std::chrono::steady_clock::now();
  raw_peer client = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(recorder->wait_opened(1));
  connection_ref conn = recorder->records().front().ref;
  conn.dispatch([](connection& c) { c.pause_reading(); });
  ASSERT_TRUE(client.write_all(std::string(24'000, 'z'), 10s));
  conn.dispatch([](connection& c) { c.resume_reading(); });
  ASSERT_TRUE(eventually([&] { return bytes_received() == 24'000; }, 20s)) << bytes_received();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 950ms);
  EXPECT_LE(largest_read(), 4'000u);
}

}  // namespace
}  // namespace polyport::testing
