// The PROXY protocol stage of an accepted connection: before the transport handshake, read the
// header that a load balancer sends (spec: haproxy.org proxy-protocol.txt), take the client's
// address from it, and check the listener's access rules against that address.
//
// The header is read with MSG_PEEK until it is whole, then exactly its bytes are taken off the
// socket: whatever follows (a TLS ClientHello, the application's first bytes) stays in the
// socket for the transport, which reads the descriptor directly.

#include <sys/socket.h>

#include <cerrno>

#include "core/stream_connection.hpp"
#include "listener/proxy_header.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::detail {

void stream_connection::read_proxy_header() {
  std::span<std::byte> buffer = worker_.read_buffer();
  ssize_t peeked;
  do {
    peeked = ::recv(stream_->fd(), buffer.data(), buffer.size(), MSG_PEEK);
  } while (peeked < 0 && errno == EINTR);
  if (peeked < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_readable();
    } else {
      finish(close_reason::proxy_error, "reading the PROXY header: " + describe_errno(errno));
    }
    return;
  }
  if (peeked == 0) {
    finish(close_reason::proxy_error, "closed before a whole PROXY header");
    return;
  }
  proxy_protocol_mode mode = *context_->proxy_protocol;
  proxy_mode expected = mode == proxy_protocol_mode::v1   ? proxy_mode::v1
                        : mode == proxy_protocol_mode::v2 ? proxy_mode::v2
                                                          : proxy_mode::any;
  auto available = static_cast<std::size_t>(peeked);
  proxy_parse_step step = parse_proxy_header(buffer.first(available), expected);
  switch (step.result) {
    case proxy_parse_step::outcome::need_more:
      if (available == buffer.size()) {
        finish(close_reason::proxy_error, "PROXY header larger than " + std::to_string(buffer.size()) + " bytes");
      } else {
        wait_readable();  // peeked bytes stay in the socket: more raise a new edge
      }
      return;
    case proxy_parse_step::outcome::not_proxy:
      if (mode == proxy_protocol_mode::optional) {
        begin_handshake();  // a direct client
      } else {
        finish(close_reason::proxy_error, "expected a PROXY header");
      }
      return;
    case proxy_parse_step::outcome::invalid:
      finish(close_reason::proxy_error, step.error);
      return;
    case proxy_parse_step::outcome::done:
      break;
  }
  ssize_t taken;
  do {
    taken = ::recv(stream_->fd(), buffer.data(), step.consumed, 0);
  } while (taken < 0 && errno == EINTR);
  if (taken != static_cast<ssize_t>(step.consumed)) {
    finish(close_reason::proxy_error, "could not take the PROXY header off the socket");
    return;
  }
  stats_shard::add(own_stats_->bytes_in, step.consumed);
  stats_shard::add(total_stats_.bytes_in, step.consumed);
  proxy_header_read(std::move(step.header));
}

void stream_connection::proxy_header_read(proxy_header header) {
  rare().peer = remote_;
  // LOCAL (health checks), UNKNOWN and unspecified families carry no client: the socket's peer
  // stays the remote address.
  bool names_client = !header.local && header.source;
  if (names_client) {
    remote_ = *header.source;
  }
  // Rules match IP addresses: a unix client (named by the header, or the socket's own) has none.
  bool ip_client = names_client ? remote_.path.empty() : context_->transport != transport::unix_stream;
  rare().proxy = std::move(header);
  if (context_->rules != nullptr && ip_client &&
      context_->rules->check(remote_.address) == access_decision::deny) {
    finish(close_reason::denied, "client " + remote_.to_string() + " is denied by the access rules");
    return;
  }
  begin_handshake();
}

}  // namespace polyport::detail
