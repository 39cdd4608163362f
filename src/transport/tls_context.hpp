#pragma once
// A TLS configuration (OpenSSL's SSL_CTX) built once from the `tls_*` options and shared by every
// connection of a listener or client route.
// Thread safety: immutable once built; distinct and shared objects are safe on any thread.

#include <openssl/types.h>

#include <memory>

#include "polyport/result.hpp"
#include "polyport/tls_options.hpp"

namespace polyport::detail {

enum class tls_role { client, server };
// TLS over a byte stream (TLS 1.2/1.3), or DTLS over datagrams (DTLS 1.2 only).
enum class tls_wire { stream, datagram };

class tls_context {
 public:
  // Takes ownership of `native`; use make_tls_context rather than building one by hand.
  tls_context(tls_role role, SSL_CTX* native);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  tls_role role() const { return role_; }

  // SSL_new on it is safe from any thread, changing it is not.
  SSL_CTX* native_handle() const { return native_; }

 private:
  tls_role role_;
  SSL_CTX* native_;
};

// Servers need `certfile` (the key defaults to it); with `verify` they require client
// certificates signed by `cacertfile` (or the system CAs). Clients verify the server's chain and
// name unless `verify` is false, and present `certfile` when given. TLS 1.2 and 1.3 only; over
// datagrams, DTLS 1.2 only (tls_versions may name only tlsv1.2).
// Errors name the option and the file, e.g. `tls_certfile "/nope.pem": No such file or directory`.
// May be called from any thread; it reads the files named in `options`.
result<std::shared_ptr<tls_context>> make_tls_context(tls_role role, const tls_options& options,
                                                      tls_wire wire = tls_wire::stream);

}  // namespace polyport::detail
