#include "dns/answer_parser.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "url/url_text.hpp"

namespace polyport::detail {

namespace {

constexpr std::size_t header_size = 12;
constexpr std::size_t max_name_length = 255;
constexpr int max_cname_hops = 8;
constexpr std::uint16_t class_in = 1;

// One resource record, with its data still inside the message (names in it may be compressed).
struct raw_record {
  std::string owner;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::size_t data_offset = 0;
  std::uint16_t data_length = 0;
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> message) : message_(message) {}

  std::optional<std::uint16_t> u16(std::size_t& at) const {
    if (at + 2 > message_.size()) {
      return std::nullopt;
    }
    std::uint16_t value = static_cast<std::uint16_t>(message_[at] << 8 | message_[at + 1]);
    at += 2;
    return value;
  }

  std::optional<std::uint32_t> u32(std::size_t& at) const {
    auto high = u16(at);
    auto low = u16(at);
    if (!high || !low) {
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(*high) << 16 | *low;
  }

  // A possibly compressed name (RFC 1035 §4.1.4), lower-case, without the trailing dot ("" for
  // the root). `at` moves past the name as it appears at `at`.
  std::optional<std::string> name(std::size_t& at) const {
    std::string text;
    std::size_t cursor = at;
    bool jumped = false;
    int jumps = 0;
    while (true) {
      if (cursor >= message_.size()) {
        return std::nullopt;
      }
      std::uint8_t length = message_[cursor];
      if ((length & 0xC0) == 0xC0) {
        if (cursor + 1 >= message_.size() || ++jumps > 64) {
          return std::nullopt;
        }
        std::size_t target = static_cast<std::size_t>(length & 0x3F) << 8 | message_[cursor + 1];
        if (!jumped) {
          at = cursor + 2;
          jumped = true;
        }
        cursor = target;
        continue;
      }
      if ((length & 0xC0) != 0) {
        return std::nullopt;  // the 0x40 and 0x80 label types are obsolete
      }
      ++cursor;
      if (length == 0) {
        break;
      }
      if (cursor + length > message_.size() || text.size() + length + 1 > max_name_length) {
        return std::nullopt;
      }
      if (!text.empty()) {
        text.push_back('.');
      }
      text.append(reinterpret_cast<const char*>(message_.data() + cursor), length);
      cursor += length;
    }
    if (!jumped) {
      at = cursor;
    }
    return to_lower(text);
  }

  // A <character-string> (RFC 1035 §3.3): a length byte and that many bytes.
  std::optional<std::string> text(std::size_t& at, std::size_t end) const {
    if (at >= end) {
      return std::nullopt;
    }
    std::size_t length = message_[at++];
    if (at + length > end) {
      return std::nullopt;
    }
    std::string value(reinterpret_cast<const char*>(message_.data() + at), length);
    at += length;
    return value;
  }

  std::optional<raw_record> record(std::size_t& at) const {
    raw_record r;
    auto owner = name(at);
    auto type = u16(at);
    auto klass = u16(at);
    auto ttl = u32(at);
    auto length = u16(at);
    if (!owner || !type || !klass || !ttl || !length || at + *length > message_.size()) {
      return std::nullopt;
    }
    r.owner = std::move(*owner);
    r.type = *type;
    r.klass = *klass;
    r.ttl = *ttl > 0x7FFFFFFF ? 0 : *ttl;  // RFC 2181 §8: the top bit set means 0
    r.data_offset = at;
    r.data_length = *length;
    at += *length;
    return r;
  }

  std::span<const std::uint8_t> bytes() const { return message_; }

 private:
  std::span<const std::uint8_t> message_;
};

error malformed(const std::string& why) {
  return error{"malformed answer: " + why};
}

std::optional<std::string> rcode_failure(unsigned rcode) {
  switch (rcode) {
    case 0:
    case 3:
      return std::nullopt;  // NOERROR, NXDOMAIN: read on
    case 1:
      return "the server could not read the query (FORMERR)";
    case 2:
      return "server failure (SERVFAIL)";
    case 4:
      return "the server does not implement this query (NOTIMP)";
    case 5:
      return "the server refused the query (REFUSED)";
    default:
      return "the server answered with error code " + std::to_string(rcode);
  }
}

// Reads the data of one record of the asked type into `answer`.
result<void> read_data(const reader& in, const raw_record& r, record_type type, dns_answer& answer) {
  std::size_t at = r.data_offset;
  std::size_t end = r.data_offset + r.data_length;
  switch (type) {
    case record_type::a:
    case record_type::aaaa: {
      std::size_t size = type == record_type::a ? 4 : 16;
      if (r.data_length != size) {
        return malformed(std::string(to_string(type)) + " record of " + std::to_string(r.data_length) + " bytes");
      }
      ip_address address;
      address.is_v6 = type == record_type::aaaa;
      std::copy_n(in.bytes().begin() + static_cast<std::ptrdiff_t>(at), size, address.bytes.begin());
      answer.addresses.push_back(address);
      return {};
    }
    case record_type::srv: {
      srv_record srv;
      auto priority = in.u16(at);
      auto weight = in.u16(at);
      auto port = in.u16(at);
      auto target = in.name(at);
      if (!priority || !weight || !port || !target || at > end) {
        return malformed("SRV record data");
      }
      srv = {*priority, *weight, *port, target->empty() ? "." : *target};
      answer.services.push_back(std::move(srv));
      return {};
    }
    case record_type::naptr: {
      naptr_record naptr;
      auto order = in.u16(at);
      auto preference = in.u16(at);
      if (!order || !preference) {
        return malformed("NAPTR record data");
      }
      auto flags = in.text(at, end);
      auto service = flags ? in.text(at, end) : std::nullopt;
      auto regexp = service ? in.text(at, end) : std::nullopt;
      auto replacement = regexp ? in.name(at) : std::nullopt;
      if (!replacement || at > end) {
        return malformed("NAPTR record data");
      }
      answer.naptrs.push_back({*order, *preference, *flags, *service, *regexp, *replacement});
      return {};
    }
    default:
      return malformed("unexpected record type");
  }
}

// RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM).
std::uint32_t negative_ttl(const reader& in, const std::vector<raw_record>& authority) {
  for (const raw_record& r : authority) {
    if (r.type != static_cast<std::uint16_t>(record_type::soa)) {
      continue;
    }
    std::size_t at = r.data_offset;
    auto primary = in.name(at);
    auto mailbox = primary ? in.name(at) : std::nullopt;
    if (!mailbox || at + 20 > r.data_offset + r.data_length) {
      return 0;
    }
    at += 16;  // serial, refresh, retry, expire
    auto minimum = in.u32(at);
    return minimum ? std::min(r.ttl, *minimum) : 0;
  }
  return 0;
}

}  // namespace

std::string_view to_string(record_type type) {
  switch (type) {
    case record_type::a:
      return "A";
    case record_type::cname:
      return "CNAME";
    case record_type::soa:
      return "SOA";
    case record_type::aaaa:
      return "AAAA";
    case record_type::srv:
      return "SRV";
    case record_type::naptr:
      return "NAPTR";
  }
  return "?";
}

std::string describe_negative(const dns_answer& answer, record_type type) {
  if (answer.kind == dns_answer::outcome::no_such_name) {
    return "no such name (NXDOMAIN)";
  }
  return "no " + std::string(to_string(type)) + " records";
}

result<dns_answer> parse_answer(std::span<const std::uint8_t> message, std::string_view name, record_type type) {
  reader in(message);
  if (message.size() < header_size) {
    return malformed("shorter than a DNS header");
  }
  std::size_t at = 2;
  auto flags = in.u16(at);
  auto questions = in.u16(at);
  auto answers = in.u16(at);
  auto authorities = in.u16(at);
  if ((*flags & 0x8000) == 0) {
    return malformed("not a response");
  }
  unsigned rcode = *flags & 0x000F;
  if (auto failure = rcode_failure(rcode)) {
    return error{*failure};
  }
  at = header_size;
  for (unsigned i = 0; i < *questions; ++i) {
    if (!in.name(at) || !in.u16(at) || !in.u16(at)) {
      return malformed("question section overruns the message");
    }
  }
  std::vector<raw_record> answer_records;
  std::vector<raw_record> authority_records;
  for (unsigned i = 0; i < *answers + *authorities; ++i) {
    auto r = in.record(at);
    if (!r) {
      return malformed("record overruns the message");
    }
    if (r->klass == class_in) {
      (i < *answers ? answer_records : authority_records).push_back(std::move(*r));
    }
  }

  // Follow CNAMEs from the asked name (RFC 1034 §3.6.2), at most a few hops, never in a circle.
  std::string owner = to_lower(name);
  if (!owner.empty() && owner.back() == '.') {
    owner.pop_back();
  }
  std::vector<std::string> visited{owner};
  dns_answer answer;
  std::uint32_t ttl = 0x7FFFFFFF;
  for (int hop = 0;; ++hop) {
    bool found = false;
    for (const raw_record& r : answer_records) {
      if (r.owner == owner && r.type == static_cast<std::uint16_t>(type)) {
        if (auto read = read_data(in, r, type, answer); !read) {
          return read.error();
        }
        ttl = std::min(ttl, r.ttl);
        found = true;
      }
    }
    if (found) {
      answer.kind = dns_answer::outcome::records;
      answer.ttl = ttl;
      return answer;
    }
    auto alias = std::find_if(answer_records.begin(), answer_records.end(), [&](const raw_record& r) {
      return r.owner == owner && r.type == static_cast<std::uint16_t>(record_type::cname);
    });
    if (alias == answer_records.end()) {
      break;
    }
    std::size_t data = alias->data_offset;
    auto target = in.name(data);
    if (!target) {
      return malformed("CNAME record data");
    }
    if (std::find(visited.begin(), visited.end(), *target) != visited.end()) {
      return error{"CNAME loop at \"" + *target + "\""};
    }
    if (hop == max_cname_hops) {
      return error{"more than " + std::to_string(max_cname_hops) + " CNAMEs in a chain"};
    }
    ttl = std::min(ttl, alias->ttl);
    visited.push_back(*target);
    owner = std::move(*target);
  }
  answer.kind = rcode == 3 ? dns_answer::outcome::no_such_name : dns_answer::outcome::no_data;
  answer.ttl = negative_ttl(in, authority_records);
  return answer;
}

}  // namespace polyport::detail
