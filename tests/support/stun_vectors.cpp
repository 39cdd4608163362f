#include "support/stun_vectors.hpp"

#include <cctype>
#include <string>

namespace polyport::testing {

std::vector<std::byte> from_hex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      digits += c;
    }
  }
  std::vector<std::byte> out;
  for (std::size_t at = 0; at + 1 < digits.size(); at += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(digits.substr(at, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace polyport::testing
