#pragma once
// Resolving one URL into its ordered destinations, RFC 3263 style (docs/dns.md):
//   IP literal            → that address, the URL's port or the protocol's default;
//   name with a port      → A and AAAA;
//   name, transport only  → SRV for that transport, else A/AAAA with the default port;
//   name, neither         → NAPTR (flag s) → SRV of each replacement → A/AAAA; with no usable
//                           NAPTR, SRV for every transport the protocol offers, in its order,
//                           else A/AAAA of the name with the first transport's default port.
//   listen                → A and AAAA only (NkPACKET's resolve_type=listen).
// Thread safety: runs on the worker that owns `lookup`; `done` runs there.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dns/dns_lookup.hpp"
#include "polyport/destination.hpp"
#include "polyport/protocol.hpp"
#include "polyport/url.hpp"

namespace polyport::detail {

struct resolve_request {
  std::string scheme;
  std::string host;  // a lower-case name or an IP literal
  host_kind kind = host_kind::name;
  std::optional<std::uint16_t> port;                 // the URL's own
  std::optional<polyport::transport> transport;      // the URL's own
  std::shared_ptr<const protocol> handler;
  bool listen = false;
  lookup_policy policy;
};

using destinations_handler = std::function<void(result<std::vector<destination>>)>;

// The IP-literal case needs no DNS: answered at once (nullopt: the host is a name).
std::optional<result<std::vector<destination>>> resolve_literal(const resolve_request& request);

void resolve_uri(dns_lookup& lookup, std::mt19937_64& random, resolve_request request, destinations_handler done);

}  // namespace polyport::detail
