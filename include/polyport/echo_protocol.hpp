#pragma once
// The built-in `echo` protocol: sends every message back as it came (framed the same way, so
// `tcp_packet=4` echoes frames). When the peer reads slower than it sends, the echo pauses
// reading until the outbound queue drains: TCP flow control then slows the peer down. Over udp
// each datagram comes back as one datagram, from the listening port.
// Thread safety: stateless; one instance serves every connection.

#include "polyport/protocol.hpp"

namespace polyport {

class echo_protocol : public protocol {
 public:
  // tcp, tls, unix, udp.
  std::vector<polyport::transport> transports(std::string_view scheme) const override;
  void on_message(connection& conn, std::span<const std::byte> message) override;
  void on_writable(connection& conn, bool writable) override;
};

}  // namespace polyport
