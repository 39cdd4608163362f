// Fuzzes the DNS answer parser with what a hostile or broken server could send.
//
// Input: byte 0 chooses the question (low 2 bits: A, AAAA, SRV, NAPTR; the rest: one of the
// names below); the remaining bytes are the response message. Seeds are real dnsmasq answers
// (tests/fuzz/corpus/dns_answer_fuzz/, captured as `dig` would ask) and malformed ones.
//
// Beyond "never crash", it checks that an answer with records holds records of the asked type
// only, that TTLs respect RFC 2181 (at most 2^31 - 1) and that names stay within 255 bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dns/answer_parser.hpp"

namespace {

using polyport::detail::dns_answer;
using polyport::detail::record_type;

void require(bool holds) {
  if (!holds) {
    std::abort();
  }
}

constexpr record_type types[] = {record_type::a, record_type::aaaa, record_type::srv, record_type::naptr};
constexpr const char* names[] = {"example.test", "a1.example.test", "_echo._tcp.example.test", "alias.example.test",
                                 "nope.example.test", "loop1.example.test", "", "x"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  record_type type = types[data[0] & 3];
  const char* name = names[(data[0] >> 2) % std::size(names)];
  auto answer = polyport::detail::parse_answer(std::span(data + 1, size - 1), name, type);
  if (!answer) {
    require(!answer.error().message.empty());
    return 0;
  }
  require(answer->ttl <= 0x7FFFFFFF);
  std::size_t found = answer->addresses.size() + answer->services.size() + answer->naptrs.size();
  require((answer->kind == dns_answer::outcome::records) == (found > 0));
  bool address_type = type == record_type::a || type == record_type::aaaa;
  require(address_type || answer->addresses.empty());
  require(type == record_type::srv || answer->services.empty());
  require(type == record_type::naptr || answer->naptrs.empty());
  for (const auto& address : answer->addresses) {
    require(address.is_v6 == (type == record_type::aaaa));
  }
  for (const auto& service : answer->services) {
    require(service.target.size() <= 255);
  }
  for (const auto& naptr : answer->naptrs) {
    require(naptr.replacement.size() <= 255 && naptr.flags.size() <= 255);
  }
  return 0;
}
