// Reading the attributes polyport understands out of a checked message (RFC 8489 §14).

#include <cstring>

#include "polyport/stun.hpp"
#include "stun/wire.hpp"

namespace polyport::stun {

namespace {

constexpr std::uint8_t family_v4 = 0x01;
constexpr std::uint8_t family_v6 = 0x02;

}  // namespace

result<endpoint> message_view::address(std::uint16_t type) const {
  auto found = find(type);
  if (!found) {
    return polyport::error{"no address attribute in the STUN message"};
  }
  auto value = found->value;
  if (value.size() < 4) {
    return polyport::error{"address attribute of " + std::to_string(value.size()) + " bytes"};
  }
  auto family = std::to_integer<std::uint8_t>(value[1]);
  std::size_t address_size = family == family_v4 ? 4 : family == family_v6 ? 16 : 0;
  if (address_size == 0) {
    return polyport::error{"address family " + std::to_string(family) + " is neither IPv4 nor IPv6"};
  }
  if (value.size() != 4 + address_size) {
    return polyport::error{"address attribute of " + std::to_string(value.size()) + " bytes for its family"};
  }
  endpoint out;
  out.address.is_v6 = family == family_v6;
  out.port = detail::read16(value, 2);
  std::memcpy(out.address.bytes.data(), value.data() + 4, address_size);
  if (type == attribute::xor_mapped_address) {
    // XOR'd with the cookie, then (IPv6) the transaction id: bytes 4..19 of the header.
    out.port ^= static_cast<std::uint16_t>(magic_cookie >> 16);
    for (std::size_t i = 0; i < address_size; ++i) {
      out.address.bytes[i] ^= std::to_integer<std::uint8_t>(bytes_[4 + i]);
    }
  }
  return out;
}

result<endpoint> message_view::mapped_address() const {
  if (find(attribute::xor_mapped_address)) {
    return address(attribute::xor_mapped_address);
  }
  if (find(attribute::mapped_address)) {
    return address(attribute::mapped_address);
  }
  return polyport::error{"neither XOR-MAPPED-ADDRESS nor MAPPED-ADDRESS in the response"};
}

std::optional<error_code> message_view::error() const {
  auto found = find(attribute::error_code);
  if (!found || found->value.size() < 4 || found->value.size() > 4 + max_software_size) {
    return std::nullopt;
  }
  unsigned hundreds = std::to_integer<unsigned>(found->value[2]) & 0x7;
  unsigned number = std::to_integer<unsigned>(found->value[3]);
  if (hundreds < 3 || hundreds > 6 || number > 99) {
    return std::nullopt;
  }
  auto reason = found->value.subspan(4);
  return error_code{static_cast<std::uint16_t>(hundreds * 100 + number),
                    std::string(reinterpret_cast<const char*>(reason.data()), reason.size())};
}

std::optional<std::string> message_view::software() const {
  auto found = find(attribute::software);
  if (!found || found->value.size() > max_software_size) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(found->value.data()), found->value.size());
}

std::optional<std::vector<std::uint16_t>> message_view::unknown_attributes() const {
  auto found = find(attribute::unknown_attributes);
  if (!found || found->value.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<std::uint16_t> types;
  for (std::size_t at = 0; at < found->value.size(); at += 2) {
    types.push_back(detail::read16(found->value, at));
  }
  return types;
}

}  // namespace polyport::stun
