// Parsing a received STUN message (RFC 8489 §5, §14): every length is checked against what is
// really there before it is used.

#include <algorithm>
#include <array>
#include <cstring>

#include "polyport/stun.hpp"
#include "stun/wire.hpp"

namespace polyport::stun {

namespace {

using detail::attribute_header_size;
using detail::read16;
using detail::read32;

std::string hex16(std::uint16_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) {
    text += digits[(value >> shift) & 0xF];
  }
  return text;
}

result<message_view> refuse(std::string why) { return error{"not a valid STUN message: " + std::move(why)}; }

// The HMAC input of RFC 8489 §14.5/§14.6: the message up to the integrity attribute, with the
// length field counting up to the end of that attribute.
template <class Digest>
bool keyed_digest_matches(std::span<const std::byte> bytes, std::size_t offset, std::span<const std::byte> key,
                          Digest digest) {
  std::size_t value_size = read16(bytes, offset + 2);
  std::array<std::byte, max_message_size> input{};
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), input.begin());
  detail::write16(input.data() + 2,
                  static_cast<std::uint16_t>(offset + attribute_header_size + value_size - header_size));
  auto expected = digest(key, std::span<const std::byte>(input.data(), offset));
  auto received = bytes.subspan(offset + attribute_header_size, value_size);
  return value_size <= expected.size() && std::equal(received.begin(), received.end(), expected.begin());
}

}  // namespace

result<message_view> message_view::parse(std::span<const std::byte> datagram) {
  if (datagram.size() < header_size) {
    return refuse(std::to_string(datagram.size()) + " bytes, shorter than a header");
  }
  if (datagram.size() > max_message_size) {
    return refuse(std::to_string(datagram.size()) + " bytes, over the " + std::to_string(max_message_size) +
                  "-byte limit");
  }
  if ((std::to_integer<unsigned>(datagram[0]) & 0xC0) != 0) {
    return refuse("the first two bits are not zero");
  }
  std::size_t length = read16(datagram, 2);
  if (length % 4 != 0) {
    return refuse("length " + std::to_string(length) + " is not a multiple of 4");
  }
  if (header_size + length != datagram.size()) {
    return refuse("length field says " + std::to_string(length) + " bytes of attributes, the datagram has " +
                  std::to_string(datagram.size() - header_size));
  }

  message_view view;
  view.bytes_ = datagram;
  std::uint16_t type = read16(datagram, 0);
  view.method_ = static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  view.kind_ = static_cast<message_class>(((type & 0x0100) >> 7) | ((type & 0x0010) >> 4));
  view.has_cookie_ = read32(datagram, 4) == magic_cookie;
  std::memcpy(view.id_.data(), datagram.data() + 8, view.id_.size());
  view.readable_end_ = datagram.size();

  std::size_t at = header_size;
  while (at < datagram.size()) {
    if (datagram.size() - at < attribute_header_size) {
      return refuse("truncated attribute header at byte " + std::to_string(at));
    }
    std::uint16_t attribute_type = read16(datagram, at);
    std::size_t value_size = read16(datagram, at + 2);
    std::size_t end = at + attribute_header_size + detail::padded(value_size);
    if (end > datagram.size()) {
      return refuse("attribute " + hex16(attribute_type) + " of " + std::to_string(value_size) +
                    " bytes overruns the message");
    }
    if (view.fingerprint_offset_ != 0) {
      return refuse("attribute " + hex16(attribute_type) + " after FINGERPRINT");
    }
    bool after_integrity = view.readable_end_ != datagram.size();
    if (attribute_type == attribute::message_integrity && !after_integrity) {
      if (value_size != detail::integrity_size) {
        return refuse("MESSAGE-INTEGRITY of " + std::to_string(value_size) + " bytes");
      }
      view.integrity_offset_ = at;
      view.readable_end_ = at;
    } else if (attribute_type == attribute::message_integrity_sha256 && view.integrity_sha256_offset_ == 0) {
      if (value_size < 16 || value_size > detail::integrity_sha256_size || value_size % 4 != 0) {
        return refuse("MESSAGE-INTEGRITY-SHA256 of " + std::to_string(value_size) + " bytes");
      }
      view.integrity_sha256_offset_ = at;
      view.readable_end_ = std::min(view.readable_end_, at);
    } else if (attribute_type == attribute::fingerprint) {
      if (value_size != 4) {
        return refuse("FINGERPRINT of " + std::to_string(value_size) + " bytes");
      }
      view.fingerprint_offset_ = at;
    }
    at = end;
  }
  return view;
}

std::vector<raw_attribute> message_view::attributes() const {
  std::vector<raw_attribute> found;
  for (std::size_t at = header_size; at < readable_end_;) {
    std::size_t value_size = read16(bytes_, at + 2);
    found.push_back({read16(bytes_, at), bytes_.subspan(at + attribute_header_size, value_size)});
    at += attribute_header_size + detail::padded(value_size);
  }
  return found;
}

std::optional<raw_attribute> message_view::find(std::uint16_t type) const {
  for (std::size_t at = header_size; at < readable_end_;) {
    std::size_t value_size = read16(bytes_, at + 2);
    if (read16(bytes_, at) == type) {
      return raw_attribute{type, bytes_.subspan(at + attribute_header_size, value_size)};
    }
    at += attribute_header_size + detail::padded(value_size);
  }
  return std::nullopt;
}

std::vector<std::uint16_t> message_view::unknown_required(std::span<const std::uint16_t> understood) const {
  std::vector<std::uint16_t> unknown;
  for (std::size_t at = header_size; at < readable_end_;) {
    std::uint16_t type = read16(bytes_, at);
    if (attribute::comprehension_required(type) &&
        std::find(understood.begin(), understood.end(), type) == understood.end() &&
        std::find(unknown.begin(), unknown.end(), type) == unknown.end()) {
      unknown.push_back(type);
    }
    at += attribute_header_size + detail::padded(read16(bytes_, at + 2));
  }
  return unknown;
}

bool message_view::fingerprint_valid() const {
  if (fingerprint_offset_ == 0) {
    return false;
  }
  std::uint32_t expected = detail::crc32(bytes_.first(fingerprint_offset_)) ^ detail::fingerprint_xor;
  return read32(bytes_, fingerprint_offset_ + attribute_header_size) == expected;
}

bool message_view::integrity_valid(std::span<const std::byte> key) const {
  return integrity_offset_ != 0 && keyed_digest_matches(bytes_, integrity_offset_, key, detail::hmac_sha1);
}

bool message_view::integrity_sha256_valid(std::span<const std::byte> key) const {
  return integrity_sha256_offset_ != 0 &&
         keyed_digest_matches(bytes_, integrity_sha256_offset_, key, detail::hmac_sha256);
}

}  // namespace polyport::stun
