#pragma once
// Where a URL leads once resolved: a transport and an address, tried in order (docs/dns.md).
// Thread safety: a plain value type.

#include <string>

#include "polyport/endpoint.hpp"
#include "polyport/transport.hpp"

namespace polyport {

struct destination {
  polyport::transport transport = polyport::transport::tcp;
  endpoint address;

  // "tcp 127.0.0.1:5060", as `polyport resolve` prints it.
  std::string to_string() const;
  friend bool operator==(const destination&, const destination&) = default;
};

}  // namespace polyport
