#pragma once
// A protocol for tests against OpenSSL peers: collects what the peer sends and the security
// parameters (conn.security()) of each opened connection, optionally echoing what it receives.
// Thread safety: every member may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "polyport/echo_protocol.hpp"
#include "polyport/result.hpp"

namespace polyport::testing {

class security_recorder : public echo_protocol {
 public:
  explicit security_recorder(bool echo = false) : echo_(echo) {}

  void on_open(connection& conn) override;
  void on_message(connection& conn, std::span<const std::byte> message) override;

  // True once everything received so far contains `text`.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout);
  std::string received() const;
  std::vector<std::string> securities() const;

 private:
  bool echo_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string received_;
  std::vector<std::string> securities_;
};

// A client connect that failed certificate verification, with a clear error and no on_open.
::testing::AssertionResult refused_as_untrusted(const result<connection_ref>& conn, const security_recorder& recorder);

}  // namespace polyport::testing
