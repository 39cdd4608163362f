#include "transport/self_signed.hpp"
#include "transport/openssl_ptr.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace polyport::detail {

namespace {

constexpr long validity_seconds = 30L * 24 * 60 * 60;
// Starting a little in the past lets peers whose clocks lag slightly accept it at once.
constexpr long backdate_seconds = 5L * 60;

error failure(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return error{"self-signed identity: " + what +
               (reason != nullptr ? std::string(": ") + reason : "")};
}

// One subject alternative name: an IP address when `name` reads as one, else a DNS name.
GENERAL_NAME* alternative_name(const std::string& name) {
  GENERAL_NAME* entry = GENERAL_NAME_new();
  if (entry == nullptr) {
    return nullptr;
  }
  if (ASN1_OCTET_STRING* address = a2i_IPADDRESS(name.c_str())) {
    GENERAL_NAME_set0_value(entry, GEN_IPADD, address);
    return entry;
  }
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
    ASN1_IA5STRING_free(dns);
    GENERAL_NAME_free(entry);
    return nullptr;
  }
  GENERAL_NAME_set0_value(entry, GEN_DNS, dns);
  return entry;
}

bool add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) {
    return false;
  }
  bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// The extensions a verifier looks at. No keyUsage: with one, OpenSSL would also demand
// keyCertSign before treating the certificate as its own issuer when it is the trust anchor.
bool add_extensions(X509* certificate, const std::vector<std::string>& names) {
  general_names_ptr alternative_names(sk_GENERAL_NAME_new_null());
  if (!alternative_names) {
    return false;
  }
  for (const std::string& name : names) {
    GENERAL_NAME* entry = alternative_name(name);
    if (entry == nullptr || sk_GENERAL_NAME_push(alternative_names.get(), entry) == 0) {
      GENERAL_NAME_free(entry);
      return false;
    }
  }
  return X509_add1_ext_i2d(certificate, NID_subject_alt_name, alternative_names.get(), 0, 0) == 1 &&
         add_extension(certificate, NID_basic_constraints, "critical,CA:FALSE") &&
         add_extension(certificate, NID_ext_key_usage, "serverAuth,clientAuth") &&
         add_extension(certificate, NID_subject_key_identifier, "hash");
}

bool set_random_serial(X509* certificate) {
  // Random rather than 1: clients that remember (issuer, serial) pairs must not see two
  // different certificates under the same pair across runs.
  bignum_ptr serial(BN_new());
  return serial && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr;
}

bool set_name_and_validity(X509* certificate, const std::string& common_name) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  const auto* bytes = reinterpret_cast<const unsigned char*>(common_name.c_str());
  return X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, bytes, -1, -1, 0) == 1 &&
         X509_set_issuer_name(certificate, subject) == 1 &&
         X509_gmtime_adj(X509_getm_notBefore(certificate), -backdate_seconds) != nullptr &&
         X509_gmtime_adj(X509_getm_notAfter(certificate), validity_seconds) != nullptr;
}

std::string memory_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

result<pem_identity> make_self_signed_identity(const std::vector<std::string>& names) {
  if (names.empty()) {
    return error{"self-signed identity: no names given"};
  }
  for (const std::string& name : names) {
    if (name.empty()) {
      return error{"self-signed identity: empty name"};
    }
  }
  ERR_clear_error();

  key_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return failure("cannot generate an EC P-256 key");
  }
  x509_ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      !set_random_serial(certificate.get()) ||
      !set_name_and_validity(certificate.get(), names.front()) ||
      X509_set_pubkey(certificate.get(), key.get()) != 1) {
    return failure("cannot build the certificate");
  }
  if (!add_extensions(certificate.get(), names)) {
    return failure("cannot add the certificate extensions");
  }
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) {
    return failure("cannot sign the certificate");
  }

  bio_ptr certificate_out(BIO_new(BIO_s_mem()));
  bio_ptr key_out(BIO_new(BIO_s_mem()));
  if (!certificate_out || !key_out ||
      PEM_write_bio_X509(certificate_out.get(), certificate.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return failure("cannot write PEM");
  }
  return pem_identity{memory_contents(certificate_out.get()), memory_contents(key_out.get())};
}

}  // namespace polyport::detail
