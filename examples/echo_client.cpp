// echo_client: sends lines to a server and prints what comes back.
//
//   usage: example_echo_client [--connect] URL [LINE...]     (no LINE: read lines from stdin)
//
//   example_echo_client 'echo://127.0.0.1:5315;transport=tcp;tcp_packet=line' hello world
//   printf 'a\nb\n' | example_echo_client 'echo://127.0.0.1:5315;transport=tcp'
//
// Two ways to talk to a server:
//   runtime::send(url, bytes)   the default here. Finds a live connection to the same destination
//                               (class, scheme, transport, ip, port) or opens one, then queues the
//                               bytes: the first line connects, the next ones reuse it.
//   runtime::connect(url)       with --connect. Always opens a new connection and hands you a
//                               connection_ref, which you keep and send on yourself.
// Both answer with result<connection_ref>: a value, or an error that says what went wrong
// (a bad URL, an unknown option, connection refused...). Check it before use.
//
// Framing comes from the URL, as on the server: with tcp_packet=line each reply is one line;
// with 1|2|4 one length-prefixed message; raw (the default) gives reads as they arrive, so the
// client waits until as many bytes came back as it sent.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "polyport/runtime.hpp"
#include "polyport/url.hpp"

namespace {

constexpr auto reply_timeout = std::chrono::seconds(5);

// Receives the replies. Callbacks run on a worker thread while main() waits on another, so the
// inbox is guarded: the one place in these examples where a protocol object holds changing data.
class reply_collector final : public polyport::protocol {
 public:
  void on_message(polyport::connection&, std::span<const std::byte> message) override {
    std::lock_guard lock(mutex_);
    replies_.emplace_back(reinterpret_cast<const char*>(message.data()), message.size());
    arrived_.notify_all();
  }

  void on_close(polyport::connection&, const polyport::close_info& why) override {
    std::lock_guard lock(mutex_);
    closed_ = "connection closed (" + std::string(to_string(why.reason)) +
              (why.detail.empty() ? "" : ": " + why.detail) + ")";
    arrived_.notify_all();
  }

  // Waits for `count` messages (framed) or `count` bytes (raw) and returns them joined, or an
  // error when the connection closed or nothing came in time.
  polyport::result<std::string> wait(std::size_t count, bool count_bytes) {
    std::unique_lock lock(mutex_);
    auto enough = [&] { return closed_.has_value() || available(count_bytes) >= count; };
    if (!arrived_.wait_for(lock, reply_timeout, enough)) {
      return polyport::error{"no reply within 5 s"};
    }
    if (available(count_bytes) < count) {
      return polyport::error{*closed_};
    }
    std::string joined;
    for (std::size_t taken = 0; taken < count;) {
      taken += count_bytes ? replies_.front().size() : 1;
      joined += replies_.front();
      if (!count_bytes) {
        joined += '\n';
      }
      replies_.pop_front();
    }
    return joined;
  }

  // A new connection starts with a clean slate.
  void reopened() {
    std::lock_guard lock(mutex_);
    closed_.reset();
  }

 private:
  std::size_t available(bool count_bytes) const {
    if (!count_bytes) {
      return replies_.size();
    }
    std::size_t total = 0;
    for (const auto& reply : replies_) {
      total += reply.size();
    }
    return total;
  }

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::string> replies_;
  std::optional<std::string> closed_;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "example_echo_client: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  const bool dedicated = !arguments.empty() && arguments.front() == "--connect";
  if (dedicated) {
    arguments.erase(arguments.begin());
  }
  if (arguments.empty()) {
    return fail("usage: example_echo_client [--connect] URL [LINE...]");
  }
  const std::string url = arguments.front();
  std::vector<std::string> lines(arguments.begin() + 1, arguments.end());

  // The URL says which protocol object handles the connection (its scheme) and how replies are
  // framed (its tcp_packet option).
  auto parsed = polyport::parse_url(url);
  if (!parsed) {
    return fail(parsed.error().message);
  }
  auto url_options = polyport::options_from_url(*parsed);
  if (!url_options) {
    return fail(url_options.error().message);
  }
  const polyport::framing framing = url_options->tcp_packet.value_or(polyport::framing::raw);
  const bool raw = framing == polyport::framing::raw;
  // The framer frames what send() is given (a length prefix, or "\n" for tcp_packet=line); raw
  // sends bytes verbatim, so a line's "\n" is ours to add there.
  const bool add_newline = raw;

  polyport::runtime client(polyport::runtime_options{.workers = 1});
  auto replies = std::make_shared<reply_collector>();
  client.register_protocol(parsed->scheme, replies);

  polyport::connection_ref dedicated_connection;
  if (dedicated) {
    auto connected = client.connect(url).get();  // blocks this thread, never a worker
    if (!connected) {
      return fail(connected.error().message);
    }
    dedicated_connection = *connected;
  }

  std::uint64_t last_connection = 0;
  auto send_line = [&](const std::string& line) -> polyport::result<void> {
    const std::string bytes = add_newline ? line + "\n" : line;
    if (dedicated) {
      if (!dedicated_connection.is_open()) {
        return polyport::error{"the connection has closed"};
      }
      dedicated_connection.send(bytes);  // posted to the connection's worker
    } else {
      auto sent = client.send(url, std::as_bytes(std::span(bytes.data(), bytes.size()))).get();
      if (!sent) {
        return sent.error();
      }
      if (sent->id() != last_connection) {
        std::fprintf(stderr, "(connection %llu %s)\n", static_cast<unsigned long long>(sent->id()),
                     last_connection == 0 ? "opened" : "opened again: the previous one closed");
        last_connection = sent->id();
        replies->reopened();
      }
    }
    auto reply = replies->wait(raw ? bytes.size() : 1, raw);
    if (!reply) {
      return reply.error();
    }
    std::fwrite(reply->data(), 1, reply->size(), stdout);
    std::fflush(stdout);
    return {};
  };

  if (!lines.empty()) {
    for (const auto& line : lines) {
      if (auto done = send_line(line); !done) {
        return fail(done.error().message);
      }
    }
  } else {
    for (std::string line; std::getline(std::cin, line);) {
      if (auto done = send_line(line); !done) {
        return fail(done.error().message);
      }
    }
  }
  client.stop();
  return 0;
}
