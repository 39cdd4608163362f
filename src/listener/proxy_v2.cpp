// The binary header, version 2 (proxy-protocol.txt section 2.2):
//   signature(12) ver_cmd(1) fam(1) len(2) | addresses(0/12/36/216) | TLVs ... (len bytes in all)

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "listener/proxy_header.hpp"

namespace polyport::detail {

namespace {

using outcome = proxy_parse_step::outcome;
using byte_view = std::span<const std::byte>;

constexpr std::size_t fixed_size = 16;

proxy_parse_step invalid(std::string reason) {
  proxy_parse_step step;
  step.result = outcome::invalid;
  step.error = "PROXY v2: " + std::move(reason);
  return step;
}

std::string hex(unsigned value, int digits = 2) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, value);
  return text;
}

unsigned byte_at(byte_view input, std::size_t at) { return std::to_integer<unsigned>(input[at]); }

unsigned be16(byte_view input, std::size_t at) { return byte_at(input, at) << 8 | byte_at(input, at + 1); }

std::uint32_t be32(byte_view input, std::size_t at) {
  return static_cast<std::uint32_t>(be16(input, at)) << 16 | be16(input, at + 2);
}

std::string as_string(byte_view value) { return {reinterpret_cast<const char*>(value.data()), value.size()}; }

// The 14th byte: "in practice, the following protocol bytes are expected" (spec 2.2); the
// others "must be rejected as invalid by receivers".
struct family_byte {
  proxy_family family;
  proxy_transport transport;
  std::size_t address_size;
};

std::optional<family_byte> decode_family(unsigned value) {
  switch (value) {
    case 0x00:
      return family_byte{proxy_family::unspecified, proxy_transport::unspecified, 0};
    case 0x11:
      return family_byte{proxy_family::inet, proxy_transport::stream, 12};
    case 0x12:
      return family_byte{proxy_family::inet, proxy_transport::dgram, 12};
    case 0x21:
      return family_byte{proxy_family::inet6, proxy_transport::stream, 36};
    case 0x22:
      return family_byte{proxy_family::inet6, proxy_transport::dgram, 36};
    case 0x31:
      return family_byte{proxy_family::unix_socket, proxy_transport::stream, 2 * pp2_unix_path_size};
    case 0x32:
      return family_byte{proxy_family::unix_socket, proxy_transport::dgram, 2 * pp2_unix_path_size};
    default:
      return std::nullopt;
  }
}

endpoint ip_endpoint(byte_view address, unsigned port) {
  endpoint out;
  out.address.is_v6 = address.size() == 16;
  for (std::size_t i = 0; i < address.size(); ++i) {
    out.address.bytes[i] = static_cast<std::uint8_t>(byte_at(address, i));
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

// A sun_path, NUL-padded to 108 bytes. A leading NUL is Linux's abstract namespace, written
// "@name" as ss(8) and Go do; an all-zero path is an unnamed socket (a typical client's).
std::optional<endpoint> unix_endpoint(byte_view path) {
  std::string text = as_string(path);
  if (text[0] == '\0') {
    std::size_t last = text.find_last_not_of('\0');
    if (last == std::string::npos) {
      return std::nullopt;
    }
    text = "@" + text.substr(1, last);
  } else {
    text.resize(std::min(text.find('\0'), text.size()));
  }
  endpoint out;
  out.path = std::move(text);
  return out;
}

void read_addresses(byte_view block, proxy_header& header) {
  switch (header.family) {
    case proxy_family::inet:
      header.source = ip_endpoint(block.subspan(0, 4), be16(block, 8));
      header.destination = ip_endpoint(block.subspan(4, 4), be16(block, 10));
      return;
    case proxy_family::inet6:
      header.source = ip_endpoint(block.subspan(0, 16), be16(block, 32));
      header.destination = ip_endpoint(block.subspan(16, 16), be16(block, 34));
      return;
    case proxy_family::unix_socket:
      header.source = unix_endpoint(block.subspan(0, pp2_unix_path_size));
      header.destination = unix_endpoint(block.subspan(pp2_unix_path_size, pp2_unix_path_size));
      return;
    case proxy_family::unspecified:
      return;
  }
}

// Walks a TLV sequence (spec 2.2: type, 16-bit length, value) that must fill `block` exactly.
// `at` is the block's offset in the header, for the error messages. Calls on_tlv(type, value,
// offset) until it returns an error.
template <class visitor>
std::optional<std::string> walk_tlvs(byte_view block, std::size_t at, const char* what, visitor&& on_tlv) {
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t left = block.size() - pos;
    if (left < 3) {
      return "truncated " + std::string(what) + " at byte " + std::to_string(at + pos) + ": " + std::to_string(left) +
             " bytes left, a TLV needs at least 3";
    }
    unsigned type = byte_at(block, pos);
    std::size_t length = be16(block, pos + 1);
    if (length > left - 3) {
      return std::string(what) + " " + hex(type) + " at byte " + std::to_string(at + pos) + " says " +
             std::to_string(length) + " bytes but only " + std::to_string(left - 3) + " are left";
    }
    if (auto error = on_tlv(static_cast<std::uint8_t>(type), block.subspan(pos + 3, length), at + pos + 3)) {
      return error;
    }
    pos += 3 + length;
  }
  return std::nullopt;
}

// A registered TLV may appear once: with two, which one a reader believes is up to the peer.
std::optional<std::string> set_once(std::optional<std::string>& field, byte_view value, const char* name) {
  if (field) {
    return "two " + std::string(name) + " TLVs";
  }
  field = as_string(value);
  return std::nullopt;
}

// PP2_TYPE_SSL (spec 2.2.6): client(1) verify(4) then sub-TLVs. Sub-types this parser does
// not know are skipped, as top-level receivers may skip what they do not understand.
std::optional<std::string> read_ssl(byte_view value, std::size_t at, proxy_header& header) {
  if (header.ssl) {
    return std::string("two PP2_TYPE_SSL TLVs");
  }
  if (value.size() < 5) {
    return "PP2_TYPE_SSL of " + std::to_string(value.size()) + " bytes, at least 5 expected";
  }
  proxy_ssl_info ssl;
  ssl.client = static_cast<std::uint8_t>(byte_at(value, 0));
  ssl.verify = be32(value, 1);
  auto sub = [&ssl](std::uint8_t type, byte_view sub_value, std::size_t) -> std::optional<std::string> {
    switch (type) {
      case pp2_subtype_ssl_version:
        return set_once(ssl.version, sub_value, "PP2_SUBTYPE_SSL_VERSION");
      case pp2_subtype_ssl_cn:
        return set_once(ssl.cn, sub_value, "PP2_SUBTYPE_SSL_CN");
      case pp2_subtype_ssl_cipher:
        return set_once(ssl.cipher, sub_value, "PP2_SUBTYPE_SSL_CIPHER");
      case pp2_subtype_ssl_sig_alg:
        return set_once(ssl.sig_alg, sub_value, "PP2_SUBTYPE_SSL_SIG_ALG");
      case pp2_subtype_ssl_key_alg:
        return set_once(ssl.key_alg, sub_value, "PP2_SUBTYPE_SSL_KEY_ALG");
      default:
        return std::nullopt;
    }
  };
  if (auto error = walk_tlvs(value.subspan(5), at + 5, "SSL sub-TLV", sub)) {
    return error;
  }
  header.ssl = std::move(ssl);
  return std::nullopt;
}

// Decodes the TLVs after the addresses into `header`; returns where a CRC32C value starts, if
// there is one, for the caller to check once the whole header is known good.
result<std::optional<std::size_t>> read_tlvs(byte_view block, std::size_t at, proxy_header& header) {
  std::optional<std::size_t> crc_at;
  auto top = [&](std::uint8_t type, byte_view value, std::size_t value_at) -> std::optional<std::string> {
    switch (type) {
      case pp2_type_alpn:
        return set_once(header.alpn, value, "PP2_TYPE_ALPN");
      case pp2_type_authority:
        return set_once(header.authority, value, "PP2_TYPE_AUTHORITY");
      case pp2_type_crc32c:
        if (crc_at) {
          return std::string("two PP2_TYPE_CRC32C TLVs");
        }
        if (value.size() != 4) {
          return "PP2_TYPE_CRC32C of " + std::to_string(value.size()) + " bytes, 4 expected";
        }
        crc_at = value_at;
        return std::nullopt;
      case pp2_type_noop:
        return std::nullopt;
      case pp2_type_unique_id:
        if (value.size() > pp2_unique_id_max) {
          return "PP2_TYPE_UNIQUE_ID of " + std::to_string(value.size()) + " bytes, at most " +
                 std::to_string(pp2_unique_id_max) + " allowed (spec 2.2.5)";
        }
        return set_once(header.unique_id, value, "PP2_TYPE_UNIQUE_ID");
      case pp2_type_ssl:
        return read_ssl(value, value_at, header);
      case pp2_type_netns:
        return set_once(header.netns, value, "PP2_TYPE_NETNS");
      default:
        header.tlvs.push_back(proxy_tlv{.type = type, .value = {value.begin(), value.end()}});
        return std::nullopt;
    }
  };
  if (auto error = walk_tlvs(block, at, "TLV", top)) {
    return polyport::error{std::move(*error)};
  }
  return crc_at;
}

// Spec 2.2.3: the CRC32C of the whole header with the checksum field zeroed.
std::uint32_t header_crc(byte_view header, std::size_t crc_at) {
  constexpr std::byte zeros[4] = {};
  std::uint32_t crc = crc32c(0, header.first(crc_at));
  crc = crc32c(crc, zeros);
  return crc32c(crc, header.subspan(crc_at + 4));
}

}  // namespace

proxy_parse_step parse_proxy_v2(std::span<const std::byte> input) {
  // Each fixed byte is judged as soon as it arrives, so a wrong version or family fails at once.
  constexpr std::size_t ver_cmd_at = 12;
  if (input.size() <= ver_cmd_at) {
    return {};
  }
  unsigned ver_cmd = byte_at(input, ver_cmd_at);
  if (ver_cmd >> 4 != 2) {
    return invalid("version " + std::to_string(ver_cmd >> 4) + " (byte 12 is " + hex(ver_cmd) + "), 2 expected");
  }
  unsigned command = ver_cmd & 0x0f;
  if (command > 1) {
    return invalid("unknown command " + hex(command, 1) + " (0 LOCAL or 1 PROXY)");
  }
  constexpr std::size_t family_at = 13;
  if (input.size() <= family_at) {
    return {};
  }
  std::optional<family_byte> family = decode_family(byte_at(input, family_at));
  if (!family) {
    return invalid("unknown address family and protocol " + hex(byte_at(input, family_at)) +
                   " (0x00, 0x11, 0x12, 0x21, 0x22, 0x31 or 0x32)");
  }
  if (input.size() < fixed_size) {
    return {};
  }
  std::size_t length = be16(input, 14);
  if (length < family->address_size) {
    return invalid("length " + std::to_string(length) + " cannot hold the " + std::to_string(family->address_size) +
                   "-byte address block of family " + hex(byte_at(input, family_at)));
  }
  if (input.size() < fixed_size + length) {
    return {};
  }

  byte_view whole = input.first(fixed_size + length);
  proxy_parse_step step;
  step.result = outcome::done;
  step.consumed = whole.size();
  proxy_header& header = step.header;
  header.version = 2;
  // LOCAL: "the receiver must ... discard the protocol block including the family".
  header.local = command == 0;
  if (!header.local) {
    header.family = family->family;
    header.transport = family->transport;
    read_addresses(whole.subspan(fixed_size, family->address_size), header);
  }
  std::size_t tlvs_at = fixed_size + family->address_size;
  result<std::optional<std::size_t>> crc_at = read_tlvs(whole.subspan(tlvs_at), tlvs_at, header);
  if (!crc_at) {
    return invalid(crc_at.error().message);
  }
  if (*crc_at) {
    std::uint32_t sent = be32(whole, **crc_at);
    std::uint32_t computed = header_crc(whole, **crc_at);
    if (sent != computed) {
      return invalid("CRC32C mismatch: the header says " + hex(sent, 8) + ", its bytes give " + hex(computed, 8));
    }
    header.has_crc32c = true;
  }
  return step;
}

}  // namespace polyport::detail
