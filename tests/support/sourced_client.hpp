#pragma once
// A blocking TCP client bound to a chosen source address before it connects (127.0.0.x, ::1),
// so a test can be a client from "another host" on loopback. Reads and writes time out
// (SO_RCVTIMEO, SO_SNDTIMEO): a test waiting for bytes that never come fails, not hangs.

#include <cstdint>
#include <string>
#include <string_view>

#include "polyport/endpoint.hpp"

namespace polyport::testing {

class sourced_client {
 public:
  sourced_client(const std::string& source, const endpoint& to);
  // To 127.0.0.1:`port`.
  sourced_client(const std::string& source, std::uint16_t port);
  ~sourced_client() { close(); }
  sourced_client(const sourced_client&) = delete;
  sourced_client& operator=(const sourced_client&) = delete;

  bool connected() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The client's own address and port: what the listener should see as remote().
  const endpoint& local() const { return local_; }

  bool write_all(std::string_view bytes);
  // Reads until `count` bytes came, the peer closed, or the receive timeout.
  std::string read_exact(std::size_t count);
  // True when the server ends the connection (EOF or reset) within the receive timeout.
  bool wait_closed();
  void close();

 private:
  int fd_ = -1;
  std::string error_;
  endpoint local_;
};

}  // namespace polyport::testing
