#pragma once
// How datagrams reach OpenSSL's DTLS and leave it without a socket: a BIO that reads the one
// datagram being handled and collects every datagram OpenSSL writes, so a UDP listener can feed
// records from its shared socket and send the replies from the listening port.
//
//   datagram from the socket ─▶ pipe.inbound ─▶ BIO_read (once) ─▶ SSL
//   SSL ─▶ BIO_write (one datagram each) ─▶ pipe.outbound ─▶ the socket, to the peer
//
// Thread safety: a pipe and its BIO belong to the thread that drives their SSL.

#include <openssl/types.h>

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace polyport::detail {

struct dtls_pipe {
  std::span<const std::byte> inbound;  // the datagram OpenSSL reads next
  bool has_inbound = false;            // cleared once read: the next read wants more
  std::vector<std::vector<std::byte>> outbound;
  std::size_t mtu = 1400;              // the largest datagram OpenSSL should write

  // Everything written since the last call, in order.
  std::vector<std::vector<std::byte>> take_outbound() { return std::exchange(outbound, {}); }
};

// A BIO over `pipe` (which must outlive it, or be replaced by repoint_pipe_bio first).
// Null only when OpenSSL runs out of memory.
BIO* make_pipe_bio(dtls_pipe* pipe);
void repoint_pipe_bio(BIO* bio, dtls_pipe* pipe);

}  // namespace polyport::detail
