#include "transport/dtls_record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace polyport::detail {
namespace {

std::span<const std::byte> bytes(const std::string& text) { return std::as_bytes(std::span(text.data(), text.size())); }

// A record header: type, DTLS 1.2, epoch, sequence number 0, then the body.
std::string record(char type, std::uint16_t epoch, const std::string& body) {
  std::string out{type, '\xfe', '\xfd', static_cast<char>(epoch >> 8), static_cast<char>(epoch & 0xFF), 0, 0, 0, 0, 0, 0,
                  static_cast<char>(body.size() >> 8), static_cast<char>(body.size() & 0xFF)};
  return out + body;
}

TEST(dtls_record, tells_client_hellos_records_and_garbage_apart) {
  EXPECT_EQ(classify_dtls_datagram(bytes(record(22, 0, std::string("\x01rest", 5)))), dtls_datagram_kind::client_hello);
  EXPECT_EQ(classify_dtls_datagram(bytes(record(22, 0, std::string("\x02rest", 5)))), dtls_datagram_kind::records)
      << "a ServerHello is not a ClientHello";
  EXPECT_EQ(classify_dtls_datagram(bytes(record(22, 1, std::string("\x01rest", 5)))), dtls_datagram_kind::records)
      << "an encrypted handshake record of epoch 1";
  EXPECT_EQ(classify_dtls_datagram(bytes(record(23, 1, "data"))), dtls_datagram_kind::records);
  EXPECT_EQ(classify_dtls_datagram(bytes(record(20, 0, "\x01") + record(22, 1, "fin"))), dtls_datagram_kind::records)
      << "several records in one datagram";
}

TEST(dtls_record, garbage_cut_and_overrunning_records_are_garbage) {
  EXPECT_EQ(classify_dtls_datagram({}), dtls_datagram_kind::garbage);
  EXPECT_EQ(classify_dtls_datagram(bytes("GET / HTTP/1.1\r\n\r\n")), dtls_datagram_kind::garbage);
  EXPECT_EQ(classify_dtls_datagram(bytes(record(24, 0, "x"))), dtls_datagram_kind::garbage) << "heartbeat is not DTLS 1.2 here";
  EXPECT_EQ(classify_dtls_datagram(bytes(record(19, 0, "x"))), dtls_datagram_kind::garbage);
  std::string tls = record(23, 0, "data");
  tls[1] = '\x03';  // a TLS version, not DTLS
  EXPECT_EQ(classify_dtls_datagram(bytes(tls)), dtls_datagram_kind::garbage);
  std::string whole = record(23, 1, "data");
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    EXPECT_EQ(classify_dtls_datagram(bytes(whole.substr(0, cut))), dtls_datagram_kind::garbage) << "cut at " << cut;
  }
  EXPECT_EQ(classify_dtls_datagram(bytes(whole + "x")), dtls_datagram_kind::garbage) << "a trailing byte";
}

TEST(dtls_record, the_mtu_fits_one_message_of_udp_max_size_in_one_record) {
  EXPECT_EQ(dtls_mtu_for(1300), 1300u + 13 + 16 + 48);
  EXPECT_EQ(dtls_mtu_for(10), 576u);
  EXPECT_GT(dtls_max_datagram, dtls_mtu_for(dtls_max_plaintext));
}

}  // namespace
}  // namespace polyport::detail
