// The chunk server of examples/chunk_server.cpp over real TCP on loopback: chunks written in
// small pieces come back as the same messages, Set Chunk Size is honoured both ways, and bad
// input closes only the offending connection, counted as frame_error.
#include "../../examples/chunk_stream/chunk_echo_protocol.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../examples/chunk_stream/chunk_parser.hpp"
#include "../../examples/chunk_stream/chunk_writer.hpp"
#include "polyport/runtime.hpp"

namespace chunk_stream {
namespace {

// A blocking loopback client; the test is its only user.
class raw_client {
 public:
  explicit raw_client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~raw_client() { ::close(fd_); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool connected() const { return connected_; }

  // Writes in pieces of `piece` bytes, pausing between them so they arrive as separate reads.
  void write_in_pieces(const std::vector<std::byte>& bytes, std::size_t piece) {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      std::size_t size = std::min(piece, bytes.size() - at);
      ASSERT_EQ(::send(fd_, bytes.data() + at, size, MSG_NOSIGNAL), static_cast<ssize_t>(size));
      if (at % (piece * 16) == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }

  // Reads what is there within `timeout`; empty at end of stream or timeout. `closed` says which.
  std::vector<std::byte> read_some(std::chrono::milliseconds timeout, bool& closed) {
    closed = false;
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) {
      return {};
    }
    std::vector<std::byte> buffer(65536);
    ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (got <= 0) {
      closed = true;
      return {};
    }
    buffer.resize(static_cast<std::size_t>(got));
    return buffer;
  }

 private:
  int fd_;
  bool connected_ = false;
};

struct chunk_server_fixture : ::testing::Test {
  void SetUp() override {
    server.register_protocol("chunk", std::make_shared<chunk_echo_protocol>(limits{.max_message_length = 100000}));
    auto started = server.listen("chunk://127.0.0.1:0;transport=tcp");
    ASSERT_TRUE(started.ok()) << started.error().message;
    listening = *started;
  }
  polyport::runtime server{polyport::runtime_options{.workers = 2}};
  std::shared_ptr<polyport::listener> listening;
};

struct sent_message {
  std::uint32_t chunk_stream_id;
  std::uint32_t timestamp;
  std::uint8_t type_id;
  std::uint32_t stream_id;
  std::string payload;
  friend bool operator==(const sent_message&, const sent_message&) = default;
};

TEST_F(chunk_server_fixture, echoes_messages_sent_in_small_pieces) {
  raw_client client(listening->local().port);
  ASSERT_TRUE(client.connected());

  std::vector<sent_message> messages;
  messages.push_back({2, 0, set_chunk_size_type, 0, std::string("\x00\x00\x01\x00", 4)});  // 256
  for (std::uint32_t i = 0; i < 40; ++i) {
    std::uint32_t timestamp = i < 20 ? i * 33 : 0x01000000 + i * 33;  // later ones need extended fields
    messages.push_back({3 + i % 3 + (i % 7 == 0 ? 400 : 0), timestamp, static_cast<std::uint8_t>(8 + i % 2), 1,
                        std::string(i * 311 % 1500, static_cast<char>('a' + i % 26))});
  }
  chunk_writer writer;
  std::vector<std::byte> wire;
  for (const auto& m : messages) {
    auto chunks = writer.encode({m.chunk_stream_id, m.timestamp, m.type_id, m.stream_id,
                                 std::as_bytes(std::span(m.payload.data(), m.payload.size()))});
    wire.insert(wire.end(), chunks.begin(), chunks.end());
    if (m.type_id == set_chunk_size_type) {
      writer.set_chunk_size(256);
    }
  }
  client.write_in_pieces(wire, 7);

  // The replies use 128-byte chunks until the echoed Set Chunk Size, then 256: the parser must
  // follow the same switch to read them back.
  std::vector<sent_message> echoed;
  chunk_parser reader([&](const message& m) {
    echoed.push_back({m.chunk_stream_id, m.timestamp, m.type_id, m.stream_id,
                      std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size())});
    if (m.type_id == set_chunk_size_type) {
      EXPECT_TRUE(reader.set_chunk_size(256).ok());
    }
  });
  std::vector<std::byte> pending;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (echoed.size() < messages.size() && std::chrono::steady_clock::now() < deadline) {
    bool closed = false;
    auto bytes = client.read_some(std::chrono::milliseconds(200), closed);
    ASSERT_FALSE(closed);
    pending.insert(pending.end(), bytes.begin(), bytes.end());
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(reader.feed(pending)));
    ASSERT_EQ(reader.error(), "");
  }
  EXPECT_EQ(echoed, messages);
  EXPECT_TRUE(pending.empty());
}

TEST_F(chunk_server_fixture, bad_input_closes_only_that_connection) {
  raw_client good(listening->local().port);
  raw_client bad(listening->local().port);
  ASSERT_TRUE(good.connected());
  ASSERT_TRUE(bad.connected());

  // Format 1 on a chunk stream that never had a format 0 header.
  bad.write_in_pieces({std::byte{0x43}, std::byte{0}, std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0},
                       std::byte{1}, std::byte{8}, std::byte{'x'}},
                      100);
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    EXPECT_TRUE(bad.read_some(std::chrono::milliseconds(200), closed).empty());
  }
  EXPECT_TRUE(closed);

  chunk_writer writer;
  std::string payload = "still here";
  good.write_in_pieces(writer.encode({3, 1, 8, 1, std::as_bytes(std::span(payload.data(), payload.size()))}), 3);
  std::string reply;
  chunk_parser reader(
      [&](const message& m) { reply.assign(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()); });
  std::vector<std::byte> pending;
  while (reply.empty() && std::chrono::steady_clock::now() < deadline) {
    auto bytes = good.read_some(std::chrono::milliseconds(200), closed);
    ASSERT_FALSE(closed);
    pending.insert(pending.end(), bytes.begin(), bytes.end());
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(reader.feed(pending)));
  }
  EXPECT_EQ(reply, payload);

  // The close is counted on the worker; give it a moment to show in the snapshot.
  while (listening->stats().closed_by(polyport::close_reason::frame_error) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(listening->stats().closed_by(polyport::close_reason::frame_error), 1u);
}

}  // namespace
}  // namespace chunk_stream
