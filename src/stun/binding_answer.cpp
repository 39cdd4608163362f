// The server side of a Binding transaction (RFC 8489 §6.3; RFC 3489 clients per §12.2).

#include <array>

#include "polyport/stun.hpp"
#include "polyport/stun_server.hpp"
#include "stun/wire.hpp"

namespace polyport::stun {

namespace {

// What a Binding request may carry that this server handles (the credential attributes are
// understood and not checked: this server does not authenticate, like coturn's --no-auth).
constexpr std::array<std::uint16_t, 5> understood_in_binding{attribute::username, attribute::message_integrity,
                                                             attribute::message_integrity_sha256, attribute::priority,
                                                             attribute::use_candidate};

constexpr std::uint16_t classic_binding_request = 0x0001;

binding_outcome reply_with(result<std::vector<std::byte>> built) {
  if (!built) {
    return {verdict::dropped, {}, built.error().message};
  }
  return {verdict::answered, std::move(*built), {}};
}

binding_outcome answer_modern(const message_view& request, const endpoint& from, const server_settings& settings) {
  if (request.has_fingerprint() && !request.fingerprint_valid()) {
    return {verdict::dropped, {}, "bad FINGERPRINT"};
  }
  if (request.method() != binding) {
    return {};
  }
  if (request.kind() == message_class::success_response || request.kind() == message_class::error_response) {
    return {verdict::response, {}, {}};
  }
  if (request.kind() == message_class::indication) {
    return {verdict::ignored, {}, {}};
  }
  auto unknown = request.unknown_required(understood_in_binding);
  if (!unknown.empty()) {
    message_builder refusal(message_class::error_response, binding, request.id());
    refusal.add_error(420, "Unknown Attribute");
    refusal.add_unknown_attributes(unknown);
    if (!settings.software.empty()) {
      refusal.add_text(attribute::software, settings.software);
    }
    refusal.add_fingerprint();
    return reply_with(std::move(refusal).finish());
  }
  message_builder success(message_class::success_response, binding, request.id());
  success.add_address(attribute::xor_mapped_address, from);
  if (!settings.software.empty()) {
    success.add_text(attribute::software, settings.software);
  }
  success.add_fingerprint();
  return reply_with(std::move(success).finish());
}

// RFC 3489 had no FINGERPRINT and no XOR-MAPPED-ADDRESS: answer with MAPPED-ADDRESS and the
// client's cookie field copied back.
binding_outcome answer_classic(const message_view& request, const endpoint& from, const server_settings& settings) {
  std::uint32_t cookie_field = detail::read32(request.bytes(), 4);
  auto unknown = request.unknown_required(understood_in_binding);
  if (!unknown.empty()) {
    message_builder refusal(message_class::error_response, binding, request.id(), cookie_field);
    refusal.add_error(420, "Unknown Attribute");
    refusal.add_unknown_attributes(unknown);
    return reply_with(std::move(refusal).finish());
  }
  message_builder success(message_class::success_response, binding, request.id(), cookie_field);
  success.add_address(attribute::mapped_address, from);
  if (!settings.software.empty()) {
    success.add_text(attribute::software, settings.software);
  }
  return reply_with(std::move(success).finish());
}

}  // namespace

binding_outcome binding_answer(std::span<const std::byte> datagram, const endpoint& from,
                               const server_settings& settings) {
  if (datagram.size() < header_size || (std::to_integer<unsigned>(datagram[0]) & 0xC0) != 0) {
    return {};
  }
  bool has_cookie = detail::read32(datagram, 4) == magic_cookie;
  if (!has_cookie && !(settings.answer_classic && detail::read16(datagram, 0) == classic_binding_request &&
                       detail::read16(datagram, 2) + header_size == datagram.size())) {
    // Without the cookie only an exact RFC 3489 Binding request is STUN; the rest is the protocol's.
    return {};
  }
  auto request = message_view::parse(datagram);
  if (!request) {
    return {verdict::dropped, {}, request.error().message};
  }
  return has_cookie ? answer_modern(*request, from, settings) : answer_classic(*request, from, settings);
}

}  // namespace polyport::stun
