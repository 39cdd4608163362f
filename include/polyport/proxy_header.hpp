#pragma once
// What a PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) said about a
// connection that came through a load balancer: the client's and the original destination's
// addresses, and for version 2 the TLVs (ALPN, SNI, unique id, TLS details, ...).
// Thread safety: plain value types.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"

namespace polyport {

// The address family of the proxied connection, valued as the high nibble of the 14th byte of
// a v2 header (spec 2.2).
enum class proxy_family { unspecified = 0, inet = 1, inet6 = 2, unix_socket = 3 };

// Its transport, valued as the low nibble: stream is TCP or a SOCK_STREAM unix socket.
enum class proxy_transport { unspecified = 0, stream = 1, dgram = 2 };

// A version 2 TLV the parser does not decode itself (spec 2.2), e.g. the application-specific
// range 0xE0-0xEF that cloud load balancers use for their endpoint ids.
struct proxy_tlv {
  std::uint8_t type = 0;
  std::vector<std::byte> value;

  friend bool operator==(const proxy_tlv&, const proxy_tlv&) = default;
};

// PP2_TYPE_SSL (spec 2.2.6): how the client reached the proxy over TLS.
struct proxy_ssl_info {
  static constexpr std::uint8_t client_ssl = 0x01;        // PP2_CLIENT_SSL
  static constexpr std::uint8_t client_cert_conn = 0x02;  // PP2_CLIENT_CERT_CONN
  static constexpr std::uint8_t client_cert_sess = 0x04;  // PP2_CLIENT_CERT_SESS

  std::uint8_t client = 0;   // the bits above
  std::uint32_t verify = 0;  // 0: the client certificate, if any, was verified

  // The sub-TLVs 0x21-0x25, e.g. "TLSv1.3", "client.example.com", "TLS_AES_256_GCM_SHA384",
  // "RSA-SHA256", "RSA2048". Sub-TLVs of other types are skipped.
  std::optional<std::string> version, cn, cipher, sig_alg, key_alg;

  friend bool operator==(const proxy_ssl_info&, const proxy_ssl_info&) = default;
};

// One parsed header, or one to send ("polyport behind polyport").
struct proxy_header {
  int version = 0;  // 1 or 2; the encoders ignore it

  // The proxy's own connection (v2 LOCAL, a health check) or v1 UNKNOWN: the header names no
  // client, so use the connection's real addresses.
  bool local = false;

  proxy_family family = proxy_family::unspecified;
  proxy_transport transport = proxy_transport::unspecified;

  // Set when the header names them (not for LOCAL, UNKNOWN, AF_UNSPEC, nor an unnamed unix
  // socket). Unix addresses are endpoint::path; a Linux abstract name is "@name", as in ss(8).
  std::optional<endpoint> source, destination;

  // The registered TLVs, decoded (spec 2.2.1-2.2.7). Strings hold the bytes as sent.
  std::optional<std::string> alpn;       // PP2_TYPE_ALPN, e.g. "h2"
  std::optional<std::string> authority;  // PP2_TYPE_AUTHORITY: the TLS SNI the client sent
  std::optional<std::string> unique_id;  // PP2_TYPE_UNIQUE_ID, at most 128 bytes
  std::optional<std::string> netns;      // PP2_TYPE_NETNS
  std::optional<proxy_ssl_info> ssl;     // PP2_TYPE_SSL
  // PP2_TYPE_CRC32C: the header carried a checksum and it matched; when encoding, add one.
  bool has_crc32c = false;

  // Every other TLV, in the order received (PP2_TYPE_NOOP padding is dropped).
  std::vector<proxy_tlv> tlvs;

  friend bool operator==(const proxy_header&, const proxy_header&) = default;
};

}  // namespace polyport
