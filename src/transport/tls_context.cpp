#include "transport/tls_context.hpp"
#include "transport/openssl_ptr.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

namespace polyport::detail {

namespace {

constexpr int max_depth = 16;

std::string quoted(const std::string& text) { return '"' + text + '"'; }

// The reason of the oldest queued OpenSSL error, then an empty queue.
std::string openssl_reason() {
  unsigned long code = ERR_peek_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// Files are read here rather than by OpenSSL so errors can say exactly what failed, and a
// certificate chain, key and CAs all go through the same in-memory path.
result<std::string> read_file(std::string_view option, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return error{std::string(option) + " " + quoted(path) + ": " + std::strerror(errno)};
  }
  std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) {
    return error{std::string(option) + " " + quoted(path) + ": " + std::strerror(errno)};
  }
  return contents;
}

bio_ptr memory_bio(const std::string& contents) {
  return bio_ptr(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
}

result<void> use_certificate_chain(SSL_CTX* ctx, const std::string& path) {
  result<std::string> contents = read_file("tls_certfile", path);
  if (!contents) {
    return contents.error();
  }
  bio_ptr bio = memory_bio(*contents);
  x509_ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return error{"tls_certfile " + quoted(path) + ": no PEM certificate found"};
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return error{"tls_certfile " + quoted(path) + ": " + openssl_reason()};
  }
  // The rest of the file is the chain the peer needs to reach its trust anchor.
  while (x509_ptr intermediate{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (SSL_CTX_add0_chain_cert(ctx, intermediate.get()) != 1) {
      return error{"tls_certfile " + quoted(path) + ": " + openssl_reason()};
    }
    static_cast<void>(intermediate.release());  // owned by ctx now
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return {};
}

int copy_password(char* buffer, int size, int /*rwflag*/, void* user_data) {
  const auto* password = static_cast<const std::string*>(user_data);
  if (password->empty() || password->size() > static_cast<std::size_t>(size)) {
    return 0;
  }
  std::memcpy(buffer, password->data(), password->size());
  return static_cast<int>(password->size());
}

result<void> use_private_key(SSL_CTX* ctx, const tls_options& options) {
  const std::string& path = options.keyfile.empty() ? options.certfile : options.keyfile;
  result<std::string> contents = read_file("tls_keyfile", path);
  if (!contents) {
    return contents.error();
  }
  bio_ptr bio = memory_bio(*contents);
  auto* password = const_cast<std::string*>(&options.password);
  key_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, copy_password, password));
  if (!key) {
    std::string reason = openssl_reason();
    if (contents->find("ENCRYPTED") != std::string::npos) {
      return error{"tls_keyfile " + quoted(path) + ": cannot decrypt the key: " +
                   (options.password.empty() ? "tls_password missing" : "wrong tls_password") +
                   " (" + reason + ")"};
    }
    return error{"tls_keyfile " + quoted(path) + ": no PEM private key found"};
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return error{"tls_keyfile " + quoted(path) + " does not match tls_certfile " +
                 quoted(options.certfile)};
  }
  return {};
}

// Loads the CAs that verify the peer; a server also names them to clients as acceptable
// issuers, so a client holding several certificates can pick the right one.
result<void> use_ca_certificates(SSL_CTX* ctx, const std::string& path, bool name_to_clients) {
  result<std::string> contents = read_file("tls_cacertfile", path);
  if (!contents) {
    return contents.error();
  }
  bio_ptr bio = memory_bio(*contents);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  while (x509_ptr ca{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (X509_STORE_add_cert(store, ca.get()) != 1 ||
        (name_to_clients && SSL_CTX_add_client_CA(ctx, ca.get()) != 1)) {
      return error{"tls_cacertfile " + quoted(path) + ": " + openssl_reason()};
    }
    ++loaded;
  }
  ERR_clear_error();
  if (loaded == 0) {
    return error{"tls_cacertfile " + quoted(path) + ": no PEM certificate found"};
  }
  return {};
}

result<int> protocol_version(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "tlsv1.2") {
    return TLS1_2_VERSION;
  }
  if (lower == "tlsv1.3") {
    return TLS1_3_VERSION;
  }
  return error{"tls_versions " + quoted(name) + ": unsupported, use tlsv1.2 or tlsv1.3"};
}

// DTLS 1.2 is the one version OpenSSL 3.0 has over datagrams (DTLS 1.3 is not built there).
result<void> set_datagram_versions(SSL_CTX* ctx, const std::vector<std::string>& versions) {
  for (const std::string& name : versions) {
    result<int> version = protocol_version(name);
    if (!version) {
      return version.error();
    }
    if (*version != TLS1_2_VERSION) {
      return error{"tls_versions " + quoted(name) + ": dtls supports tlsv1.2 only"};
    }
  }
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    return error{"tls_versions: " + openssl_reason()};
  }
  return {};
}

result<void> set_versions(SSL_CTX* ctx, const std::vector<std::string>& versions) {
  int lowest = TLS1_2_VERSION;
  int highest = TLS1_3_VERSION;
  if (!versions.empty()) {
    lowest = TLS1_3_VERSION;
    highest = TLS1_2_VERSION;
    for (const std::string& name : versions) {
      result<int> version = protocol_version(name);
      if (!version) {
        return version.error();
      }
      lowest = std::min(lowest, *version);
      highest = std::max(highest, *version);
    }
  }
  if (SSL_CTX_set_min_proto_version(ctx, lowest) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, highest) != 1) {
    return error{"tls_versions: " + openssl_reason()};
  }
  return {};
}

result<void> configure(SSL_CTX* ctx, tls_role role, const tls_options& options, tls_wire wire) {
  if (wire == tls_wire::stream) {
    // Partial writes and moving buffers match byte_stream::write (bytes taken, queue compacts);
    // released buffers keep an idle connection at a few hundred bytes instead of ~34 KiB.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
  }
  result<void> versions = wire == tls_wire::stream ? set_versions(ctx, options.versions)
                                                   : set_datagram_versions(ctx, options.versions);
  if (!versions) {
    return versions;
  }
  if (options.depth) {
    if (*options.depth < 0 || *options.depth > max_depth) {
      return error{"tls_depth " + std::to_string(*options.depth) + ": out of range 0.." +
                   std::to_string(max_depth)};
    }
    SSL_CTX_set_verify_depth(ctx, *options.depth);
  }

  if (options.certfile.empty()) {
    if (role == tls_role::server) {
      return error{wire == tls_wire::stream ? "tls_certfile is required for a TLS server"
                                            : "tls_certfile is required for a DTLS server"};
    }
    if (!options.keyfile.empty()) {
      return error{"tls_keyfile " + quoted(options.keyfile) + " needs a tls_certfile"};
    }
  } else {
    if (result<void> chain = use_certificate_chain(ctx, options.certfile); !chain) {
      return chain;
    }
    if (result<void> key = use_private_key(ctx, options); !key) {
      return key;
    }
  }

  bool verify = options.verify.value_or(role == tls_role::client);
  if (!options.cacertfile.empty()) {
    bool name_to_clients = verify && role == tls_role::server;
    if (result<void> cas = use_ca_certificates(ctx, options.cacertfile, name_to_clients); !cas) {
      return cas;
    }
  } else if (verify && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return error{"system CA certificates: " + openssl_reason()};
  }
  if (!verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else if (role == tls_role::client) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }

  if (role == tls_role::server) {
    // Without an id context, resuming a session whose client was verified fails the handshake.
    static constexpr unsigned char session_context[] = "polyport";
    SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
  }
  return {};
}

}  // namespace

tls_context::tls_context(tls_role role, SSL_CTX* native) : role_(role), native_(native) {}

tls_context::~tls_context() { SSL_CTX_free(native_); }

result<std::shared_ptr<tls_context>> make_tls_context(tls_role role, const tls_options& options, tls_wire wire) {
  ERR_clear_error();
  const SSL_METHOD* method = nullptr;
  if (wire == tls_wire::stream) {
    method = role == tls_role::client ? TLS_client_method() : TLS_server_method();
  } else {
    method = role == tls_role::client ? DTLS_client_method() : DTLS_server_method();
  }
  ctx_ptr ctx(SSL_CTX_new(method));
  if (!ctx) {
    return error{"TLS context: " + openssl_reason()};
  }
  if (result<void> configured = configure(ctx.get(), role, options, wire); !configured) {
    ERR_clear_error();
    return configured.error();
  }
  auto context = std::make_shared<tls_context>(role, ctx.get());
  static_cast<void>(ctx.release());  // owned by context now
  return context;
}

}  // namespace polyport::detail
