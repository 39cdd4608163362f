#pragma once
// TLS settings shared by the tls, wss, https and dtls transports, as given by the
// `tls_*` URL options or set in code.

#include <optional>
#include <string>
#include <vector>

namespace polyport {

struct tls_options {
  std::string certfile;    // PEM certificate chain; a server needs one
  std::string keyfile;     // PEM private key; defaults to certfile when empty
  std::string cacertfile;  // PEM CAs to verify the peer; empty: the system CAs
  std::string password;    // for an encrypted keyfile
  // Clients: verify the server's chain and name (default true). Servers: require and verify a
  // client certificate (default false).
  std::optional<bool> verify;
  std::optional<int> depth;           // maximum chain depth, 0..16
  std::vector<std::string> versions;  // "tlsv1.2", "tlsv1.3"; empty: both (dtls: tlsv1.2 only)
};

}  // namespace polyport
