#pragma once
// A protocol for tests about addresses (PROXY headers, access rules): it records what on_open
// saw of every connection, inbound and outbound; the listener side echoes each message and the
// client side counts the echoes. Thread safety: callbacks on any worker; waits from any thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "polyport/protocol.hpp"

namespace polyport::testing {

struct opened_as {
  bool outbound = false;
  endpoint local;
  endpoint remote;
  endpoint peer;
  std::optional<proxy_header> proxy;
};

class address_recorder : public protocol {
 public:
  void on_open(connection& conn) override;
  void on_message(connection& conn, std::span<const std::byte> message) override;

  // The `index`-th connection of that direction to open, waiting up to `timeout` for it.
  std::optional<opened_as> wait_inbound(std::size_t index, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<opened_as> wait_outbound(std::size_t index, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Until outbound connections have received `count` messages in all.
  bool wait_echoes(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::size_t inbound_count() const;

 private:
  std::optional<opened_as> wait_opened(bool outbound, std::size_t index, std::chrono::milliseconds timeout);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<opened_as> opened_;
  std::size_t echoes_ = 0;
};

}  // namespace polyport::testing
