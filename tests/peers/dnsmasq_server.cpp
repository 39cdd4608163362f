#include "peers/dnsmasq_server.hpp"

#include <fstream>

#include "peers/peer_helpers.hpp"

namespace polyport::testing {

using namespace std::chrono_literals;

dnsmasq_server::dnsmasq_server(const std::vector<std::string>& records) {
  if (!program_exists("dnsmasq")) {
    problem_ = "dnsmasq is not installed (Debian package dnsmasq)";
    return;
  }
  port_ = free_port();
  std::string config = dir_.file("dnsmasq.conf");
  {
    std::ofstream out(config);
    out << "port=" << port_ << "\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n"
        << "user=root\nlocal-ttl=60\nlog-facility=-\n"
        // Authoritative for example.test, so negative answers carry an SOA (RFC 2308).
        << "auth-server=ns.example.test,127.0.0.1\nauth-zone=example.test\nauth-ttl=60\n"
        << "auth-soa=1,admin.example.test,1200,180,1209600\n"
        << "pid-file=" << dir_.file("dnsmasq.pid") << "\n";
    for (const std::string& line : records) {
      out << line << "\n";
    }
  }
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"dnsmasq", "-C", config, "--keep-in-foreground"}, true);
  if (!process_->wait_for_line("started, version", 10s)) {
    problem_ = "dnsmasq did not start: " + process_->read_all(1s);
  }
}

::testing::AssertionResult dnsmasq_server::ready() const {
  if (!problem_.empty()) {
    return ::testing::AssertionFailure() << problem_;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace polyport::testing
