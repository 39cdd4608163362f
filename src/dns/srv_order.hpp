#pragma once
// The order in which to try SRV targets (RFC 2782 "Usage rules"): the lowest priority first;
// inside a priority, a weighted random draw without replacement, zero weights placed first so
// that they win only on a draw of 0.
// Thread safety: a pure function of its arguments (the random engine is the caller's).

#include <random>
#include <vector>

#include "dns/dns_records.hpp"

namespace polyport::detail {

std::vector<srv_record> order_srv(std::vector<srv_record> records, std::mt19937_64& random);

// True when the answer says the service is decidedly not offered: a single record whose target
// is "." (RFC 2782).
bool srv_not_offered(const std::vector<srv_record>& records);

}  // namespace polyport::detail
