#include "dns/uri_resolution.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_dns_source.hpp"

namespace polyport::detail {
namespace {

using ::testing::ElementsAre;

class sip_like : public protocol {
 public:
  std::vector<transport> transports(std::string_view) const override {
    return {transport::udp, transport::tcp, transport::tls, transport::sctp};
  }
  std::optional<std::uint16_t> default_port(transport t) const override {
    return static_cast<std::uint16_t>(t == transport::tls ? 5061 : 5060);
  }
};

class uri_resolution_test : public ::testing::Test {
 protected:
  resolve_request request(const std::string& host) {
    resolve_request r;
    r.scheme = "sip";
    r.host = host;
    r.kind = ip_address::parse(host) ? host_kind::ipv4 : host_kind::name;
    r.handler = std::make_shared<sip_like>();
    return r;
  }
  std::vector<std::string> resolve(resolve_request r) {
    std::vector<std::string> lines;
    resolve_uri(lookup_, random_, std::move(r), [&](result<std::vector<destination>> found) {
      if (!found) {
        lines.push_back("error: " + found.error().message);
        return;
      }
      for (const destination& d : *found) {
        lines.push_back(d.to_string());
      }
    });
    return lines;
  }

  testing::fake_dns_source source_;
  dns_cache cache_;
  dns_lookup lookup_{source_, cache_};
  std::mt19937_64 random_{3};
};

TEST_F(uri_resolution_test, an_ip_literal_needs_no_dns) {
  EXPECT_THAT(resolve(request("10.0.0.1")), ElementsAre("udp 10.0.0.1:5060"));
  auto with_port = request("10.0.0.1");
  with_port.port = 7;
  with_port.transport = transport::tls;
  EXPECT_THAT(resolve(with_port), ElementsAre("tls 10.0.0.1:7"));
  EXPECT_TRUE(source_.asked.empty());
}

TEST_F(uri_resolution_test, naptr_leads_to_srv_then_addresses_across_transports) {
  source_.set_naptr("example.test", {{20, 10, "S", "SIP+D2T", "", "_sip._tcp.example.test"},
                                     {10, 10, "S", "SIPS+D2T", "", "_sips._tcp.example.test"}});
  source_.set_srv("_sips._tcp.example.test", {{10, 0, 5061, "b.example.test"}});
  source_.set_srv("_sip._tcp.example.test", {{20, 0, 5070, "a.example.test"}, {10, 0, 5060, "b.example.test"}});
  source_.set_addresses("a.example.test", {"10.0.0.1"}, {"fd00::1"});
  source_.set_addresses("b.example.test", {"10.0.0.2"});
  EXPECT_THAT(resolve(request("example.test")),
              ElementsAre("tls 10.0.0.2:5061", "tcp 10.0.0.2:5060", "tcp 10.0.0.1:5070", "tcp [fd00::1]:5070"));
}

TEST_F(uri_resolution_test, without_naptr_every_offered_transport_is_tried_in_order) {
  source_.set_srv("_sip._sctp.example.test", {{10, 0, 1, "a.example.test"}});
  source_.set_srv("_sip._udp.example.test", {{10, 0, 2, "a.example.test"}});
  source_.set_addresses("a.example.test", {"10.0.0.1"});
  EXPECT_THAT(resolve(request("example.test")), ElementsAre("udp 10.0.0.1:2", "sctp 10.0.0.1:1"));
}

TEST_F(uri_resolution_test, no_srv_falls_back_to_addresses_with_the_default_port) {
  source_.set_addresses("example.test", {"10.0.0.1"});
  EXPECT_THAT(resolve(request("example.test")), ElementsAre("udp 10.0.0.1:5060"));
  auto tls = request("example.test");
  tls.transport = transport::tls;
  EXPECT_THAT(resolve(tls), ElementsAre("tls 10.0.0.1:5061"));
}

TEST_F(uri_resolution_test, a_dot_target_means_the_service_is_not_offered) {
  source_.set_srv("_sip._udp.example.test", {{0, 0, 0, "."}});
  source_.set_addresses("example.test", {"10.0.0.1"});
  EXPECT_THAT(resolve(request("example.test")),
              ElementsAre("error: cannot resolve \"example.test\": the service is not offered here (SRV target \".\")"));
}

TEST_F(uri_resolution_test, a_port_or_listen_asks_only_for_addresses) {
  source_.set_addresses("example.test", {"10.0.0.1"}, {"fd00::1"});
  auto listen = request("example.test");
  listen.listen = true;
  EXPECT_THAT(resolve(listen), ElementsAre("udp 10.0.0.1:0", "udp [fd00::1]:0"));
  for (const auto& [name, type] : source_.asked) {
    EXPECT_TRUE(type == record_type::a || type == record_type::aaaa) << name << " " << to_string(type);
  }
}

TEST_F(uri_resolution_test, failures_name_the_name) {
  source_.set("example.test", record_type::naptr, error{"timed out"});
  EXPECT_THAT(resolve(request("example.test")),
              ElementsAre("error: cannot resolve \"example.test\": NAPTR query: timed out"));
  auto with_port = request("gone.example.test");
  with_port.port = 1;
  EXPECT_THAT(resolve(with_port), ElementsAre("error: cannot resolve \"gone.example.test\": no such name (NXDOMAIN)"));
}

}  // namespace
}  // namespace polyport::detail
