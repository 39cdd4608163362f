#pragma once
// Reads a DNS response message (RFC 1035 §4) for one question: follows CNAMEs from the asked
// name, keeps the records of the asked type, and for a negative answer takes its TTL from the
// SOA in the authority section (RFC 2308 §5). c-ares carries the message; polyport reads it
// because c-ares 1.18 drops the TTLs of SRV and NAPTR records and the SOA of negative answers.
// Input is hostile: every length is checked, compression pointers are bounded.
// Thread safety: a pure function.

#include <cstdint>
#include <span>
#include <string_view>

#include "dns/dns_records.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

// Errors name the failure: "server failure (SERVFAIL)", "CNAME loop at \"a.example\"",
// "malformed answer: record overruns the message".
result<dns_answer> parse_answer(std::span<const std::uint8_t> message, std::string_view name, record_type type);

}  // namespace polyport::detail
