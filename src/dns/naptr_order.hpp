#pragma once
// From NAPTR records to the SRV names to look up (RFC 3263 §4.1, RFC 3403): only terminal
// records (flag "s") with an empty regexp, whose service the protocol maps to a transport it
// offers, by order then preference. Every usable record is kept, so that later transports serve
// as fallbacks (as NkPACKET does) instead of only the most preferred one.
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/dns_records.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

// One SRV name to look up, and the transport its targets are reached over.
struct srv_candidate {
  polyport::transport transport;
  std::string srv_name;
  friend bool operator==(const srv_candidate&, const srv_candidate&) = default;
};

std::vector<srv_candidate> naptr_candidates(std::vector<naptr_record> records, const protocol& handler,
                                            std::string_view scheme);

// The SRV name RFC 3263 §4.1 uses when there is no NAPTR: `_sip._udp.host`, `_sip._tcp.host`,
// `_sip._sctp.host`, TLS as `_sips._tcp.host`; nullopt for transports SRV has no name for.
std::optional<std::string> srv_name_for(std::string_view scheme, polyport::transport transport, std::string_view host);

}  // namespace polyport::detail
