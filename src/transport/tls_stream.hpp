#pragma once
// TLS over a non-blocking socket (RFC 8446 for TLS 1.3, RFC 5246 for TLS 1.2), by OpenSSL.
//
//   socket ⇄ OpenSSL (records, handshake, alerts) ⇄ byte_stream read()/write()
//
// Beyond the byte_stream contract, two rules come from TLS itself:
// - After want_read or want_write from write(), call write() again with the same bytes first
//   (more buffers may follow them): OpenSSL has already sealed a record from them.
// - A read() that fills `into` completely may leave decrypted bytes inside TLS that the
//   descriptor will not announce: call read() again before waiting for readability.
// Thread safety: owned by one connection, used only on its worker.

#include <memory>
#include <string>

#include "transport/byte_stream.hpp"
#include "transport/tls_context.hpp"

namespace polyport::detail {

// Takes ownership of `fd` (connected or accepted, non-blocking); the context's role decides the
// side. For clients, `server_name` (a DNS name or an IP literal, IPv6 with or without brackets)
// goes out as SNI unless it is an IP, and is what the server certificate must match when the
// context verifies. A bad name surfaces as `failed` from handshake(); running out of memory
// throws std::bad_alloc (with `fd` closed).
std::unique_ptr<byte_stream> make_tls_stream(int fd, std::shared_ptr<tls_context> context,
                                             std::string server_name);

}  // namespace polyport::detail
