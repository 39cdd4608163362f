// The DNS engine against a real dnsmasq: A and AAAA, NAPTR then SRV then addresses in RFC 3263
// order, SRV per offered transport when there is no NAPTR, CNAMEs, negative answers and failures
// named by name, the cache outliving the server, and a silent server timing out. CNAME loops are
// tested on crafted answers (answer_parser_test, the fuzz corpus): dnsmasq refuses to serve one.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "peers/dnsmasq_server.hpp"
#include "polyport/runtime.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A SIP-like protocol: every transport the DNS rules know, with SIP's default ports.
class sip_like : public protocol {
 public:
  std::vector<transport> transports(std::string_view) const override {
    return {transport::udp, transport::tcp, transport::tls, transport::sctp};
  }
  std::optional<std::uint16_t> default_port(transport t) const override {
    return static_cast<std::uint16_t>(t == transport::tls ? 5061 : 5060);
  }
};

const std::vector<std::string> zone = {
    "host-record=a1.example.test,127.0.0.1,::1",
    "host-record=a2.example.test,127.0.0.2",
    "host-record=a3.example.test,127.0.0.3",
    "cname=alias.example.test,a2.example.test",
    // NAPTR: a non-terminal record and an unknown service are skipped; order, then preference.
    "naptr-record=example.test,5,10,U,SIP+D2T,!^.*$!sip:info@example.test!,",
    "naptr-record=example.test,6,10,S,XMPP+D2T,,_xmpp._tcp.example.test",
    "naptr-record=example.test,20,50,S,SIP+D2U,,_sip._udp.example.test",
    "naptr-record=example.test,10,50,S,SIPS+D2T,,_sips._tcp.example.test",
    "naptr-record=example.test,20,10,S,SIP+D2T,,_sip._tcp.example.test",
    "srv-host=_sips._tcp.example.test,a2.example.test,5061,10,10",
    "srv-host=_sip._tcp.example.test,a3.example.test,5062,20,10",
    "srv-host=_sip._tcp.example.test,a2.example.test,5060,10,10",
    "srv-host=_sip._udp.example.test,a3.example.test,5070,10,10",
    // No NAPTR: SRV for each offered transport, in the protocol's order.
    "srv-host=_sip._sctp.plain.example.test,a3.example.test,5080,10,10",
    "srv-host=_sips._tcp.plain.example.test,a2.example.test,5081,10,10",
    "srv-host=_sip._udp.plain.example.test,a1.example.test,5082,10,10",
    "srv-host=_sip._udp.noaddr.example.test,missing.example.test,5060,10,10",
    "srv-host=_sip._udp.closed.example.test",  // target ".": not offered
};

class dns_resolve : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dns_.ready()); }

  runtime_options settings() const {
    runtime_options chosen{.workers = 2};
    chosen.dns_servers.push_back(endpoint{*ip_address::parse("127.0.0.1"), dns_.port(), {}});
    return chosen;
  }

  std::vector<std::string> resolve(const std::string& url, const options& overrides = {}) {
    auto found = rt_.resolve(url, overrides).get();
    if (!found) {
      return {"error: " + found.error().message};
    }
    std::vector<std::string> lines;
    for (const destination& d : *found) {
      lines.push_back(d.to_string());
    }
    return lines;
  }

  dnsmasq_server dns_{zone};
  runtime rt_{settings()};
  void register_sip() { rt_.register_protocol("sip", std::make_shared<sip_like>()); }
};

TEST_F(dns_resolve, a_name_with_a_port_gives_its_a_and_aaaa_addresses) {
  register_sip();
  EXPECT_THAT(resolve("sip://a1.example.test:99"), ElementsAre("udp 127.0.0.1:99", "udp [::1]:99"));
  EXPECT_THAT(resolve("sip://a1.example.test:99;transport=tcp"), ElementsAre("tcp 127.0.0.1:99", "tcp [::1]:99"));
}

TEST_F(dns_resolve, naptr_then_srv_then_addresses_in_rfc3263_order) {
  register_sip();
  EXPECT_THAT(resolve("sip://example.test"), ElementsAre("tls 127.0.0.2:5061", "tcp 127.0.0.2:5060",
                                                          "tcp 127.0.0.3:5062", "udp 127.0.0.3:5070"));
}

TEST_F(dns_resolve, without_naptr_srv_is_asked_for_every_offered_transport_in_order) {
  register_sip();
  EXPECT_THAT(resolve("sip://plain.example.test"), ElementsAre("udp 127.0.0.1:5082", "udp [::1]:5082",
                                                                "tls 127.0.0.2:5081", "sctp 127.0.0.3:5080"));
  EXPECT_THAT(resolve("sip://plain.example.test;transport=tls"), ElementsAre("tls 127.0.0.2:5081"));
}

TEST_F(dns_resolve, without_naptr_or_srv_the_addresses_take_the_default_port) {
  register_sip();
  EXPECT_THAT(resolve("sip://a2.example.test"), ElementsAre("udp 127.0.0.2:5060"));
  EXPECT_THAT(resolve("sip://a2.example.test;transport=tls"), ElementsAre("tls 127.0.0.2:5061"));
}

TEST_F(dns_resolve, a_cname_is_followed) {
  register_sip();
  EXPECT_THAT(resolve("sip://alias.example.test:7"), ElementsAre("udp 127.0.0.2:7"));
}

TEST_F(dns_resolve, failures_name_the_name_and_why) {
  register_sip();
  EXPECT_THAT(resolve("sip://nope.example.test"),
              ElementsAre("error: cannot resolve \"nope.example.test\": no such name (NXDOMAIN)"));
  EXPECT_THAT(resolve("sip://noaddr.example.test"),
              ElementsAre("error: cannot resolve \"missing.example.test\" (SRV target of "
                          "\"_sip._udp.noaddr.example.test\"): no such name (NXDOMAIN)"));
  EXPECT_THAT(resolve("sip://closed.example.test"),
              ElementsAre("error: cannot resolve \"closed.example.test\": the service is not offered here "
                          "(SRV target \".\")"));
  // Outside its zone dnsmasq refuses (it never forwards).
  EXPECT_THAT(resolve("sip://elsewhere.test:1"),
              ElementsAre("error: cannot resolve \"elsewhere.test\": A query: refused by the DNS server"));
}

TEST_F(dns_resolve, answers_stay_cached_after_the_server_stops_unless_no_dns_cache) {
  register_sip();
  EXPECT_THAT(resolve("sip://a3.example.test:1"), ElementsAre("udp 127.0.0.3:1"));
  dns_.stop();
  EXPECT_THAT(resolve("sip://a3.example.test:1"), ElementsAre("udp 127.0.0.3:1"));
  auto fresh = resolve("sip://a3.example.test:1;no_dns_cache");
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_THAT(fresh[0], HasSubstr("cannot resolve \"a3.example.test\""));
}

TEST_F(dns_resolve, negative_answers_are_cached_too) {
  register_sip();
  const std::string nxdomain = "error: cannot resolve \"nope.example.test\": no such name (NXDOMAIN)";
  EXPECT_THAT(resolve("sip://nope.example.test:1"), ElementsAre(nxdomain));
  dns_.stop();
  // dnsmasq's SOA gives the NXDOMAIN 60 s of life: the stopped server is not asked again.
  EXPECT_THAT(resolve("sip://nope.example.test:1"), ElementsAre(nxdomain));
}

TEST(dns_timeout, a_silent_server_times_out_and_the_error_names_the_name) {
  int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);
  runtime_options chosen{.workers = 1};
  chosen.dns_servers.push_back(endpoint{*ip_address::parse("127.0.0.1"), ntohs(address.sin_port), {}});
  chosen.dns_timeout = 200ms;
  chosen.dns_tries = 1;
  runtime rt(chosen);
  rt.register_protocol("sip", std::make_shared<sip_like>());
  auto found = rt.resolve("sip://quiet.example.test").get();
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message, "cannot resolve \"quiet.example.test\": NAPTR query: timed out");
  ::close(silent);
}

}  // namespace
}  // namespace polyport::testing
