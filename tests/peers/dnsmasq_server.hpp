#pragma once
// dnsmasq as the DNS server of a test (PEERS.md): authoritative for example.test (with an SOA,
// so negative answers say how long they last) on 127.0.0.1 and a free port, serving the records
// the test gives, stopped with the test. It never forwards.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {

class dnsmasq_server {
 public:
  // `records`: dnsmasq lines such as "host-record=a1.example.test,127.0.0.1".
  explicit dnsmasq_server(const std::vector<std::string>& records);
  // False with dnsmasq's output when it did not start.
  ::testing::AssertionResult ready() const;
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Stops dnsmasq now (answers must then come from a cache, or not at all).
  void stop() { process_.reset(); }

 private:
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
  std::string problem_;
};

}  // namespace polyport::testing
