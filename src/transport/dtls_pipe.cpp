#include "transport/dtls_pipe.hpp"

#include <openssl/bio.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace polyport::detail {

namespace {

// UDP over IPv6: what a path's MTU loses to headers before DTLS gets a byte.
constexpr long udp_ip_overhead = 48;

dtls_pipe* pipe_of(BIO* bio) { return static_cast<dtls_pipe*>(BIO_get_data(bio)); }

int pipe_read(BIO* bio, char* into, int size) {
  dtls_pipe* pipe = pipe_of(bio);
  BIO_clear_retry_flags(bio);
  if (pipe == nullptr || !pipe->has_inbound) {
    BIO_set_retry_read(bio);
    return -1;
  }
  pipe->has_inbound = false;
  // A datagram larger than OpenSSL's buffer arrives cut, as from a socket: its MAC then fails.
  std::size_t length = std::min(pipe->inbound.size(), static_cast<std::size_t>(std::max(size, 0)));
  if (length != 0) {
    std::memcpy(into, pipe->inbound.data(), length);
  }
  return static_cast<int>(length);
}

int pipe_write(BIO* bio, const char* from, int size) {
  dtls_pipe* pipe = pipe_of(bio);
  BIO_clear_retry_flags(bio);
  if (pipe == nullptr || size < 0) {
    return -1;
  }
  const auto* bytes = reinterpret_cast<const std::byte*>(from);
  pipe->outbound.emplace_back(bytes, bytes + size);
  return size;
}

long pipe_control(BIO* bio, int command, long, void*) {
  dtls_pipe* pipe = pipe_of(bio);
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return pipe != nullptr && pipe->has_inbound ? static_cast<long>(pipe->inbound.size()) : 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return pipe != nullptr ? static_cast<long>(pipe->mtu) : 0;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return udp_ip_overhead;
    default:
      return 0;  // WPENDING, timeouts, peer addresses, MTU exceeded: nothing to do or to tell
  }
}

int pipe_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* pipe_method() {
  // Made once for the process (OpenSSL's method tables are shared, read-only after setup).
  static BIO_METHOD* method = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "polyport dtls pipe");
    if (made == nullptr || BIO_meth_set_write(made, pipe_write) != 1 || BIO_meth_set_read(made, pipe_read) != 1 ||
        BIO_meth_set_ctrl(made, pipe_control) != 1 || BIO_meth_set_create(made, pipe_create) != 1) {
      throw std::runtime_error("cannot make the DTLS pipe BIO method");
    }
    return made;
  }();
  return method;
}

}  // namespace

BIO* make_pipe_bio(dtls_pipe* pipe) {
  BIO* bio = BIO_new(pipe_method());
  if (bio != nullptr) {
    BIO_set_data(bio, pipe);
  }
  return bio;
}

void repoint_pipe_bio(BIO* bio, dtls_pipe* pipe) { BIO_set_data(bio, pipe); }

}  // namespace polyport::detail
