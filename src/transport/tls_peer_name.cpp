#include "transport/tls_peer_name.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>

namespace polyport::detail {

namespace {

bool is_ip_literal(const std::string& name) {
  std::array<unsigned char, sizeof(in6_addr)> address{};
  return ::inet_pton(AF_INET, name.c_str(), address.data()) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), address.data()) == 1;
}

}  // namespace

std::optional<std::string> expect_server_name(SSL* ssl, std::string name) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  bool verifying = (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0;
  if (name.empty()) {
    if (verifying) {
      return "no server name to check the certificate against (or set tls_verify=false)";
    }
    return std::nullopt;
  }
  if (is_ip_literal(name)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
      return "cannot check the certificate against " + name;
    }
    return std::nullopt;
  }
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1 || SSL_set1_host(ssl, name.c_str()) != 1) {
    return "invalid server name \"" + name + "\"";
  }
  return std::nullopt;
}

}  // namespace polyport::detail
