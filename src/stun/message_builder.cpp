// Building the STUN messages polyport sends (RFC 8489 §5, §14).

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "polyport/stun.hpp"
#include "stun/wire.hpp"

namespace polyport::stun {

namespace {

std::uint16_t message_type(message_class kind, std::uint16_t method) {
  auto c = static_cast<std::uint16_t>(kind);
  return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                                    ((c & 1) << 4) | ((c & 2) << 7));
}

}  // namespace

transaction_id random_transaction_id() {
  transaction_id id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    // The OpenSSL generator seeds from the OS and does not fail on Linux; should it, a
    // predictable id would only let an on-path attacker spoof an answer it could spoof anyway.
    std::fill(id.begin(), id.end(), std::uint8_t{0});
  }
  return id;
}

message_builder::message_builder(message_class kind, std::uint16_t method, const transaction_id& id)
    : message_builder(kind, method, id, magic_cookie) {}

message_builder::message_builder(message_class kind, std::uint16_t method, const transaction_id& id,
                                 std::uint32_t cookie_field)
    : cookie_field_(cookie_field) {
  bytes_.reserve(128);
  bytes_.resize(header_size);
  if (method > 0x0FFF) {
    fail("method " + std::to_string(method) + " does not fit 12 bits");
  }
  detail::write16(bytes_.data(), message_type(kind, method));
  detail::write32(bytes_.data() + 4, cookie_field);
  std::memcpy(bytes_.data() + 8, id.data(), id.size());
}

void message_builder::fail(std::string message) {
  if (failure_.empty()) {
    failure_ = std::move(message);
  }
}

std::byte* message_builder::grow(std::uint16_t type, std::size_t value_size) {
  if (sealed_) {
    fail("attribute after FINGERPRINT");
  }
  std::size_t at = bytes_.size();
  if (value_size > 0xFFFF || at + detail::attribute_header_size + detail::padded(value_size) > max_message_size) {
    fail("the message would exceed " + std::to_string(max_message_size) + " bytes");
  }
  if (!failure_.empty()) {
    return nullptr;
  }
  bytes_.resize(at + detail::attribute_header_size + detail::padded(value_size));
  detail::write16(bytes_.data() + at, type);
  detail::write16(bytes_.data() + at + 2, static_cast<std::uint16_t>(value_size));
  detail::write16(bytes_.data() + 2, static_cast<std::uint16_t>(bytes_.size() - header_size));
  return bytes_.data() + at + detail::attribute_header_size;
}

void message_builder::add(std::uint16_t type, std::span<const std::byte> value) {
  if (std::byte* out = grow(type, value.size())) {
    std::copy(value.begin(), value.end(), out);
  }
}

void message_builder::add_text(std::uint16_t type, std::string_view text) {
  add(type, std::as_bytes(std::span(text.data(), text.size())));
}

void message_builder::add_address(std::uint16_t type, const endpoint& address) {
  std::size_t address_size = address.address.is_v6 ? 16 : 4;
  std::byte* out = grow(type, 4 + address_size);
  if (out == nullptr) {
    return;
  }
  out[1] = std::byte{address.address.is_v6 ? std::uint8_t{2} : std::uint8_t{1}};
  std::uint16_t port = address.port;
  std::memcpy(out + 4, address.address.bytes.data(), address_size);
  if (type == attribute::xor_mapped_address) {
    port ^= static_cast<std::uint16_t>(cookie_field_ >> 16);
    for (std::size_t i = 0; i < address_size; ++i) {
      out[4 + i] ^= bytes_[4 + i];
    }
  }
  detail::write16(out + 2, port);
}

void message_builder::add_error(std::uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699 || reason.size() > max_software_size) {
    fail("error code " + std::to_string(code) + " is outside 300..699 or its reason is too long");
    return;
  }
  std::byte* out = grow(attribute::error_code, 4 + reason.size());
  if (out == nullptr) {
    return;
  }
  out[2] = static_cast<std::byte>(code / 100);
  out[3] = static_cast<std::byte>(code % 100);
  std::memcpy(out + 4, reason.data(), reason.size());
}

void message_builder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::byte* out = grow(attribute::unknown_attributes, types.size() * 2);
  for (std::size_t i = 0; out != nullptr && i < types.size(); ++i) {
    detail::write16(out + 2 * i, types[i]);
  }
}

void message_builder::add_integrity(std::span<const std::byte> key) {
  std::size_t at = bytes_.size();
  if (std::byte* out = grow(attribute::message_integrity, detail::integrity_size)) {
    auto digest = detail::hmac_sha1(key, std::span<const std::byte>(bytes_.data(), at));
    std::copy(digest.begin(), digest.end(), out);
  }
}

void message_builder::add_integrity_sha256(std::span<const std::byte> key) {
  std::size_t at = bytes_.size();
  if (std::byte* out = grow(attribute::message_integrity_sha256, detail::integrity_sha256_size)) {
    auto digest = detail::hmac_sha256(key, std::span<const std::byte>(bytes_.data(), at));
    std::copy(digest.begin(), digest.end(), out);
  }
}

void message_builder::add_fingerprint() {
  std::size_t at = bytes_.size();
  if (std::byte* out = grow(attribute::fingerprint, 4)) {
    detail::write32(out, detail::crc32(std::span<const std::byte>(bytes_.data(), at)) ^ detail::fingerprint_xor);
    sealed_ = true;
  }
}

result<std::vector<std::byte>> message_builder::finish() && {
  if (!failure_.empty()) {
    return error{"cannot build the STUN message: " + failure_};
  }
  return std::move(bytes_);
}

}  // namespace polyport::stun
