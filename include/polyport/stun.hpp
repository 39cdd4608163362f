#pragma once
// STUN messages (RFC 8489, which RFC 5389 agents also speak): a checked read-only view of a
// received message, and a builder for the messages polyport sends.
//
//   auto view = stun::message_view::parse(datagram);            // never trusts a length
//   if (view && view->method() == stun::binding) { auto where = view->mapped_address(); }
//
//   stun::message_builder reply(stun::message_class::success_response, stun::binding, view->id());
//   reply.add_xor_address(stun::attribute::xor_mapped_address, from);
//   reply.add_fingerprint();
//   auto bytes = reply.finish();
//
// Thread safety: plain values; distinct objects: safe; shared objects: const use only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"

namespace polyport::stun {

inline constexpr std::uint32_t magic_cookie = 0x2112A442;
inline constexpr std::size_t header_size = 20;
// Larger messages are refused whole: a Binding exchange needs a few hundred bytes, and the
// bound keeps a hostile datagram from costing more than a glance.
inline constexpr std::size_t max_message_size = 2048;
// RFC 8489 §14.9: fewer than 128 characters, so at most 763 bytes.
inline constexpr std::size_t max_software_size = 763;

inline constexpr std::uint16_t binding = 0x001;

enum class message_class : std::uint8_t { request = 0, indication = 1, success_response = 2, error_response = 3 };

// Attribute types (RFC 8489 §18.3). Below 0x8000 an agent must understand the attribute.
namespace attribute {
inline constexpr std::uint16_t mapped_address = 0x0001;
inline constexpr std::uint16_t username = 0x0006;
inline constexpr std::uint16_t message_integrity = 0x0008;
inline constexpr std::uint16_t error_code = 0x0009;
inline constexpr std::uint16_t unknown_attributes = 0x000A;
inline constexpr std::uint16_t realm = 0x0014;
inline constexpr std::uint16_t nonce = 0x0015;
inline constexpr std::uint16_t message_integrity_sha256 = 0x001C;
inline constexpr std::uint16_t password_algorithm = 0x001D;
inline constexpr std::uint16_t userhash = 0x001E;
inline constexpr std::uint16_t xor_mapped_address = 0x0020;
inline constexpr std::uint16_t priority = 0x0024;  // ICE (RFC 8445), seen in ICE connectivity checks
inline constexpr std::uint16_t use_candidate = 0x0025;
inline constexpr std::uint16_t software = 0x8022;
inline constexpr std::uint16_t fingerprint = 0x8028;
inline constexpr std::uint16_t ice_controlled = 0x8029;
inline constexpr std::uint16_t ice_controlling = 0x802A;

constexpr bool comprehension_required(std::uint16_t type) { return type < 0x8000; }
}  // namespace attribute

using transaction_id = std::array<std::uint8_t, 12>;

// A fresh transaction id from a cryptographic random source (RFC 8489 §6: uniformly random).
transaction_id random_transaction_id();

struct raw_attribute {
  std::uint16_t type = 0;
  std::span<const std::byte> value;  // without the padding
};

struct error_code {
  std::uint16_t code = 0;  // 300 .. 699
  std::string reason;
};

// A received message whose structure has been checked: the first two bits are zero, the length
// field matches the datagram and is a multiple of 4, every attribute fits, FINGERPRINT (if any)
// is last. Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
// are ignored, as RFC 8489 §14.5 requires. The view points into the datagram: keep it alive.
class message_view {
 public:
  // The whole datagram must be one message. An error says what is wrong, for logs.
  static result<message_view> parse(std::span<const std::byte> datagram);

  message_class kind() const { return kind_; }
  std::uint16_t method() const { return method_; }
  // False for an RFC 3489 message (no magic cookie).
  bool has_cookie() const { return has_cookie_; }
  const transaction_id& id() const { return id_; }
  std::span<const std::byte> bytes() const { return bytes_; }

  // The attributes an agent reads, in order (those after MESSAGE-INTEGRITY excluded).
  std::vector<raw_attribute> attributes() const;
  // The first attribute of this type, or nullopt.
  std::optional<raw_attribute> find(std::uint16_t type) const;
  // Comprehension-required types that are not in `understood` (for a 420 answer), in order.
  std::vector<std::uint16_t> unknown_required(std::span<const std::uint16_t> understood) const;

  // XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS; an error when neither is there or it is malformed.
  result<endpoint> mapped_address() const;
  // An address attribute decoded (XOR'd when `type` is an XOR type).
  result<endpoint> address(std::uint16_t type) const;
  std::optional<stun::error_code> error() const;
  std::optional<std::string> software() const;
  std::optional<std::vector<std::uint16_t>> unknown_attributes() const;

  bool has_fingerprint() const { return fingerprint_offset_ != 0; }
  // True when FINGERPRINT is there and its CRC-32 matches.
  bool fingerprint_valid() const;
  // Short-term credentials (RFC 8489 §9.1): `key` is the password after OpaqueString
  // preparation (an ASCII password is unchanged). False when the attribute is absent.
  bool integrity_valid(std::span<const std::byte> key) const;
  bool integrity_sha256_valid(std::span<const std::byte> key) const;

 private:
  std::span<const std::byte> bytes_;
  std::size_t readable_end_ = 0;  // end of the attributes an agent reads
  std::size_t integrity_offset_ = 0;
  std::size_t integrity_sha256_offset_ = 0;
  std::size_t fingerprint_offset_ = 0;
  message_class kind_ = message_class::request;
  std::uint16_t method_ = 0;
  bool has_cookie_ = true;
  transaction_id id_{};
};

// Builds one message. A call that would break a bound (an oversized value, a message over
// max_message_size, an attribute after FINGERPRINT) is remembered and reported by finish().
class message_builder {
 public:
  // Without the cookie, the first 4 bytes of `cookie_field` are written instead (RFC 3489).
  message_builder(message_class kind, std::uint16_t method, const transaction_id& id);
  message_builder(message_class kind, std::uint16_t method, const transaction_id& id, std::uint32_t cookie_field);

  void add(std::uint16_t type, std::span<const std::byte> value);
  void add_text(std::uint16_t type, std::string_view text);
  // MAPPED-ADDRESS-style when type is mapped_address, XOR'd for xor_mapped_address.
  void add_address(std::uint16_t type, const endpoint& address);
  void add_error(std::uint16_t code, std::string_view reason);
  void add_unknown_attributes(std::span<const std::uint16_t> types);
  void add_integrity(std::span<const std::byte> key);
  void add_integrity_sha256(std::span<const std::byte> key);
  void add_fingerprint();

  result<std::vector<std::byte>> finish() &&;

 private:
  void fail(std::string message);
  std::byte* grow(std::uint16_t type, std::size_t value_size);

  std::vector<std::byte> bytes_;
  std::uint32_t cookie_field_;
  std::string failure_;
  bool sealed_ = false;  // FINGERPRINT added
};

}  // namespace polyport::stun
