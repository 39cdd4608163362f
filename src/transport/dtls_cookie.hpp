#pragma once
// Stateless DTLS cookies (RFC 6347 §4.2.1): HMAC-SHA256 over the client's address and port
// with a random secret of the listener's, so a server proves a client can receive at its
// address before keeping any state for it. The secret lives as long as the listener (it is not
// rotated: a cookie stays valid for one address while the listener runs).
// Thread safety: immutable after construction; safe from any thread.

#include <array>
#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <span>

#include "polyport/endpoint.hpp"

namespace polyport::detail {

class dtls_cookie_jar {
 public:
  static constexpr std::size_t cookie_size = 32;
  using cookie = std::array<unsigned char, cookie_size>;

  // A fresh random secret.
  dtls_cookie_jar();
  // A given secret (tests).
  explicit dtls_cookie_jar(std::span<const unsigned char> secret);

  cookie make(const endpoint& client) const;
  // In constant time.
  bool check(const endpoint& client, std::span<const unsigned char> offered) const;

 private:
  std::array<unsigned char, 32> secret_{};
};

// What one SSL's cookie callbacks check against: the listener's jar and the client's address.
// OpenSSL calls them in DTLSv1_listen and again when the session processes that ClientHello.
struct dtls_cookie_binding {
  std::shared_ptr<const dtls_cookie_jar> jar;
  endpoint client;
};

// Makes the SSLs of `ctx` (a DTLS server's) make and check cookies through the binding each
// SSL carries as its app data (SSL_set_app_data); an SSL without one refuses every cookie.
void use_cookie_bindings(SSL_CTX* ctx);

}  // namespace polyport::detail
