#pragma once
// A throwaway certificate and key made in memory, for demos (`polyport serve` with no URL) and
// tests: nobody trusts it unless told to (tls_cacertfile = the certificate itself).
// Thread safety: a free function with no shared state.

#include <string>
#include <vector>

#include "polyport/result.hpp"

namespace polyport::detail {

struct pem_identity {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8, unencrypted
};

// EC P-256, valid for 30 days, for TLS servers and clients. `names` become the subject
// alternative names, as DNS names or IP addresses by their form (e.g. {"localhost",
// "127.0.0.1", "::1"}); the first is also the subject's common name.
result<pem_identity> make_self_signed_identity(const std::vector<std::string>& names);

}  // namespace polyport::detail
