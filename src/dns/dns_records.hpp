#pragma once
// The DNS records polyport resolves with (RFC 1035 A, RFC 3596 AAAA, RFC 2782 SRV, RFC 3403
// NAPTR) and the answer to one question after CNAMEs are followed.
// Thread safety: plain value types.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/endpoint.hpp"

namespace polyport::detail {

enum class record_type : std::uint16_t { a = 1, cname = 5, soa = 6, aaaa = 28, srv = 33, naptr = 35 };

// "A", "AAAA", "SRV", "NAPTR", ...
std::string_view to_string(record_type type);

struct srv_record {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // lower-case, no trailing dot; "." means "not offered here"
  friend bool operator==(const srv_record&, const srv_record&) = default;
};

struct naptr_record {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags, service, regexp;
  std::string replacement;  // lower-case, no trailing dot
  friend bool operator==(const naptr_record&, const naptr_record&) = default;
};

// The records of one type at one name, or why there are none (a negative answer, RFC 2308).
struct dns_answer {
  enum class outcome { records, no_data, no_such_name };
  outcome kind = outcome::no_data;
  // Seconds this answer may be kept: the smallest TTL of the records used, or for a negative
  // answer min(SOA TTL, SOA minimum); 0 when a negative answer carries no SOA.
  std::uint32_t ttl = 0;
  std::vector<ip_address> addresses;  // A or AAAA
  std::vector<srv_record> services;
  std::vector<naptr_record> naptrs;
};

// What a negative answer says, for error messages: "no such name (NXDOMAIN)", "no SRV records".
std::string describe_negative(const dns_answer& answer, record_type type);

}  // namespace polyport::detail
