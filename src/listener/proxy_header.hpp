#pragma once
// The PROXY protocol codec (HAProxy's proxy-protocol.txt, 2020/03/05 revision): an incremental
// parser for the first bytes of an accepted connection, and encoders for the client side.
//
//   read ──▶ cumulation buffer ──parse_proxy_header()──▶ done: header, skip `consumed` bytes
//                 ▲                     │                 invalid: close with `error`
//                 └──── need_more ◀─────┘                 not_proxy: no header (direct client)
//
// The parser keeps no state: the caller offers everything received so far, again after each
// read, and the answer depends only on those bytes; once it is not need_more, more bytes do
// not change it. It never allocates before the whole header is there, so a peer that
// announces 65535 bytes and sends 16 costs nothing.
// Thread safety: pure functions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "polyport/proxy_header.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

// Which versions a listener accepts. The other version's header is invalid, not not_proxy: a
// load balancer configured for the wrong version must be noticed (spec 2: the receiver is
// configured for the protocol and must not guess).
enum class proxy_mode { v1, v2, any };

struct proxy_parse_step {
  enum class outcome { need_more, done, invalid, not_proxy };
  outcome result = outcome::need_more;
  std::size_t consumed = 0;  // done: the header's size; the application's bytes follow it
  proxy_header header;       // done only
  std::string error;         // invalid only, e.g. `PROXY v1: bad source port "70000"`
};

// How each version opens (spec 2.1, 2.2). "PROXY " includes its space: "PROXYZ" is no header.
inline constexpr std::array<std::byte, 6> proxy_v1_opening = {std::byte{'P'}, std::byte{'R'}, std::byte{'O'},
                                                              std::byte{'X'}, std::byte{'Y'}, std::byte{' '}};
inline constexpr std::array<std::byte, 12> proxy_v2_signature = {
    std::byte{0x0D}, std::byte{0x0A}, std::byte{0x0D}, std::byte{0x0A}, std::byte{0x00}, std::byte{0x0D},
    std::byte{0x0A}, std::byte{0x51}, std::byte{0x55}, std::byte{0x49}, std::byte{0x54}, std::byte{0x0A}};

// The registered v2 TLV types (spec 2.2) and SSL sub-types (2.2.6).
inline constexpr std::uint8_t pp2_type_alpn = 0x01;
inline constexpr std::uint8_t pp2_type_authority = 0x02;
inline constexpr std::uint8_t pp2_type_crc32c = 0x03;
inline constexpr std::uint8_t pp2_type_noop = 0x04;
inline constexpr std::uint8_t pp2_type_unique_id = 0x05;
inline constexpr std::uint8_t pp2_type_ssl = 0x20;
inline constexpr std::uint8_t pp2_subtype_ssl_version = 0x21;
inline constexpr std::uint8_t pp2_subtype_ssl_cn = 0x22;
inline constexpr std::uint8_t pp2_subtype_ssl_cipher = 0x23;
inline constexpr std::uint8_t pp2_subtype_ssl_sig_alg = 0x24;
inline constexpr std::uint8_t pp2_subtype_ssl_key_alg = 0x25;
inline constexpr std::uint8_t pp2_type_netns = 0x30;
inline constexpr std::size_t pp2_unique_id_max = 128;   // spec 2.2.5
inline constexpr std::size_t pp2_unix_path_size = 108;  // each unix address, NUL-padded

// The longest headers: a v1 line with its CRLF (spec 2.1), and a v2 header (16 + a 16-bit
// length, spec 2.2).
inline constexpr std::size_t proxy_v1_max_size = 107;
inline constexpr std::size_t proxy_v2_max_size = 16 + 65535;

// Called by the listener with the connection's first bytes. not_proxy as soon as they stop
// matching "PROXY " or the v2 signature (the first byte, for most protocols), so a listener
// where the header is optional does not wait for bytes that will never come.
proxy_parse_step parse_proxy_header(std::span<const std::byte> input, proxy_mode mode);

// The client side: the header to send before any data. v1 has no TLVs and knows only TCP, so
// it says UNKNOWN for LOCAL, unspecified, unix and datagram connections (spec 2.1). v2 writes
// the TLVs in HAProxy's order (CRC32C, ALPN, AUTHORITY, UNIQUE_ID, SSL, NETNS), then `tlvs`.
// Errors name what the header cannot carry: a family without its addresses, an address of the
// wrong family, a path over 108 bytes, a unique id over 128 bytes, over 65535 bytes of TLVs.
result<std::vector<std::byte>> encode_proxy_v1(const proxy_header& header);
result<std::vector<std::byte>> encode_proxy_v2(const proxy_header& header);

// The parts, for the tests. parse_proxy_v1 expects input to start with "PROXY ", and
// parse_proxy_v2 with the 12-byte signature.
proxy_parse_step parse_proxy_v1(std::span<const std::byte> input);
proxy_parse_step parse_proxy_v2(std::span<const std::byte> input);

// CRC32C (Castagnoli, RFC 4960 appendix B), continued from `crc` over `bytes`; start from 0.
std::uint32_t crc32c(std::uint32_t crc, std::span<const std::byte> bytes);

}  // namespace polyport::detail
