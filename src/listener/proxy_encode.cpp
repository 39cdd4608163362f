// The sending side of the PROXY protocol: the header a client writes before its first byte
// (proxy-protocol.txt 2.1 for v1, 2.2 for v2), checked so that the peer's parser accepts it
// and reads back the same proxy_header.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "listener/proxy_header.hpp"

namespace polyport::detail {

namespace {

using bytes = std::vector<std::byte>;

polyport::error failure(const std::string& reason) {
  return polyport::error{"cannot encode a PROXY header: " + reason};
}

// "@name" is an abstract name, written after a NUL. "@" alone is a file of that name: an empty
// abstract name would be all NULs, which says "unnamed".
bool is_abstract(const std::string& path) { return path.size() > 1 && path[0] == '@'; }

bool is_ip(proxy_family family) { return family == proxy_family::inet || family == proxy_family::inet6; }

// What the header cannot carry, checked once for both versions; LOCAL carries no addresses.
std::optional<std::string> check_addresses(const proxy_header& header) {
  if (header.local) {
    return std::nullopt;
  }
  if (header.family == proxy_family::unspecified) {
    if (header.transport != proxy_transport::unspecified || header.source || header.destination) {
      return "an unspecified family carries neither a transport nor addresses";
    }
    return std::nullopt;
  }
  if (header.transport == proxy_transport::unspecified) {
    return "a family needs a transport, stream or dgram";
  }
  for (const auto* side : {&header.source, &header.destination}) {
    const char* name = side == &header.source ? "source" : "destination";
    if (is_ip(header.family)) {
      bool want_v6 = header.family == proxy_family::inet6;
      if (!*side || !(*side)->path.empty() || (*side)->address.is_v6 != want_v6) {
        return std::string("the ") + name + " must be an " + (want_v6 ? "IPv6" : "IPv4") + " address";
      }
      continue;
    }
    if (!*side) {
      continue;  // an unnamed unix socket
    }
    const std::string& path = (*side)->path;
    if (path.empty() || path.size() > pp2_unix_path_size ||
        (!is_abstract(path) && path.find('\0') != std::string::npos)) {
      return std::string("the ") + name + " must be a unix path of 1 to 108 bytes without NUL (or \"@name\"), " +
             "or absent for an unnamed socket";
    }
  }
  return std::nullopt;
}

void append(bytes& out, std::string_view text) {
  for (char c : text) {
    out.push_back(static_cast<std::byte>(c));
  }
}

void append_be16(bytes& out, std::size_t value) {
  out.push_back(static_cast<std::byte>(value >> 8 & 0xff));
  out.push_back(static_cast<std::byte>(value & 0xff));
}

void append_be32(bytes& out, std::uint32_t value) {
  append_be16(out, value >> 16);
  append_be16(out, value & 0xffff);
}

void put_be32(bytes& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out[at + static_cast<std::size_t>(i)] = static_cast<std::byte>(value >> (24 - 8 * i) & 0xff);
  }
}

void append_ip_address(bytes& out, const endpoint& side) {
  std::size_t size = side.address.is_v6 ? 16 : 4;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(static_cast<std::byte>(side.address.bytes[i]));
  }
}

// A sun_path padded to 108 bytes.
void append_unix_path(bytes& out, const std::optional<endpoint>& side) {
  std::size_t start = out.size();
  if (side) {
    const std::string& path = side->path;
    if (is_abstract(path)) {
      out.push_back(std::byte{0});
      append(out, std::string_view(path).substr(1));
    } else {
      append(out, path);
    }
  }
  out.resize(start + pp2_unix_path_size);
}

std::optional<std::string> append_tlv(bytes& out, std::uint8_t type, std::span<const std::byte> value) {
  if (value.size() > 0xffff) {
    return "a TLV value of " + std::to_string(value.size()) + " bytes (at most 65535)";
  }
  out.push_back(static_cast<std::byte>(type));
  append_be16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return std::nullopt;
}

std::span<const std::byte> as_span(const std::string& text) { return std::as_bytes(std::span(text)); }

std::optional<std::string> append_string_tlv(bytes& out, std::uint8_t type, const std::optional<std::string>& value) {
  return value ? append_tlv(out, type, as_span(*value)) : std::nullopt;
}

// HAProxy's order of sub-TLVs (src/connection.c, make_proxy_line_v2).
std::optional<std::string> append_ssl(bytes& out, const proxy_ssl_info& ssl) {
  bytes value;
  value.push_back(static_cast<std::byte>(ssl.client));
  append_be32(value, ssl.verify);
  for (const auto& [type, field] :
       {std::pair{pp2_subtype_ssl_version, &ssl.version}, std::pair{pp2_subtype_ssl_cn, &ssl.cn},
        std::pair{pp2_subtype_ssl_key_alg, &ssl.key_alg}, std::pair{pp2_subtype_ssl_sig_alg, &ssl.sig_alg},
        std::pair{pp2_subtype_ssl_cipher, &ssl.cipher}}) {
    if (auto error = append_string_tlv(value, type, *field)) {
      return error;
    }
  }
  return append_tlv(out, pp2_type_ssl, value);
}

bool is_registered(std::uint8_t type) {
  switch (type) {
    case pp2_type_alpn:
    case pp2_type_authority:
    case pp2_type_crc32c:
    case pp2_type_noop:
    case pp2_type_unique_id:
    case pp2_type_ssl:
    case pp2_type_netns:
      return true;
    default:
      return false;
  }
}

// The TLVs after the CRC32C, in HAProxy's order, then the unregistered ones.
std::optional<std::string> append_tlvs(bytes& out, const proxy_header& header) {
  if (header.unique_id && header.unique_id->size() > pp2_unique_id_max) {
    return "a unique id of " + std::to_string(header.unique_id->size()) + " bytes (at most 128, spec 2.2.5)";
  }
  for (const auto& [type, field] :
       {std::pair{pp2_type_alpn, &header.alpn}, std::pair{pp2_type_authority, &header.authority},
        std::pair{pp2_type_unique_id, &header.unique_id}}) {
    if (auto error = append_string_tlv(out, type, *field)) {
      return error;
    }
  }
  if (header.ssl) {
    if (auto error = append_ssl(out, *header.ssl)) {
      return error;
    }
  }
  if (auto error = append_string_tlv(out, pp2_type_netns, header.netns)) {
    return error;
  }
  for (const proxy_tlv& tlv : header.tlvs) {
    if (is_registered(tlv.type)) {
      return "TLV type " + std::to_string(tlv.type) + " is registered: set its proxy_header field instead";
    }
    if (auto error = append_tlv(out, tlv.type, tlv.value)) {
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace

result<std::vector<std::byte>> encode_proxy_v1(const proxy_header& header) {
  if (auto error = check_addresses(header)) {
    return failure(*error);
  }
  bytes out;
  append(out, "PROXY ");
  // Spec 2.1: "other, unsupported, or unknown protocols must be reported with the name UNKNOWN".
  if (header.local || !is_ip(header.family) || header.transport != proxy_transport::stream) {
    append(out, "UNKNOWN\r\n");
    return out;
  }
  append(out, header.family == proxy_family::inet6 ? "TCP6 " : "TCP4 ");
  append(out, header.source->address.to_string() + " " + header.destination->address.to_string() + " " +
                  std::to_string(header.source->port) + " " + std::to_string(header.destination->port) + "\r\n");
  return out;
}

result<std::vector<std::byte>> encode_proxy_v2(const proxy_header& header) {
  if (auto error = check_addresses(header)) {
    return failure(*error);
  }
  bytes out(proxy_v2_signature.begin(), proxy_v2_signature.end());
  // Spec 2.2: LOCAL "should not present any address"; HAProxy sends it with AF_UNSPEC.
  out.push_back(header.local ? std::byte{0x20} : std::byte{0x21});
  // The enumerators have the spec's values.
  unsigned family = header.local ? 0 : static_cast<unsigned>(header.family);
  unsigned transport = header.local ? 0 : static_cast<unsigned>(header.transport);
  out.push_back(static_cast<std::byte>(family << 4 | transport));
  append_be16(out, 0);  // the length, once known
  if (!header.local && is_ip(header.family)) {
    append_ip_address(out, *header.source);
    append_ip_address(out, *header.destination);
    append_be16(out, header.source->port);
    append_be16(out, header.destination->port);
  } else if (!header.local && header.family == proxy_family::unix_socket) {
    append_unix_path(out, header.source);
    append_unix_path(out, header.destination);
  }
  std::optional<std::size_t> crc_at;
  if (header.has_crc32c) {
    constexpr std::byte zeros[4] = {};
    out.push_back(static_cast<std::byte>(pp2_type_crc32c));
    append_be16(out, sizeof zeros);
    out.insert(out.end(), std::begin(zeros), std::end(zeros));
    crc_at = out.size() - sizeof zeros;
  }
  if (auto error = append_tlvs(out, header)) {
    return failure(*error);
  }
  std::size_t length = out.size() - 16;
  if (length > 0xffff) {
    return failure("addresses and TLVs of " + std::to_string(length) + " bytes (at most 65535)");
  }
  out[14] = static_cast<std::byte>(length >> 8);
  out[15] = static_cast<std::byte>(length & 0xff);
  // Spec 2.2.3: the checksum of the whole header, computed with its own field still zero.
  if (crc_at) {
    put_be32(out, *crc_at, crc32c(0, out));
  }
  return out;
}

}  // namespace polyport::detail
