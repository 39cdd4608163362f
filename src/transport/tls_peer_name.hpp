#pragma once
// The name a TLS or DTLS client checks the server's certificate against, and sends as SNI.
// Thread safety: a free function; touches only the SSL it is given.

#include <openssl/types.h>

#include <optional>
#include <string>

namespace polyport::detail {

// `name` is a DNS name or an IP literal (IPv6 with or without brackets): a name goes into SNI
// and the host check, an address only into the address check (RFC 6066 §3: SNI carries host
// names only). Returns why the handshake cannot be checked, if it cannot (no name while
// verifying, or a name OpenSSL refuses).
std::optional<std::string> expect_server_name(SSL* ssl, std::string name);

}  // namespace polyport::detail
