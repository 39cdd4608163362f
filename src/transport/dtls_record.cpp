#include "transport/dtls_record.hpp"

namespace polyport::detail {

namespace {

constexpr std::uint8_t change_cipher_spec = 20;
constexpr std::uint8_t application_data = 23;
constexpr std::uint8_t handshake = 22;
constexpr std::uint8_t client_hello = 1;
constexpr std::uint8_t dtls_major = 0xFE;

std::uint8_t byte_at(std::span<const std::byte> bytes, std::size_t at) { return static_cast<std::uint8_t>(bytes[at]); }

}  // namespace

dtls_datagram_kind classify_dtls_datagram(std::span<const std::byte> datagram) {
  if (datagram.empty()) {
    return dtls_datagram_kind::garbage;
  }
  std::size_t at = 0;
  while (at < datagram.size()) {
    if (datagram.size() - at < dtls_record_header_size) {
      return dtls_datagram_kind::garbage;
    }
    std::uint8_t type = byte_at(datagram, at);
    if (type < change_cipher_spec || type > application_data || byte_at(datagram, at + 1) != dtls_major) {
      return dtls_datagram_kind::garbage;
    }
    std::size_t length = (std::size_t{byte_at(datagram, at + 11)} << 8) | byte_at(datagram, at + 12);
    if (length > datagram.size() - at - dtls_record_header_size) {
      return dtls_datagram_kind::garbage;
    }
    at += dtls_record_header_size + length;
  }
  bool first_epoch = byte_at(datagram, 3) == 0 && byte_at(datagram, 4) == 0;
  bool hello = byte_at(datagram, 0) == handshake && first_epoch && datagram.size() > dtls_record_header_size &&
               byte_at(datagram, dtls_record_header_size) == client_hello;
  return hello ? dtls_datagram_kind::client_hello : dtls_datagram_kind::records;
}

}  // namespace polyport::detail
