#pragma once
// Byte-level helpers the STUN codec shares: big-endian fields, CRC-32 and the HMACs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace polyport::stun::detail {

inline std::uint16_t read16(std::span<const std::byte> bytes, std::size_t at) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[at]) << 8 |
                                    std::to_integer<unsigned>(bytes[at + 1]));
}

inline std::uint32_t read32(std::span<const std::byte> bytes, std::size_t at) {
  return static_cast<std::uint32_t>(read16(bytes, at)) << 16 | read16(bytes, at + 2);
}

inline void write16(std::byte* at, std::uint16_t value) {
  at[0] = static_cast<std::byte>(value >> 8);
  at[1] = static_cast<std::byte>(value);
}

inline void write32(std::byte* at, std::uint32_t value) {
  write16(at, static_cast<std::uint16_t>(value >> 16));
  write16(at + 2, static_cast<std::uint16_t>(value));
}

inline constexpr std::size_t attribute_header_size = 4;
inline constexpr std::size_t fingerprint_size = 8;
inline constexpr std::size_t integrity_size = 20;
inline constexpr std::size_t integrity_sha256_size = 32;
inline constexpr std::uint32_t fingerprint_xor = 0x5354554e;  // "STUN"

inline constexpr std::size_t padded(std::size_t size) { return (size + 3) & ~std::size_t{3}; }

// The CRC-32 of ISO 3309 / ITU-T V.42, as zlib computes it.
std::uint32_t crc32(std::span<const std::byte> bytes);

std::array<std::byte, integrity_size> hmac_sha1(std::span<const std::byte> key, std::span<const std::byte> data);
std::array<std::byte, integrity_sha256_size> hmac_sha256(std::span<const std::byte> key,
                                                         std::span<const std::byte> data);

}  // namespace polyport::stun::detail
