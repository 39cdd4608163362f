#include "dns/naptr_order.hpp"

#include <gtest/gtest.h>

namespace polyport::detail {
namespace {

class every_transport : public protocol {
 public:
  std::vector<transport> transports(std::string_view) const override {
    return {transport::udp, transport::tcp, transport::tls, transport::sctp};
  }
};

TEST(naptr_hook, the_default_follows_the_sip_convention_for_any_scheme) {
  protocol plain;
  EXPECT_EQ(plain.naptr("echo", "ECHO+D2U"), transport::udp);
  EXPECT_EQ(plain.naptr("echo", "echo+d2t"), transport::tcp);
  EXPECT_EQ(plain.naptr("echo", "ECHOS+D2T"), transport::tls);
  EXPECT_EQ(plain.naptr("echo", "ECHO+D2S"), transport::sctp);
  EXPECT_EQ(plain.naptr("echo", "ECHO+D2W"), transport::ws);
  EXPECT_EQ(plain.naptr("echo", "ECHOS+D2W"), transport::wss);
  EXPECT_EQ(plain.naptr("sip", "SIPS+D2T"), transport::tls);
  EXPECT_EQ(plain.naptr("sip", "ECHO+D2T"), std::nullopt);
  EXPECT_EQ(plain.naptr("echo", "ECHO+D2X"), std::nullopt);
}

TEST(naptr_order, terminal_records_by_order_then_preference) {
  every_transport handler;
  auto candidates = naptr_candidates(
      {
          {20, 10, "S", "SIP+D2U", "", "_sip._udp.example.test"},
          {10, 90, "s", "SIP+D2T", "", "_sip._tcp.example.test"},
          {10, 50, "S", "SIPS+D2T", "", "_sips._tcp.example.test"},
          {5, 10, "U", "SIP+D2T", "!^.*$!sip:x@example.test!", ""},  // not terminal
          {5, 10, "S", "XMPP+D2T", "", "_xmpp._tcp.example.test"},     // unknown service
          {5, 10, "S", "SIP+D2W", "", "_sip._ws.example.test"},        // transport not offered
      },
      handler, "sip");
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0], (srv_candidate{transport::tls, "_sips._tcp.example.test"}));
  EXPECT_EQ(candidates[1], (srv_candidate{transport::tcp, "_sip._tcp.example.test"}));
  EXPECT_EQ(candidates[2], (srv_candidate{transport::udp, "_sip._udp.example.test"}));
}

TEST(naptr_order, srv_names_without_naptr) {
  EXPECT_EQ(srv_name_for("echo", transport::udp, "h.test"), "_echo._udp.h.test");
  EXPECT_EQ(srv_name_for("echo", transport::tcp, "h.test"), "_echo._tcp.h.test");
  EXPECT_EQ(srv_name_for("echo", transport::tls, "h.test"), "_echos._tcp.h.test");
  EXPECT_EQ(srv_name_for("echo", transport::sctp, "h.test"), "_echo._sctp.h.test");
  EXPECT_EQ(srv_name_for("echo", transport::ws, "h.test"), std::nullopt);
}

}  // namespace
}  // namespace polyport::detail
