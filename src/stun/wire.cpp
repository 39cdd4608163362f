#include "stun/wire.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace polyport::stun::detail {

namespace {

constexpr std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    table[n] = c;
  }
  return table;
}

constexpr auto crc_lookup = crc_table();

template <std::size_t size>
std::array<std::byte, size> hmac(const EVP_MD* digest, std::span<const std::byte> key,
                                 std::span<const std::byte> data) {
  std::array<std::byte, size> out{};
  unsigned int length = 0;
  HMAC(digest, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), reinterpret_cast<unsigned char*>(out.data()), &length);
  return out;
}

}  // namespace

std::uint32_t crc32(std::span<const std::byte> bytes) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (std::byte b : bytes) {
    c = crc_lookup[(c ^ std::to_integer<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFU;
}

std::array<std::byte, integrity_size> hmac_sha1(std::span<const std::byte> key, std::span<const std::byte> data) {
  return hmac<integrity_size>(EVP_sha1(), key, data);
}

std::array<std::byte, integrity_sha256_size> hmac_sha256(std::span<const std::byte> key,
                                                         std::span<const std::byte> data) {
  return hmac<integrity_sha256_size>(EVP_sha256(), key, data);
}

}  // namespace polyport::stun::detail
