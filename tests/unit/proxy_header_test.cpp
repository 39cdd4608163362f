#include "listener/proxy_header.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace polyport {

// Readable failures: what a header says, not its bytes. gtest looks for this name.
// NOLINTNEXTLINE(readability-identifier-naming)
[[maybe_unused]] static void PrintTo(const proxy_header& header, std::ostream* out) {
  *out << "{v" << header.version << (header.local ? " local" : "") << " family " << static_cast<int>(header.family)
       << " transport " << static_cast<int>(header.transport);
  if (header.source) {
    *out << " " << header.source->to_string();
  }
  if (header.destination) {
    *out << " -> " << header.destination->to_string();
  }
  *out << " alpn " << header.alpn.value_or("-") << " authority " << header.authority.value_or("-") << " unique_id "
       << header.unique_id.value_or("-") << " netns " << header.netns.value_or("-") << (header.ssl ? " ssl" : "")
       << (header.has_crc32c ? " crc32c" : "") << " tlvs " << header.tlvs.size() << "}";
}

namespace detail {
namespace {

using namespace std::string_view_literals;
using outcome = proxy_parse_step::outcome;
using bytes = std::vector<std::byte>;

bytes text(std::string_view characters) {
  bytes out;
  for (char c : characters) {
    out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

bytes be16(std::size_t value) { return {std::byte(value >> 8 & 0xff), std::byte(value & 0xff)}; }

bytes be32(std::uint32_t value) { return concat({be16(value >> 16), be16(value & 0xffff)}); }

bytes tlv(std::uint8_t type, const bytes& value) { return concat({{std::byte{type}}, be16(value.size()), value}); }

bytes tlv(std::uint8_t type, std::string_view value) { return tlv(type, text(value)); }

bytes signature() { return {proxy_v2_signature.begin(), proxy_v2_signature.end()}; }

// A v2 header written by hand from the spec (2.2), independently of the encoder; `length`
// overrides the 16-bit length field to make it lie.
bytes v2(std::uint8_t ver_cmd, std::uint8_t family, const bytes& body, std::optional<std::size_t> length = {}) {
  return concat({signature(), {std::byte{ver_cmd}, std::byte{family}}, be16(length.value_or(body.size())), body});
}

// CRC32C bit by bit (RFC 4960 appendix B), to check the table-driven one.
std::uint32_t slow_crc32c(const bytes& data) {
  std::uint32_t crc = 0xffffffff;
  for (std::byte b : data) {
    crc ^= std::to_integer<std::uint32_t>(b);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0x82F63B78u : 0);
    }
  }
  return ~crc;
}

// Fills in the CRC32C value at `at` as a sender must (spec 2.2.3): computed with it zeroed.
bytes with_crc(bytes header, std::size_t at) {
  bytes crc = be32(slow_crc32c(header));
  std::copy(crc.begin(), crc.end(), header.begin() + static_cast<std::ptrdiff_t>(at));
  return header;
}

bytes address_bytes(const char* address) {
  auto parsed = ip_address::parse(address);
  bytes out;
  for (std::size_t i = 0; i < (parsed->is_v6 ? 16u : 4u); ++i) {
    out.push_back(std::byte{parsed->bytes[i]});
  }
  return out;
}

// An IPv4 or IPv6 address block: both addresses, then both ports (spec 2.2, union proxy_addr).
bytes ip_block(const char* source, std::uint16_t source_port, const char* destination, std::uint16_t destination_port) {
  return concat({address_bytes(source), address_bytes(destination), be16(source_port), be16(destination_port)});
}

endpoint ip(const char* address, std::uint16_t port) {
  return endpoint{.address = *ip_address::parse(address), .port = port, .path = {}};
}

endpoint unix_path(std::string path) { return endpoint{.address = {}, .port = 0, .path = std::move(path)}; }

bytes sun_path(std::string_view path) {
  bytes out = text(path);
  out.resize(pp2_unix_path_size);
  return out;
}

bool same(const proxy_parse_step& a, const proxy_parse_step& b) {
  return a.result == b.result && a.consumed == b.consumed && a.header == b.header && a.error == b.error;
}

std::string describe(const proxy_parse_step& step) {
  static constexpr const char* names[] = {"need_more", "done", "invalid", "not_proxy"};
  return std::string(names[static_cast<int>(step.result)]) + " consumed " + std::to_string(step.consumed) + " " +
         ::testing::PrintToString(step.header) + " '" + step.error + "'";
}

// The answer for every prefix of input, as a connection would see it whatever the reads: once
// it is not need_more, every longer prefix gives the same answer, which is the one-shot answer.
// Returns the one-shot answer and how many bytes it took to decide.
struct decided {
  proxy_parse_step step;
  std::size_t at = 0;
};

decided parse_every_prefix(const bytes& input, proxy_mode mode) {
  proxy_parse_step whole = parse_proxy_header(input, mode);
  std::optional<decided> first;
  for (std::size_t size = 0; size <= input.size(); ++size) {
    proxy_parse_step step = parse_proxy_header(std::span(input).first(size), mode);
    if (!first) {
      if (step.result != outcome::need_more) {
        first = decided{step, size};
        EXPECT_TRUE(same(step, whole)) << "decided at byte " << size << " as " << describe(step)
                                       << ", all at once: " << describe(whole);
      } else {
        EXPECT_TRUE(step.error.empty() && step.consumed == 0) << describe(step);
      }
    } else if (!same(step, first->step)) {
      ADD_FAILURE() << "decided at byte " << first->at << " as " << describe(first->step) << ", at byte " << size
                    << " as " << describe(step);
      break;
    }
  }
  return first.value_or(decided{whole, input.size()});
}

// A header that parses, and is decided exactly when its last byte arrives, in every mode that
// takes its version; application bytes after it are left alone.
proxy_header parse_ok(const bytes& input, proxy_mode mode = proxy_mode::any) {
  bytes followed = concat({input, text("GET / HTTP/1.1\r\n\r\n")});
  decided result = parse_every_prefix(followed, mode);
  EXPECT_EQ(result.step.result, outcome::done) << describe(result.step);
  EXPECT_EQ(result.step.consumed, input.size());
  EXPECT_EQ(result.at, input.size()) << "decided before the whole header was there";
  return result.step.header;
}

// The reason a header is invalid, checked for every prefix; `at` is where it must be decided.
std::string parse_error(const bytes& input, std::optional<std::size_t> at = {}, proxy_mode mode = proxy_mode::any) {
  decided result = parse_every_prefix(input, mode);
  EXPECT_EQ(result.step.result, outcome::invalid) << describe(result.step);
  if (at) {
    EXPECT_EQ(result.at, *at);
  }
  return result.step.error;
}

bytes encode_v1(const proxy_header& header) {
  auto encoded = encode_proxy_v1(header);
  EXPECT_TRUE(encoded.ok()) << (encoded.ok() ? "" : encoded.error().message);
  return encoded.ok() ? *encoded : bytes{};
}

bytes encode_v2(const proxy_header& header) {
  auto encoded = encode_proxy_v2(header);
  EXPECT_TRUE(encoded.ok()) << (encoded.ok() ? "" : encoded.error().message);
  return encoded.ok() ? *encoded : bytes{};
}

std::string encode_error(const proxy_header& header, int version = 2) {
  auto encoded = version == 1 ? encode_proxy_v1(header) : encode_proxy_v2(header);
  EXPECT_FALSE(encoded.ok());
  return encoded.ok() ? "" : encoded.error().message;
}

// ---- CRC32C ----

TEST(ProxyCrc32c, MatchesTheKnownVectors) {
  // The check value of the CRC catalogue, and RFC 3720 appendix B.4's vectors.
  EXPECT_EQ(crc32c(0, text("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(0, bytes(32, std::byte{0})), 0x8A9136AAu);
  EXPECT_EQ(crc32c(0, bytes(32, std::byte{0xff})), 0x62A8AB43u);
  bytes ascending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<std::byte>(i));
  }
  EXPECT_EQ(crc32c(0, ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(0, {}), 0u);
}

TEST(ProxyCrc32c, ContinuesAcrossPieces) {
  bytes data = text("The quick brown fox jumps over the lazy dog");
  for (std::size_t split = 0; split <= data.size(); ++split) {
    std::span<const std::byte> all(data);
    EXPECT_EQ(crc32c(crc32c(0, all.first(split)), all.subspan(split)), slow_crc32c(data));
  }
}

// ---- telling a header from a direct client ----

TEST(ProxyDetect, OtherProtocolsAreNotProxyAtTheFirstByte) {
  for (std::string_view opening : {"GET / HTTP/1.1\r\n"sv, "\x16\x03\x01\x02\x00"sv, "SSH-2.0-OpenSSH_9.2\r\n"sv,
                                   "\x10\x1a\x00\x04MQTT"sv, "EHLO x\r\n"sv, "\n"sv, "\0"sv}) {
    for (proxy_mode mode : {proxy_mode::v1, proxy_mode::v2, proxy_mode::any}) {
      decided result = parse_every_prefix(text(opening), mode);
      EXPECT_EQ(result.step.result, outcome::not_proxy) << opening;
      EXPECT_EQ(result.at, 1u) << opening;
    }
  }
}

TEST(ProxyDetect, EmptyInputNeedsMore) {
  EXPECT_EQ(parse_proxy_header({}, proxy_mode::any).result, outcome::need_more);
}

TEST(ProxyDetect, NotProxyAtTheFirstByteThatStopsMatching) {
  struct example {
    std::string_view opening;
    std::size_t decided_at;
  };
  for (auto [opening, decided_at] :
       {example{"POST / HTTP/1.1\r\n", 2}, example{"PUT /x", 2}, example{"PROXZ TCP4", 5}, example{"PROXYTCP4", 6},
        example{"\r\nGET /", 3}, example{"\r\n\r\n\0\r\nQUIX\n"sv, 11}, example{"\r\n\r\n\x01"sv, 5}}) {
    decided result = parse_every_prefix(text(opening), proxy_mode::any);
    EXPECT_EQ(result.step.result, outcome::not_proxy) << opening;
    EXPECT_EQ(result.at, decided_at) << opening;
  }
}

TEST(ProxyDetect, AWholeOpeningOfTheOtherVersionIsInvalid) {
  bytes v1_line = text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  EXPECT_EQ(parse_error(v1_line, 6, proxy_mode::v2), "PROXY v1 header where version 2 is expected");
  bytes v2_header = v2(0x21, 0x11, ip_block("10.0.0.1", 1, "10.0.0.2", 2));
  EXPECT_EQ(parse_error(v2_header, 12, proxy_mode::v1), "PROXY v2 signature where version 1 is expected");
  // ... while each mode takes its own version.
  EXPECT_EQ(parse_ok(v1_line, proxy_mode::v1).version, 1);
  EXPECT_EQ(parse_ok(v2_header, proxy_mode::v2).version, 2);
  // A direct client is not_proxy in every mode.
  EXPECT_EQ(parse_proxy_header(text("POST /"), proxy_mode::v2).result, outcome::not_proxy);
  EXPECT_EQ(parse_proxy_header(text("\r\nX"), proxy_mode::v1).result, outcome::not_proxy);
}

// ---- version 1 (spec 2.1) ----

TEST(ProxyV1, ParsesTheSpecExample) {
  proxy_header header = parse_ok(text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
  EXPECT_EQ(header.version, 1);
  EXPECT_FALSE(header.local);
  EXPECT_EQ(header.family, proxy_family::inet);
  EXPECT_EQ(header.transport, proxy_transport::stream);
  EXPECT_EQ(header.source, ip("192.168.0.1", 56324));
  EXPECT_EQ(header.destination, ip("192.168.0.11", 443));
  EXPECT_TRUE(header.tlvs.empty());
}

TEST(ProxyV1, ParsesTheLongestLinesOfTheSpec) {
  bytes tcp4 = text("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
  EXPECT_EQ(tcp4.size(), 56u);
  EXPECT_EQ(parse_ok(tcp4).source, ip("255.255.255.255", 65535));

  std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  bytes tcp6 = text("PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n");
  EXPECT_EQ(tcp6.size(), 104u);
  proxy_header header = parse_ok(tcp6);
  EXPECT_EQ(header.family, proxy_family::inet6);
  EXPECT_EQ(header.destination, ip(all_f.c_str(), 65535));

  bytes unknown_worst = text("PROXY UNKNOWN " + all_f + " " + all_f + " 65535 65535\r\n");
  EXPECT_EQ(unknown_worst.size(), proxy_v1_max_size);
  EXPECT_TRUE(parse_ok(unknown_worst).local);
}

TEST(ProxyV1, UnknownMeansUseTheRealAddresses) {
  for (std::string_view line : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
                                "PROXY UNKNOWN whatever \x01\xff the sender likes\r\n"}) {
    proxy_header header = parse_ok(text(line));
    EXPECT_TRUE(header.local) << line;
    EXPECT_EQ(header.version, 1);
    EXPECT_EQ(header.family, proxy_family::unspecified);
    EXPECT_FALSE(header.source || header.destination);
  }
}

TEST(ProxyV1, AcceptsTheEdgesOfTheRanges) {
  proxy_header header = parse_ok(text("PROXY TCP4 0.0.0.0 1.2.3.4 0 65535\r\n"));
  EXPECT_EQ(header.source, ip("0.0.0.0", 0));
  EXPECT_EQ(header.destination, ip("1.2.3.4", 65535));
  header = parse_ok(text("PROXY TCP6 ::1 ::ffff:192.0.2.1 1 2\r\n"));
  EXPECT_EQ(header.source, ip("::1", 1));
  EXPECT_TRUE(header.destination->address.is_v6);
  EXPECT_EQ(parse_ok(text("PROXY TCP6 2001:DB8::A 2001:db8::b 3 4\r\n")).source, ip("2001:db8::a", 3));
}

TEST(ProxyV1, NamesTheBadField) {
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3.4 5.6.7.8 70000 80\r\n")), "PROXY v1: bad source port \"70000\"");
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\r\n")), "PROXY v1: bad destination port \"65536\"");
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")), "PROXY v1: bad source address \"1.2.3\" for TCP4");
  EXPECT_EQ(parse_error(text("PROXY TCP6 ::1 5.6.7.8 1 2\r\n")),
            "PROXY v1: bad destination address \"5.6.7.8\" for TCP6");
  EXPECT_EQ(parse_error(text("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")),
            "PROXY v1: unknown protocol \"UDP4\" (TCP4, TCP6 or UNKNOWN)");
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n")),
            "PROXY v1: TCP4 needs 4 fields after it, got 3 in \"PROXY TCP4 1.2.3.4\\x095.6.7.8 1 2\"");
}

TEST(ProxyV1, RejectsEveryMalformedLine) {
  for (std::string_view line : {
           "PROXY TCP4 1.2.3.4 5.6.7.8 +80 443\r\n",       // a sign
           "PROXY TCP4 1.2.3.4 5.6.7.8 -1 443\r\n",        //
           "PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n",       // heading zero
           "PROXY TCP4 1.2.3.4 5.6.7.8 00 443\r\n",        //
           "PROXY TCP4 1.2.3.4 5.6.7.8 0x50 443\r\n",      //
           "PROXY TCP4 1.2.3.4 5.6.7.8 123456 443\r\n",    //
           "PROXY TCP4 1.2.3.4 5.6.7.8 80 \r\n",           // empty port
           "PROXY TCP4 1.2.3.4 5.6.7.8  80 443\r\n",       // two spaces
           "PROXY TCP4 1.2.3.4 5.6.7.8 80 443 \r\n",       // trailing space
           "PROXY TCP4  1.2.3.4 5.6.7.8 80 443\r\n",       //
           "PROXY  TCP4 1.2.3.4 5.6.7.8 80 443\r\n",       //
           "PROXY TCP4 1.2.3.4 5.6.7.8 80 443 9\r\n",      // a field too many
           "PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n",            // one too few
           "PROXY TCP4\r\n",                               //
           "PROXY TCP4 \r\n",                              //
           "PROXY \r\n",                                   //
           "PROXY tcp4 1.2.3.4 5.6.7.8 80 443\r\n",        // case
           "PROXY UNKNOWNX\r\n",                           //
           "PROXY TCP4 01.2.3.4 5.6.7.8 80 443\r\n",       // octal-looking
           "PROXY TCP4 256.2.3.4 5.6.7.8 80 443\r\n",      //
           "PROXY TCP4 1.2.3.4.5 5.6.7.8 80 443\r\n",      //
           "PROXY TCP4 ::1 ::1 80 443\r\n",                // family mismatch
           "PROXY TCP6 1.2.3.4 ::1 80 443\r\n",            //
           "PROXY TCP6 [::1] ::1 80 443\r\n",              //
           "PROXY TCP6 ::1%eth0 ::1 80 443\r\n",           //
           "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 80 443\r\n",  // more than 128 bits
       }) {
    std::string error = parse_error(text(line));
    EXPECT_EQ(error.rfind("PROXY v1: ", 0), 0u) << line << " gave " << error;
  }
}

TEST(ProxyV1, OnlyCrlfEndsTheLine) {
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\n"), 34),
            "PROXY v1: line ends with a bare LF at byte 33 (CRLF expected)");
  EXPECT_EQ(parse_error(text("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\rX\n"), 35),
            "PROXY v1: CR not followed by LF at byte 33");
  EXPECT_EQ(parse_error(text("PROXY UNKNOWN\n\r\n"), 14),
            "PROXY v1: line ends with a bare LF at byte 13 (CRLF expected)");
}

TEST(ProxyV1, GivesUpWithoutCrlfIn107Bytes) {
  // A CR at byte 105 and its LF at 106 is the longest line; without it, byte 106 decides.
  std::string padding(proxy_v1_max_size, 'x');
  EXPECT_EQ(parse_error(text("PROXY UNKNOWN " + padding), proxy_v1_max_size - 1),
            "PROXY v1: no CRLF in the first 107 bytes");
  std::string longest = "PROXY UNKNOWN " + std::string(proxy_v1_max_size - 16, 'x') + "\r\n";
  EXPECT_EQ(longest.size(), proxy_v1_max_size);
  parse_ok(text(longest));
  std::string too_long = "PROXY UNKNOWN " + std::string(proxy_v1_max_size - 15, 'x') + "\r\n";
  parse_error(text(too_long), proxy_v1_max_size - 1);
}

// ---- version 2 (spec 2.2) ----

// What HAProxy 2.x sends with
//   server s 10.0.0.2:443 send-proxy-v2 proxy-v2-options unique-id,crc32c,authority,ssl,ssl-cipher,cert-cn
// for an h2 client over TLS 1.3 with a client certificate: the order of its make_proxy_line_v2.
bytes haproxy_tls_header() {
  bytes ssl_value = concat({{std::byte{0x07}},
                            be32(0),
                            tlv(pp2_subtype_ssl_version, "TLSv1.3"),
                            tlv(pp2_subtype_ssl_cn, "client.example.com"),
                            tlv(pp2_subtype_ssl_cipher, "TLS_AES_256_GCM_SHA384")});
  bytes addresses = ip_block("192.0.2.10", 51234, "10.0.0.2", 443);
  bytes tlvs =
      concat({tlv(pp2_type_crc32c, bytes(4)), tlv(pp2_type_alpn, "h2"), tlv(pp2_type_authority, "example.com"),
              tlv(pp2_type_unique_id, "C0A8000A:C822_0A000002:01BB_65F1A2B3_0001:1234"), tlv(pp2_type_ssl, ssl_value)});
  return with_crc(v2(0x21, 0x11, concat({addresses, tlvs})), 16 + 12 + 3);
}

TEST(ProxyV2, ParsesWhatHaproxySendsWithEveryOption) {
  proxy_header header = parse_ok(haproxy_tls_header());
  EXPECT_EQ(header.version, 2);
  EXPECT_FALSE(header.local);
  EXPECT_EQ(header.family, proxy_family::inet);
  EXPECT_EQ(header.transport, proxy_transport::stream);
  EXPECT_EQ(header.source, ip("192.0.2.10", 51234));
  EXPECT_EQ(header.destination, ip("10.0.0.2", 443));
  EXPECT_TRUE(header.has_crc32c);
  EXPECT_EQ(header.alpn, "h2");
  EXPECT_EQ(header.authority, "example.com");
  EXPECT_EQ(header.unique_id, "C0A8000A:C822_0A000002:01BB_65F1A2B3_0001:1234");
  ASSERT_TRUE(header.ssl);
  EXPECT_EQ(header.ssl->client,
            proxy_ssl_info::client_ssl | proxy_ssl_info::client_cert_conn | proxy_ssl_info::client_cert_sess);
  EXPECT_EQ(header.ssl->verify, 0u);
  EXPECT_EQ(header.ssl->version, "TLSv1.3");
  EXPECT_EQ(header.ssl->cn, "client.example.com");
  EXPECT_EQ(header.ssl->cipher, "TLS_AES_256_GCM_SHA384");
  EXPECT_FALSE(header.ssl->sig_alg || header.ssl->key_alg || header.netns);
  EXPECT_TRUE(header.tlvs.empty());
}

TEST(ProxyV2, TheEncoderWritesWhatHaproxyWrites) {
  proxy_header header = parse_ok(haproxy_tls_header());
  EXPECT_EQ(encode_v2(header), haproxy_tls_header());
}

TEST(ProxyV2, ParsesHaproxyHealthChecks) {
  // LOCAL with AF_UNSPEC and no address; with crc32c, the checksum TLV follows directly.
  proxy_header header = parse_ok(v2(0x20, 0x00, {}));
  EXPECT_TRUE(header.local);
  EXPECT_EQ(header.family, proxy_family::unspecified);
  EXPECT_FALSE(header.source || header.destination);
  header = parse_ok(with_crc(v2(0x20, 0x00, tlv(pp2_type_crc32c, bytes(4))), 19));
  EXPECT_TRUE(header.local && header.has_crc32c);
}

TEST(ProxyV2, LocalDiscardsTheAddressesButReadsTheTlvs) {
  // "Receivers MUST always consider this field to skip the appropriate number of bytes".
  bytes addresses = ip_block("10.0.0.1", 1, "10.0.0.2", 2);
  proxy_header header = parse_ok(v2(0x20, 0x11, concat({addresses, tlv(pp2_type_authority, "a.example")})));
  EXPECT_TRUE(header.local);
  EXPECT_EQ(header.family, proxy_family::unspecified);
  EXPECT_FALSE(header.source || header.destination);
  EXPECT_EQ(header.authority, "a.example");
}

TEST(ProxyV2, ParsesEveryFamily) {
  proxy_header udp4 = parse_ok(v2(0x21, 0x12, ip_block("10.1.2.3", 1000, "10.3.2.1", 2000)));
  EXPECT_EQ(udp4.family, proxy_family::inet);
  EXPECT_EQ(udp4.transport, proxy_transport::dgram);
  EXPECT_EQ(udp4.source, ip("10.1.2.3", 1000));
  EXPECT_EQ(udp4.destination, ip("10.3.2.1", 2000));

  bytes v6_block = ip_block("2001:db8::1", 443, "2001:db8::2", 65535);
  for (std::uint8_t family : {0x21, 0x22}) {
    proxy_header header = parse_ok(v2(0x21, family, v6_block));
    EXPECT_EQ(header.family, proxy_family::inet6);
    EXPECT_EQ(header.transport, family == 0x21 ? proxy_transport::stream : proxy_transport::dgram);
    EXPECT_EQ(header.source, ip("2001:db8::1", 443));
    EXPECT_EQ(header.destination, ip("2001:db8::2", 65535));
  }

  for (std::uint8_t family : {0x31, 0x32}) {
    proxy_header header = parse_ok(v2(0x21, family, concat({sun_path("/run/client.sock"), sun_path("/run/app.sock")})));
    EXPECT_EQ(header.family, proxy_family::unix_socket);
    EXPECT_EQ(header.transport, family == 0x31 ? proxy_transport::stream : proxy_transport::dgram);
    EXPECT_EQ(header.source, unix_path("/run/client.sock"));
    EXPECT_EQ(header.destination, unix_path("/run/app.sock"));
  }

  // PROXY with AF_UNSPEC: nothing to take, the receiver uses the real addresses.
  proxy_header unspecified = parse_ok(v2(0x21, 0x00, {}));
  EXPECT_FALSE(unspecified.local);
  EXPECT_EQ(unspecified.family, proxy_family::unspecified);
  EXPECT_FALSE(unspecified.source || unspecified.destination);
}

TEST(ProxyV2, UnixPathsNamedUnnamedAndAbstract) {
  bytes full(pp2_unix_path_size, std::byte{'a'});  // a sun_path may fill all 108 bytes
  bytes abstract = concat({{std::byte{0}}, text("polyport\0x"sv), bytes(pp2_unix_path_size - 11)});
  proxy_header header = parse_ok(v2(0x21, 0x31, concat({bytes(pp2_unix_path_size), full})));
  EXPECT_FALSE(header.source);  // a client's socket is usually unnamed
  EXPECT_EQ(header.destination, unix_path(std::string(pp2_unix_path_size, 'a')));
  header = parse_ok(v2(0x21, 0x31, concat({abstract, sun_path("/tmp/x\0garbage after the end"sv)})));
  EXPECT_EQ(header.source, unix_path(std::string("@polyport\0x"sv)));
  EXPECT_EQ(header.destination, unix_path("/tmp/x"));
  EXPECT_EQ(parse_ok(encode_v2(header)), header);
  // A file named "@..." reads as an abstract name, which the encoder writes as one: the same
  // header either way. "@" alone stays a file: an empty abstract name would be all NULs.
  header = parse_ok(v2(0x21, 0x31, concat({sun_path("@"), sun_path("@x")})));
  EXPECT_EQ(header.source, unix_path("@"));
  EXPECT_EQ(header.destination, unix_path("@x"));
  bytes encoded = encode_v2(header);
  EXPECT_EQ(encoded[16], std::byte{'@'});
  EXPECT_EQ(encoded[16 + pp2_unix_path_size], std::byte{0});
  EXPECT_EQ(parse_ok(encoded), header);
}

TEST(ProxyV2, KeepsUnregisteredTlvsInOrderAndDropsNoop) {
  // AWS NLB's PP2_TYPE_AWS (0xEA) with its VPC endpoint id subtype, GCP's 0xE0, and padding.
  bytes aws = concat({{std::byte{0x01}}, text("vpce-08d2bf15fac5001c9")});
  bytes body = concat({ip_block("10.0.0.1", 1, "10.0.0.2", 2), tlv(0xEA, aws), tlv(pp2_type_noop, bytes(5)),
                       tlv(0xE0, bytes{std::byte{0}, std::byte{1}}), tlv(0xEA, bytes{}), tlv(pp2_type_noop, bytes{})});
  proxy_header header = parse_ok(v2(0x21, 0x11, body));
  ASSERT_EQ(header.tlvs.size(), 3u);
  EXPECT_EQ(header.tlvs[0], (proxy_tlv{0xEA, aws}));
  EXPECT_EQ(header.tlvs[1], (proxy_tlv{0xE0, {std::byte{0}, std::byte{1}}}));
  EXPECT_EQ(header.tlvs[2], (proxy_tlv{0xEA, {}}));
}

TEST(ProxyV2, SkipsUnknownSslSubTlvsAndAcceptsAnEmptySsl) {
  bytes ssl = concat({{std::byte{0x01}},
                      be32(18),
                      tlv(0x2F, "future"),
                      tlv(pp2_subtype_ssl_sig_alg, "RSA-SHA256"),
                      tlv(pp2_subtype_ssl_key_alg, "RSA2048")});
  proxy_header header = parse_ok(v2(0x21, 0x00, concat({tlv(pp2_type_ssl, ssl), tlv(pp2_type_netns, "blue")})));
  ASSERT_TRUE(header.ssl);
  EXPECT_EQ(header.ssl->client, proxy_ssl_info::client_ssl);
  EXPECT_EQ(header.ssl->verify, 18u);
  EXPECT_EQ(header.ssl->sig_alg, "RSA-SHA256");
  EXPECT_EQ(header.ssl->key_alg, "RSA2048");
  EXPECT_FALSE(header.ssl->version);
  EXPECT_EQ(header.netns, "blue");
  // HAProxy's ssl option on a plain connection: client 0, verify 0, no sub-TLV.
  header = parse_ok(v2(0x21, 0x00, tlv(pp2_type_ssl, bytes(5))));
  EXPECT_EQ(header.ssl, proxy_ssl_info{});
}

TEST(ProxyV2, AUniqueIdHasAtMost128Bytes) {
  EXPECT_EQ(parse_ok(v2(0x21, 0x00, tlv(pp2_type_unique_id, std::string(128, 'u')))).unique_id, std::string(128, 'u'));
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_unique_id, std::string(129, 'u')))),
            "PROXY v2: PP2_TYPE_UNIQUE_ID of 129 bytes, at most 128 allowed (spec 2.2.5)");
}

TEST(ProxyV2, JudgesEachFixedByteAsItArrives) {
  EXPECT_EQ(parse_error(v2(0x11, 0x00, {}), 13), "PROXY v2: version 1 (byte 12 is 0x11), 2 expected");
  EXPECT_EQ(parse_error(v2(0x31, 0x00, {}), 13), "PROXY v2: version 3 (byte 12 is 0x31), 2 expected");
  EXPECT_EQ(parse_error(v2(0x22, 0x00, {}), 13), "PROXY v2: unknown command 0x2 (0 LOCAL or 1 PROXY)");
  for (std::uint8_t family : {0x01, 0x10, 0x13, 0x23, 0x30, 0x41, 0xff}) {
    EXPECT_EQ(parse_error(v2(0x21, family, bytes(300)), 14).rfind("PROXY v2: unknown address family", 0), 0u);
  }
  EXPECT_EQ(parse_error(v2(0x21, 0x11, bytes(11)), 16),
            "PROXY v2: length 11 cannot hold the 12-byte address block of family 0x11");
  EXPECT_EQ(parse_error(v2(0x21, 0x21, bytes(35)), 16),
            "PROXY v2: length 35 cannot hold the 36-byte address block of family 0x21");
  EXPECT_EQ(parse_error(v2(0x20, 0x31, bytes(0)), 16),
            "PROXY v2: length 0 cannot hold the 216-byte address block of family 0x31");
}

TEST(ProxyV2, RejectsTlvsThatDoNotFit) {
  bytes addresses(12);
  EXPECT_EQ(parse_error(v2(0x21, 0x11, concat({addresses, bytes{std::byte{0x01}, std::byte{0}}}))),
            "PROXY v2: truncated TLV at byte 28: 2 bytes left, a TLV needs at least 3");
  EXPECT_EQ(parse_error(v2(0x21, 0x11, concat({addresses, tlv(0x02, "abc"), bytes{std::byte{0xE1}}}))),
            "PROXY v2: truncated TLV at byte 34: 1 bytes left, a TLV needs at least 3");
  bytes overrun = concat({addresses, tlv(pp2_type_authority, "example.com")});
  overrun.pop_back();
  EXPECT_EQ(parse_error(v2(0x21, 0x11, overrun)), "PROXY v2: TLV 0x02 at byte 28 says 11 bytes but only 10 are left");
  bytes ssl_overrun = concat({bytes{std::byte{1}}, be32(0), tlv(pp2_subtype_ssl_version, "TLSv1.2")});
  ssl_overrun.pop_back();
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_ssl, ssl_overrun))),
            "PROXY v2: SSL sub-TLV 0x21 at byte 24 says 7 bytes but only 6 are left");
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_ssl, bytes(4)))),
            "PROXY v2: PP2_TYPE_SSL of 4 bytes, at least 5 expected");
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_ssl, bytes(6)))),
            "PROXY v2: truncated SSL sub-TLV at byte 24: 1 bytes left, a TLV needs at least 3");
}

TEST(ProxyV2, LengthsThatLie) {
  bytes honest = v2(0x21, 0x11, concat({bytes(12), tlv(pp2_type_authority, "example.com")}));
  // Longer than what came: wait, whatever follows (the peer may still be sending).
  bytes longer = v2(0x21, 0x11, concat({bytes(12), tlv(pp2_type_authority, "example.com")}), 40);
  EXPECT_EQ(parse_proxy_header(longer, proxy_mode::any).result, outcome::need_more);
  // Shorter: the TLV overruns the header, even though the bytes are there.
  bytes shorter = v2(0x21, 0x11, concat({bytes(12), tlv(pp2_type_authority, "example.com")}), 20);
  EXPECT_EQ(parse_error(shorter, 36), "PROXY v2: TLV 0x02 at byte 28 says 11 bytes but only 5 are left");
  // A TLV whose length field lies about a value that would stop at the header's end.
  bytes inner = v2(0x21, 0x00, concat({tlv(0x02, "ab"), bytes{std::byte{0xE0}, std::byte{0xff}, std::byte{0xff}}}));
  EXPECT_EQ(parse_error(inner), "PROXY v2: TLV 0xe0 at byte 21 says 65535 bytes but only 0 are left");
  parse_ok(honest);
}

TEST(ProxyV2, ChecksTheCrc32c) {
  bytes good = haproxy_tls_header();
  parse_ok(good);
  for (std::size_t flip : {std::size_t{13}, std::size_t{16}, std::size_t{27}, std::size_t{31}, good.size() - 1}) {
    bytes bad = good;
    bad[flip] ^= std::byte{0x01};
    std::string error = parse_error(bad);
    EXPECT_EQ(error.rfind(flip == 13 ? "PROXY v2: unknown address family" : "PROXY v2: CRC32C mismatch", 0), 0u)
        << "flipped byte " << flip << ": " << error;
  }
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_crc32c, bytes(3)))),
            "PROXY v2: PP2_TYPE_CRC32C of 3 bytes, 4 expected");
  bytes two = v2(0x21, 0x00, concat({tlv(pp2_type_crc32c, bytes(4)), tlv(pp2_type_crc32c, bytes(4))}));
  EXPECT_EQ(parse_error(with_crc(two, 19)), "PROXY v2: two PP2_TYPE_CRC32C TLVs");
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_crc32c, bytes(4))))
                .rfind("PROXY v2: CRC32C mismatch: the header says 0x00000000", 0),
            0u);
}

TEST(ProxyV2, ARegisteredTlvMayAppearOnce) {
  EXPECT_EQ(parse_error(v2(0x21, 0x00, concat({tlv(pp2_type_authority, "a"), tlv(pp2_type_authority, "b")}))),
            "PROXY v2: two PP2_TYPE_AUTHORITY TLVs");
  EXPECT_EQ(parse_error(v2(0x21, 0x00, concat({tlv(pp2_type_ssl, bytes(5)), tlv(pp2_type_ssl, bytes(5))}))),
            "PROXY v2: two PP2_TYPE_SSL TLVs");
  bytes ssl = concat({bytes(5), tlv(pp2_subtype_ssl_cn, "a"), tlv(pp2_subtype_ssl_cn, "b")});
  EXPECT_EQ(parse_error(v2(0x21, 0x00, tlv(pp2_type_ssl, ssl))), "PROXY v2: two PP2_SUBTYPE_SSL_CN TLVs");
}

TEST(ProxyV2, TheLongestHeader) {
  bytes big = v2(0x21, 0x11, concat({bytes(12), tlv(0xE5, bytes(0xffff - 12 - 3, std::byte{0x5a}))}));
  EXPECT_EQ(big.size(), proxy_v2_max_size);
  std::span<const std::byte> all(big);
  EXPECT_EQ(parse_proxy_header(all.first(big.size() - 1), proxy_mode::any).result, outcome::need_more);
  proxy_parse_step step = parse_proxy_header(all, proxy_mode::any);
  ASSERT_EQ(step.result, outcome::done) << step.error;
  EXPECT_EQ(step.consumed, proxy_v2_max_size);
  ASSERT_EQ(step.header.tlvs.size(), 1u);
  EXPECT_EQ(step.header.tlvs[0].value.size(), 0xffffu - 15);
  EXPECT_EQ(encode_v2(step.header), big);
}

// ---- encoding ----

TEST(ProxyEncode, V1WritesTheSpecLine) {
  proxy_header header;
  header.family = proxy_family::inet;
  header.transport = proxy_transport::stream;
  header.source = ip("192.168.0.1", 56324);
  header.destination = ip("192.168.0.11", 443);
  EXPECT_EQ(encode_v1(header), text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
  header.family = proxy_family::inet6;
  header.source = ip("2001:db8::1", 1);
  header.destination = ip("::ffff:10.0.0.1", 2);
  EXPECT_EQ(encode_v1(header), text("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 2\r\n"));
}

TEST(ProxyEncode, V1SaysUnknownForWhatItCannotCarry) {
  proxy_header local;
  local.local = true;
  local.family = proxy_family::inet;  // ignored, like the addresses, for LOCAL
  EXPECT_EQ(encode_v1(local), text("PROXY UNKNOWN\r\n"));
  EXPECT_EQ(encode_v1(proxy_header{}), text("PROXY UNKNOWN\r\n"));
  proxy_header udp;
  udp.family = proxy_family::inet;
  udp.transport = proxy_transport::dgram;
  udp.source = ip("10.0.0.1", 1);
  udp.destination = ip("10.0.0.2", 2);
  EXPECT_EQ(encode_v1(udp), text("PROXY UNKNOWN\r\n"));
  proxy_header unix_socket;
  unix_socket.family = proxy_family::unix_socket;
  unix_socket.transport = proxy_transport::stream;
  unix_socket.destination = unix_path("/run/app.sock");
  EXPECT_EQ(encode_v1(unix_socket), text("PROXY UNKNOWN\r\n"));
}

// Each family, and every TLV, through the encoder and back through the parser.
std::vector<proxy_header> every_kind_of_header() {
  std::vector<proxy_header> out;
  proxy_header local;
  local.local = true;
  out.push_back(local);
  out.push_back(proxy_header{});  // PROXY, AF_UNSPEC
  for (proxy_transport transport : {proxy_transport::stream, proxy_transport::dgram}) {
    proxy_header v4;
    v4.family = proxy_family::inet;
    v4.transport = transport;
    v4.source = ip("203.0.113.7", 40000);
    v4.destination = ip("198.51.100.1", 0);
    out.push_back(v4);
    proxy_header v6;
    v6.family = proxy_family::inet6;
    v6.transport = transport;
    v6.source = ip("2001:db8::7", 65535);
    v6.destination = ip("::", 8883);
    out.push_back(v6);
    proxy_header named;
    named.family = proxy_family::unix_socket;
    named.transport = transport;
    named.source = unix_path("/var/run/client.sock");
    named.destination = unix_path(std::string(pp2_unix_path_size, 'p'));
    out.push_back(named);
    proxy_header abstract = named;
    abstract.source.reset();
    abstract.destination = unix_path("@polyport");
    out.push_back(abstract);
  }
  std::size_t plain = out.size();
  for (std::size_t i = 0; i < plain; ++i) {
    proxy_header full = out[i];
    full.has_crc32c = true;
    full.alpn = "mqtt";
    full.authority = "broker.example.com";
    full.unique_id = std::string(128, '\xff');
    full.netns = "tenant-7";
    full.ssl = proxy_ssl_info{.client = 0x05,
                              .verify = 0xffffffff,
                              .version = "TLSv1.2",
                              .cn = "",
                              .cipher = "ECDHE-RSA-AES128-GCM-SHA256",
                              .sig_alg = "RSA-SHA256",
                              .key_alg = "RSA2048"};
    full.tlvs = {proxy_tlv{0xE0, {std::byte{1}}}, proxy_tlv{0xF7, {}}, proxy_tlv{0xE0, {std::byte{2}}}};
    out.push_back(full);
  }
  return out;
}

TEST(ProxyEncode, EveryKindOfHeaderRoundTripsThroughV2) {
  for (proxy_header header : every_kind_of_header()) {
    SCOPED_TRACE(::testing::PrintToString(header));
    proxy_header parsed = parse_ok(encode_v2(header), proxy_mode::v2);
    header.version = 2;
    EXPECT_EQ(parsed, header);
  }
}

TEST(ProxyEncode, EveryKindOfHeaderRoundTripsThroughV1AsFarAsV1Goes) {
  for (const proxy_header& header : every_kind_of_header()) {
    SCOPED_TRACE(::testing::PrintToString(header));
    proxy_header parsed = parse_ok(encode_v1(header), proxy_mode::v1);
    EXPECT_EQ(parsed.version, 1);
    bool tcp = !header.local && header.transport == proxy_transport::stream &&
               (header.family == proxy_family::inet || header.family == proxy_family::inet6);
    EXPECT_EQ(parsed.local, !tcp);
    if (tcp) {
      EXPECT_EQ(parsed.family, header.family);
      EXPECT_EQ(parsed.source, header.source);
      EXPECT_EQ(parsed.destination, header.destination);
    }
  }
}

TEST(ProxyEncode, RefusesWhatItCannotCarry) {
  proxy_header v4;
  v4.family = proxy_family::inet;
  v4.transport = proxy_transport::stream;
  v4.source = ip("10.0.0.1", 1);
  EXPECT_EQ(encode_error(v4), "cannot encode a PROXY header: the destination must be an IPv4 address");
  v4.destination = ip("::1", 2);
  EXPECT_EQ(encode_error(v4), "cannot encode a PROXY header: the destination must be an IPv4 address");
  EXPECT_EQ(encode_error(v4, 1), "cannot encode a PROXY header: the destination must be an IPv4 address");
  v4.destination = ip("10.0.0.2", 2);
  v4.transport = proxy_transport::unspecified;
  EXPECT_EQ(encode_error(v4), "cannot encode a PROXY header: a family needs a transport, stream or dgram");

  proxy_header unspecified;
  unspecified.source = ip("10.0.0.1", 1);
  EXPECT_EQ(encode_error(unspecified),
            "cannot encode a PROXY header: an unspecified family carries neither a transport nor addresses");

  proxy_header unix_socket;
  unix_socket.family = proxy_family::unix_socket;
  unix_socket.transport = proxy_transport::stream;
  for (const std::string& path : {std::string(), std::string(pp2_unix_path_size + 1, 'x'), std::string("/a\0b"sv)}) {
    unix_socket.source = unix_path(path);
    EXPECT_EQ(encode_error(unix_socket).rfind("cannot encode a PROXY header: the source must be a unix path", 0), 0u);
  }
}

TEST(ProxyEncode, RefusesTlvsTheParserWouldReject) {
  proxy_header header;
  header.unique_id = std::string(129, 'u');
  EXPECT_EQ(encode_error(header), "cannot encode a PROXY header: a unique id of 129 bytes (at most 128, spec 2.2.5)");
  header.unique_id.reset();
  header.tlvs = {proxy_tlv{pp2_type_authority, text("x")}};
  EXPECT_EQ(encode_error(header),
            "cannot encode a PROXY header: TLV type 2 is registered: set its proxy_header field instead");
  header.tlvs = {proxy_tlv{0xE0, bytes(0x10000)}};
  EXPECT_EQ(encode_error(header), "cannot encode a PROXY header: a TLV value of 65536 bytes (at most 65535)");
  header.tlvs = {proxy_tlv{0xE0, bytes(0xffff - 3)}, proxy_tlv{0xE1, {}}};
  EXPECT_EQ(encode_error(header), "cannot encode a PROXY header: addresses and TLVs of 65538 bytes (at most 65535)");
  header.tlvs.pop_back();
  EXPECT_EQ(encode_v2(header).size(), proxy_v2_max_size);
  header.tlvs.clear();
  header.ssl = proxy_ssl_info{};
  header.ssl->cn = std::string(0xffff - 5 - 3 + 1, 'c');
  EXPECT_EQ(encode_error(header), "cannot encode a PROXY header: a TLV value of 65536 bytes (at most 65535)");
}

}  // namespace
}  // namespace detail
}  // namespace polyport
