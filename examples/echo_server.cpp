// echo_server: the smallest complete polyport server. It sends every message back and keeps a
// little state per connection, to show where such state belongs.
//
//   usage: example_echo_server [URL]     (default echo://127.0.0.1:5315;transport=tcp)
//
//   example_echo_server 'echo://127.0.0.1:5315;transport=tcp;tcp_packet=line'
//   socat - TCP:127.0.0.1:5315                     (type lines; each comes back)
//
// How framing is chosen: the URL's tcp_packet option picks the framer that splits the byte
// stream into the messages on_message receives:
//   raw (default)  every read, as it arrived: one "message" may be half a line or three lines
//   line           one message per line, without its "\n" (or "\r\n"); send() adds "\n"
//   1 | 2 | 4      a big-endian length prefix of that many bytes; send() adds it back
// A protocol with its own wire format overrides on_data instead (see chunk_server.cpp).

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "polyport/runtime.hpp"

namespace {

// Per-connection state: one per connection, created in on_open, owned by the connection and
// destroyed with it. Only the connection's worker touches it, so it needs no lock.
struct echo_session {
  std::size_t messages = 0;
  std::size_t bytes = 0;
};

// One object serves every connection, on every worker thread at once: it keeps nothing of its own
// that changes. All callbacks below run on the worker that owns `conn`.
class echo_protocol final : public polyport::protocol {
 public:
  void on_open(polyport::connection& conn) override {
    conn.emplace_state<echo_session>();
    std::fprintf(stderr, "connection %llu from %s\n", static_cast<unsigned long long>(conn.id()),
                 conn.remote().to_string().c_str());
    // The URL's ?headers reach every connection of the listener (NkPACKET's user_state):
    // 'echo://127.0.0.1:5315?site=lab' prints "site=lab" here.
    for (const auto& [key, value] : conn.metadata()) {
      std::fprintf(stderr, "  %s=%s\n", key.c_str(), value.c_str());
    }
  }

  void on_message(polyport::connection& conn, std::span<const std::byte> message) override {
    echo_session& session = conn.state<echo_session>();
    ++session.messages;
    session.bytes += message.size();
    conn.send(message);  // the framer frames it again: a length prefix, or "\n" for lines
  }

  // Backpressure: when the peer reads slower than it sends, our replies pile up in the outbound
  // queue. Stop reading until they drain; TCP flow control then slows the peer down.
  void on_writable(polyport::connection& conn, bool writable) override {
    if (writable) {
      conn.resume_reading();
    } else {
      conn.pause_reading();
    }
  }

  // Exactly once per opened connection, whatever closed it.
  void on_close(polyport::connection& conn, const polyport::close_info& why) override {
    const echo_session& session = conn.state<echo_session>();
    std::fprintf(stderr, "connection %llu closed (%s%s%s) after %zu messages, %zu bytes\n",
                 static_cast<unsigned long long>(conn.id()), std::string(to_string(why.reason)).c_str(),
                 why.detail.empty() ? "" : ": ", why.detail.c_str(), session.messages, session.bytes);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "echo://127.0.0.1:5315;transport=tcp";

  // Block SIGINT and SIGTERM before the runtime starts its worker threads: they inherit the mask,
  // so the signals wait for sigwait below instead of interrupting a worker.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  polyport::runtime server;  // one worker thread per core
  server.register_protocol("echo", std::make_shared<echo_protocol>());
  auto started = server.listen(url);
  if (!started) {
    std::fprintf(stderr, "example_echo_server: %s\n", started.error().message.c_str());
    return 1;
  }
  // With port 0 the kernel picks one: description() shows the real port.
  std::printf("listening %s\n", (*started)->description().c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  server.stop();  // closes every connection: each on_close runs before stop() returns
  return 0;
}
