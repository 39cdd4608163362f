#pragma once
// The sample messages of RFC 5769 ("Test Vectors for STUN") for the tests (the fuzz corpus holds
// the same bytes), and a hex helper to write messages readably.

#include <cstddef>
#include <string_view>
#include <vector>

namespace polyport::testing {

// Hex digits with any spaces or newlines between them.
std::vector<std::byte> from_hex(std::string_view hex);

namespace rfc5769 {
inline constexpr std::string_view short_term_password = "VOkJxbRl1RmTxUk/WvJxBt";

// §2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME "evtj:h6vY",
// MESSAGE-INTEGRITY and FINGERPRINT.
inline constexpr std::string_view request =
    "000100582112a442b7e7a701bc34d686fa87dfae80220010 5354554e2074657374 20636c69656e74"
    "00240004 6e0001ff 80290008 932ff9b151263b36 00060009 6576746a3a68367659202020"
    "00080014 9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2 80280004 e57a3bcf";
// §2.2: a success response mapping 192.0.2.1:32853.
inline constexpr std::string_view ipv4_response =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
    "00200008 0001a147e112a643 00080014 2b91f599fd9e90c38c7489f92af9ba53f06be7d7 80280004 c07d4c96";
// §2.3: a success response mapping [2001:db8:1234:5678:11:2233:4455:6677]:32853.
inline constexpr std::string_view ipv6_response =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
    "00200014 0002a1470113a9faa5d3f179bc25f4b5bed2b9d9 00080014 a382954e4be67bf11784c97c8292c275bfe3ed41 "
    "80280004 c8fb0b4c";
// §2.4: a request with long-term credentials: USERNAME (6 katakana), NONCE, REALM "example.org";
// the key is MD5("<username>:example.org:TheMatrIX").
inline constexpr std::string_view long_term_request =
    "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b90000"
    "0015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c652e6f726700"
    "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
}  // namespace rfc5769

}  // namespace polyport::testing
