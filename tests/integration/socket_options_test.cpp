// Per-socket options of the accept path: send_timeout closes a connection whose peer stopped
// reading, reset_on_close ends connections with a TCP reset instead of a FIN.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"

namespace polyport::testing {
namespace {

// Queues a few MiB for every new connection, far more than the peer's socket can hold unread.
class flooding_recorder : public recording_protocol {
 public:
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    const std::string chunk(64 * 1024, 'f');
    for (int i = 0; i < 64; ++i) {
      conn.send(chunk);
    }
  }
};

// Closes a connection when it receives "bye".
class closing_recorder : public recording_protocol {
 public:
  void on_message(connection& conn, std::span<const std::byte> message) override {
    recording_protocol::on_message(conn, message);
    if (as_text(message).find("bye") != std::string::npos) {
      conn.close();
    }
  }
};

// What the next recv says once the peer has ended the stream: 0 (a FIN) or -errno (a reset).
int end_of_stream(int fd) {
  pollfd ready{fd, POLLIN, 0};
  if (::poll(&ready, 1, 5000) != 1) {
    return 1;  // nothing by the deadline
  }
  char byte = 0;
  ssize_t got = ::recv(fd, &byte, 1, 0);
  return got < 0 ? -errno : static_cast<int>(got);
}

TEST(socket_options, a_send_stuck_for_send_timeout_closes_the_connection) {
  runtime rt({.workers = 1});
  auto recorder = std::make_shared<flooding_recorder>();
  rt.register_protocol("flood", recorder);
  auto server = rt.listen("flood://127.0.0.1:0;transport=tcp;send_timeout=300;idle_timeout=60000");
  ASSERT_TRUE(server) << server.error().message;
  raw_peer reader = raw_peer::open(transport::tcp, (*server)->local());
  ASSERT_TRUE(reader.connected());
  reader.set_receive_buffer(4096);
  ASSERT_TRUE(recorder->wait_closed(1, 10s));
  EXPECT_EQ(recorder->records().front().closed.reason, close_reason::send_timeout);
  EXPECT_EQ((*server)->stats().closed[static_cast<std::size_t>(close_reason::send_timeout)], 1u);
}

TEST(socket_options, a_peer_that_reads_is_not_closed_by_send_timeout) {
  runtime rt({.workers = 1});
  auto recorder = std::make_shared<flooding_recorder>();
  rt.register_protocol("flood", recorder);
  auto server = rt.listen("flood://127.0.0.1:0;transport=tcp;send_timeout=2000");
  ASSERT_TRUE(server) << server.error().message;
  raw_peer reader = raw_peer::open(transport::tcp, (*server)->local());
  ASSERT_TRUE(reader.connected());
  EXPECT_EQ(reader.read_exact(64 * 64 * 1024, 20s).size(), 64u * 64 * 1024);
  EXPECT_EQ(recorder->closed(), 0u);
}

TEST(socket_options, reset_on_close_ends_with_a_reset_and_the_default_with_a_fin) {
  runtime rt({.workers = 1});
  auto recorder = std::make_shared<closing_recorder>();
  rt.register_protocol("closing", recorder);
  auto graceful = rt.listen("closing://127.0.0.1:0;transport=tcp");
  auto abrupt = rt.listen("closing://127.0.0.1:0;transport=tcp;reset_on_close=true");
  ASSERT_TRUE(graceful && abrupt);

  raw_peer first = raw_peer::open(transport::tcp, (*graceful)->local());
  ASSERT_TRUE(first.write_all("bye"));
  EXPECT_EQ(end_of_stream(first.fd()), 0);

  raw_peer second = raw_peer::open(transport::tcp, (*abrupt)->local());
  ASSERT_TRUE(second.write_all("bye"));
  EXPECT_EQ(end_of_stream(second.fd()), -ECONNRESET);
}

}  // namespace
}  // namespace polyport::testing
