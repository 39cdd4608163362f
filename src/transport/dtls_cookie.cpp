#include "transport/dtls_cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <stdexcept>

namespace polyport::detail {

dtls_cookie_jar::dtls_cookie_jar() {
  if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
    throw std::runtime_error("no random bytes for the DTLS cookie secret");
  }
}

dtls_cookie_jar::dtls_cookie_jar(std::span<const unsigned char> secret) {
  std::copy_n(secret.begin(), std::min(secret.size(), secret_.size()), secret_.begin());
}

dtls_cookie_jar::cookie dtls_cookie_jar::make(const endpoint& client) const {
  // Family, address and port: 4.3.2.1:5 and its v4-mapped v6 form are different clients.
  std::array<unsigned char, 19> input{};
  input[0] = client.address.is_v6 ? 6 : 4;
  std::copy_n(client.address.bytes.begin(), 16, input.begin() + 1);
  input[17] = static_cast<unsigned char>(client.port >> 8);
  input[18] = static_cast<unsigned char>(client.port & 0xFF);
  cookie out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), input.data(), input.size(), out.data(), &length);
  return out;
}

bool dtls_cookie_jar::check(const endpoint& client, std::span<const unsigned char> offered) const {
  if (offered.size() != cookie_size) {
    return false;
  }
  cookie expected = make(client);
  return CRYPTO_memcmp(expected.data(), offered.data(), cookie_size) == 0;
}

namespace {

int generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  const auto* binding = static_cast<const dtls_cookie_binding*>(SSL_get_app_data(ssl));
  if (binding == nullptr || !binding->jar) {
    return 0;
  }
  dtls_cookie_jar::cookie made = binding->jar->make(binding->client);
  std::copy(made.begin(), made.end(), cookie);  // OpenSSL's buffer holds DTLS1_COOKIE_LENGTH (255)
  *length = static_cast<unsigned int>(made.size());
  return 1;
}

int verify_cookie(SSL* ssl, const unsigned char* cookie, unsigned int length) {
  const auto* binding = static_cast<const dtls_cookie_binding*>(SSL_get_app_data(ssl));
  if (binding == nullptr || !binding->jar) {
    return 0;
  }
  return binding->jar->check(binding->client, {cookie, length}) ? 1 : 0;
}

}  // namespace

void use_cookie_bindings(SSL_CTX* ctx) {
  SSL_CTX_set_cookie_generate_cb(ctx, generate_cookie);
  SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie);
}

}  // namespace polyport::detail
