// Framing through real sockets: the peer writes frames byte by byte (each byte read on its own,
// checked through the listener's bytes_in), or many frames at once, and the protocol still sees
// whole messages; max_frame closes the connection; send() adds the framer's prefix.

#include <gtest/gtest.h>

#include <charconv>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "transport_permutation.hpp"

namespace polyport::testing {
namespace {

std::string frame(int width, std::string_view payload) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) {
    out += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  }
  return out + std::string(payload);
}

// Sends a fixed greeting on open, and records whether send() took some test messages.
class greeter : public recording_protocol {
 public:
  void on_open(connection& conn) override {
    recording_protocol::on_open(conn);
    too_big_taken = conn.send(std::string(too_big_size, 'x'));
    fitting_taken = conn.send(std::string(fitting_size, 'y'));
    ++greeted;
  }
  std::atomic<int> greeted{0};
  std::size_t too_big_size = 0;
  std::size_t fitting_size = 0;
  std::atomic<bool> too_big_taken{true};
  std::atomic<bool> fitting_taken{false};
};

// Its own format, "<decimal length>:<payload>": consumes whole frames only, and remembers every
// input it was offered, to show leftovers come back with the later bytes.
class netstring_protocol : public recording_protocol {
 public:
  std::size_t on_data(connection& conn, std::span<const std::byte> bytes) override {
    std::string input = as_text(bytes);
    {
      std::lock_guard lock(inputs_mutex);
      inputs.push_back(input);
    }
    std::size_t consumed = 0;
    for (;;) {
      auto colon = input.find(':', consumed);
      if (colon == std::string::npos) {
        break;
      }
      std::size_t length = 0;
      std::from_chars(input.data() + consumed, input.data() + colon, length);
      if (input.size() - colon - 1 < length) {
        break;
      }
      on_message(conn, bytes.subspan(colon + 1, length));
      consumed = colon + 1 + length;
    }
    return consumed;
  }
  std::mutex inputs_mutex;
  std::vector<std::string> inputs;
};

class framing_test : public transport_test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  // Writes `bytes` one at a time, each only once the server has read the one before.
  // Fails at once if the server closes the connection meanwhile.
  void write_byte_by_byte(raw_peer& peer, const listener& server, std::string_view bytes) {
    ASSERT_TRUE(eventually([&] { return server.stats().current > 0; })) << "the peer was never accepted";
    std::uint64_t read_before = server.stats().bytes_in;
    std::uint64_t open_before = server.stats().current;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      ASSERT_TRUE(peer.write_all(bytes.substr(i, 1)));
      ASSERT_TRUE(eventually([&] {
        return server.stats().bytes_in == read_before + i + 1 || server.stats().current < open_before;
      })) << "byte " << i << " not read";
      ASSERT_EQ(server.stats().current, open_before) << "the server closed the connection after byte " << i;
    }
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>();
};

TEST_P(framing_test, length_prefixed_frames_arrive_whole_when_written_byte_by_byte) {
  std::vector<std::string> expected;
  for (int width : {1, 2, 4}) {
    auto server = listen(rt, "rec", "tcp_packet=" + std::to_string(width));
    raw_peer peer = open_peer(*server);
    ASSERT_TRUE(peer.connected()) << peer.error();
    std::string payload = "frame of width " + std::to_string(width);
    ASSERT_NO_FATAL_FAILURE(write_byte_by_byte(peer, *server, frame(width, payload)));
    expected.push_back(payload);
    ASSERT_TRUE(recorder->wait_messages(expected.size()));
    EXPECT_EQ(recorder->all_messages(), expected) << "width " << width;
  }
}

TEST_P(framing_test, lines_arrive_whole_when_written_byte_by_byte) {
  auto server = listen(rt, "rec", "tcp_packet=line");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_NO_FATAL_FAILURE(write_byte_by_byte(peer, *server, "hello\r\nworld\n\n"));
  ASSERT_TRUE(recorder->wait_messages(3));
  EXPECT_EQ(recorder->all_messages(), (std::vector<std::string>{"hello", "world", ""}));
}

TEST_P(framing_test, many_frames_in_one_write_are_all_delivered_in_order) {
  auto server = listen(rt, "rec", "tcp_packet=2");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  std::string burst;
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    expected.push_back("message " + std::to_string(i));
    burst += frame(2, expected.back());
  }
  ASSERT_TRUE(peer.write_all(burst));
  ASSERT_TRUE(recorder->wait_messages(expected.size()));
  EXPECT_EQ(recorder->all_messages(), expected);
}

TEST_P(framing_test, length_over_max_frame_closes_with_frame_error) {
  auto server = listen(rt, "rec", "tcp_packet=4;max_frame=100");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(peer.write_all(frame(4, std::string(101, 'z'))));
  ASSERT_TRUE(recorder->wait_closed(1));
  auto record = recorder->records().at(0);
  EXPECT_EQ(record.closed.reason, close_reason::frame_error);
  EXPECT_NE(record.closed.detail.find("max_frame"), std::string::npos) << record.closed.detail;
  EXPECT_TRUE(record.messages.empty());
  EXPECT_TRUE(peer.wait_closed());
  EXPECT_EQ(server->stats().closed_by(close_reason::frame_error), 1u);
}

TEST_P(framing_test, line_longer_than_max_frame_closes_with_frame_error) {
  auto server = listen(rt, "rec", "tcp_packet=line;max_frame=10");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_TRUE(peer.write_all(std::string(40, 'z')));
  ASSERT_TRUE(recorder->wait_closed(1));
  EXPECT_EQ(recorder->records().at(0).closed.reason, close_reason::frame_error);
  EXPECT_TRUE(peer.wait_closed());
}

// A frame of exactly max_frame bytes is valid however it is split: the bytes buffered while
// waiting for it (prefix or delimiter included) must not count as an oversized frame.
TEST_P(framing_test, frame_of_exactly_max_frame_passes_byte_by_byte) {
  auto server = listen(rt, "rec", "tcp_packet=4;max_frame=100");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_NO_FATAL_FAILURE(write_byte_by_byte(peer, *server, frame(4, std::string(100, 'm'))));
  ASSERT_TRUE(recorder->wait_messages(1));
  EXPECT_EQ(recorder->all_messages(), std::vector<std::string>{std::string(100, 'm')});
  EXPECT_EQ(recorder->closed(), 0u);
}

TEST_P(framing_test, line_of_exactly_max_frame_passes_byte_by_byte) {
  auto server = listen(rt, "rec", "tcp_packet=line;max_frame=10");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  ASSERT_NO_FATAL_FAILURE(write_byte_by_byte(peer, *server, "0123456789\r\n"));
  ASSERT_TRUE(recorder->wait_messages(1));
  EXPECT_EQ(recorder->all_messages(), std::vector<std::string>{"0123456789"});
}

// send() writes the length prefix of tcp_packet=1|2|4, and refuses (without closing) a message
// the prefix cannot express.
TEST_P(framing_test, send_prefixes_frames_and_refuses_what_the_prefix_cannot_hold) {
  auto sender = std::make_shared<greeter>();
  rt.register_protocol("greet", sender);
  std::vector<raw_peer> peers;
  for (int width : {1, 2}) {
    sender->too_big_size = width == 1 ? 256 : 65536;
    sender->fitting_size = width == 1 ? 255 : 300;
    auto server = listen(rt, "greet", "tcp_packet=" + std::to_string(width));
    raw_peer& peer = peers.emplace_back(open_peer(*server));
    ASSERT_TRUE(peer.connected()) << peer.error();
    std::string expected = frame(width, std::string(sender->fitting_size, 'y'));
    EXPECT_EQ(peer.read_exact(expected.size()), expected) << "width " << width;
    // The peer may read the greeting before on_open has stored what send() answered.
    ASSERT_TRUE(eventually([&] { return sender->greeted == static_cast<int>(peers.size()); }));
    EXPECT_FALSE(sender->too_big_taken) << "width " << width;
    EXPECT_TRUE(sender->fitting_taken) << "width " << width;
    EXPECT_EQ(sender->closed(), 0u);
  }
  sender->too_big_size = 11;
  sender->fitting_size = 10;
  auto server = listen(rt, "greet", "tcp_packet=4;max_frame=10");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  EXPECT_EQ(peer.read_exact(14), frame(4, std::string(10, 'y')));
  ASSERT_TRUE(eventually([&] { return sender->greeted == 3; }));
  EXPECT_FALSE(sender->too_big_taken);
}

// An on_data override that consumes only whole frames of its own format gets its leftovers
// offered again, followed by the later bytes.
TEST_P(framing_test, on_data_leftovers_are_offered_again_with_later_bytes) {
  auto parser = std::make_shared<netstring_protocol>();
  rt.register_protocol("netstring", parser);
  auto server = listen(rt, "netstring");
  raw_peer peer = open_peer(*server);
  ASSERT_TRUE(peer.connected()) << peer.error();
  std::uint64_t read = 0;
  for (std::string_view part : {"5:hel", "lo3:ab", "c", "2:", "ok1:!"}) {
    ASSERT_TRUE(peer.write_all(part));
    read += part.size();
    ASSERT_TRUE(eventually([&] { return server->stats().bytes_in == read; }));
  }
  ASSERT_TRUE(parser->wait_messages(4));
  EXPECT_EQ(parser->all_messages(), (std::vector<std::string>{"hello", "abc", "ok", "!"}));
  std::lock_guard lock(parser->inputs_mutex);
  // Each write was read on its own, after the leftovers of the one before.
  EXPECT_EQ(parser->inputs, (std::vector<std::string>{"5:hel", "5:hello3:ab", "3:abc", "2:", "2:ok1:!"}));
}

INSTANTIATE_TRANSPORT_TESTS(framing_test);

}  // namespace
}  // namespace polyport::testing
