#pragma once
// The DTLS record layer's outer shape (RFC 6347 §4.1), checked before a datagram reaches
// OpenSSL, so garbage is dropped and counted by polyport instead of vanishing silently inside
// the library: a datagram is one or more records, each a 13-byte header (type, version
// 0xFEnn, epoch, sequence number, length) and exactly `length` bytes of body.
// Thread safety: free functions without state.

#include <cstddef>
#include <cstdint>
#include <span>

namespace polyport::detail {

inline constexpr std::size_t dtls_record_header_size = 13;
// The largest datagram a DTLS peer may send: one record of 2^14 bytes of plaintext with the
// largest expansion RFC 6347 allows (2048), and its header. Listening sockets read this much.
inline constexpr std::size_t dtls_max_plaintext = 16384;
inline constexpr std::size_t dtls_max_datagram = dtls_max_plaintext + 2048 + dtls_record_header_size;

// The datagram size a DTLS session writes so that a message of `max_plaintext` bytes (the
// connection's udp_max_size) is one record in one datagram: the plaintext, a record header, an
// explicit IV and the largest MAC with padding (CBC with SHA-384: 48); never under 576, so
// handshake flights do not shatter into tiny fragments (OpenSSL refuses MTUs near 256).
inline constexpr std::size_t dtls_mtu_for(std::size_t max_plaintext) {
  std::size_t needed = max_plaintext + dtls_record_header_size + 16 + 48;
  return needed < 576 ? 576 : needed;
}

enum class dtls_datagram_kind {
  records,       // well-formed records; hand it to the session
  client_hello,  // epoch 0, a handshake record whose first message is a ClientHello
  garbage,       // not DTLS, or a record cut short or overrunning the datagram
};

dtls_datagram_kind classify_dtls_datagram(std::span<const std::byte> datagram);

}  // namespace polyport::detail
