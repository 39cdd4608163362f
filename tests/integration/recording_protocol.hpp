#pragma once
// A protocol that records what happens to its connections, so a test thread can wait for
// events (with deadlines) and then check them. Optionally echoes each message back.
// Thread safety: the callbacks run on any worker; the accessors from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "polyport/protocol.hpp"
#include "polyport/result.hpp"
#include "support/wait.hpp"

namespace polyport::testing {

using namespace std::chrono_literals;

// The outcome of a future-returning runtime call, or an error when it has not come by `timeout`.
template <class T>
result<T> within(std::future<result<T>> pending, std::chrono::milliseconds timeout = 10s) {
  if (pending.wait_for(timeout) != std::future_status::ready) {
    return error{"no answer within " + std::to_string(timeout.count()) + " ms"};
  }
  return pending.get();
}

inline std::string as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

struct connection_record {
  std::uint64_t id = 0;
  bool outbound = false;
  int opens = 0;
  int closes = 0;
  close_info closed;
  std::vector<std::string> messages;
  std::chrono::steady_clock::time_point opened_at;
  std::chrono::steady_clock::time_point closed_at;
  connection_ref ref;
};

class recording_protocol : public protocol {
 public:
  explicit recording_protocol(bool echo = false) : echo_(echo) {}

  // Every transport built: tcp, tls, unix, udp.
  std::vector<polyport::transport> transports(std::string_view scheme) const override;
  void on_open(connection& conn) override;
  void on_message(connection& conn, std::span<const std::byte> message) override;
  void on_close(connection& conn, const close_info& why) override;

  // Waits until `condition(records)` holds; records are in the order connections opened.
  bool wait_for(const std::function<bool(const std::vector<connection_record>&)>& condition,
                std::chrono::milliseconds timeout = 5s);
  bool wait_opened(std::size_t count, std::chrono::milliseconds timeout = 5s);
  bool wait_closed(std::size_t count, std::chrono::milliseconds timeout = 5s);
  bool wait_messages(std::size_t count, std::chrono::milliseconds timeout = 5s);

  std::vector<connection_record> records() const;
  std::size_t opened() const;
  std::size_t closed() const;
  std::size_t closed_with(close_reason reason) const;
  std::size_t message_count() const;
  // Every message of every connection, in arrival order per connection, connections in open order.
  std::vector<std::string> all_messages() const;

 protected:
  // Runs `change` on the record of `conn` under the lock, then wakes the waiters.
  void update(const connection& conn, const std::function<void(connection_record&)>& change);

 private:
  bool echo_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<connection_record> records_;
};

}  // namespace polyport::testing
