#pragma once
// Builds DNS response messages (RFC 1035 §4) byte by byte for the answer parser's tests.

#include <cstdint>
#include <string>
#include <vector>

namespace polyport::testing {

using bytes = std::vector<std::uint8_t>;

inline bytes dns_name(const std::string& dotted) {
  bytes out;
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) {
      dot = dotted.size();
    }
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

inline void put16(bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline void put32(bytes& out, std::uint32_t value) {
  put16(out, value >> 16);
  put16(out, value & 0xFFFF);
}

inline bytes srv_data(unsigned priority, unsigned weight, unsigned port, const std::string& target) {
  bytes out;
  put16(out, priority);
  put16(out, weight);
  put16(out, port);
  bytes name = dns_name(target);
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

inline bytes naptr_data(unsigned order, unsigned preference, const std::string& flags, const std::string& service,
                        const std::string& regexp, const std::string& replacement) {
  bytes out;
  put16(out, order);
  put16(out, preference);
  for (const std::string* text : {&flags, &service, &regexp}) {
    out.push_back(static_cast<std::uint8_t>(text->size()));
    out.insert(out.end(), text->begin(), text->end());
  }
  bytes name = dns_name(replacement);
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

inline bytes soa_data(std::uint32_t minimum) {
  bytes out = dns_name("ns.example.test");
  bytes mailbox = dns_name("admin.example.test");
  out.insert(out.end(), mailbox.begin(), mailbox.end());
  for (std::uint32_t field : {1u, 1200u, 180u, 1209600u}) {
    put32(out, field);
  }
  put32(out, minimum);
  return out;
}

class dns_message {
 public:
  explicit dns_message(unsigned rcode = 0) : rcode_(rcode) {}

  dns_message& question(const std::string& name, unsigned type) {
    bytes n = dns_name(name);
    questions_.insert(questions_.end(), n.begin(), n.end());
    put16(questions_, type);
    put16(questions_, 1);
    ++question_count_;
    return *this;
  }
  dns_message& answer(const std::string& name, unsigned type, std::uint32_t ttl, const bytes& data) {
    add(answers_, dns_name(name), type, ttl, data);
    ++answer_count_;
    return *this;
  }
  dns_message& authority(const std::string& name, unsigned type, std::uint32_t ttl, const bytes& data) {
    add(authorities_, dns_name(name), type, ttl, data);
    ++authority_count_;
    return *this;
  }

  bytes build() const {
    bytes out;
    put16(out, 0x1234);
    put16(out, 0x8180 | rcode_);
    put16(out, question_count_);
    put16(out, answer_count_);
    put16(out, authority_count_);
    put16(out, 0);
    out.insert(out.end(), questions_.begin(), questions_.end());
    out.insert(out.end(), answers_.begin(), answers_.end());
    out.insert(out.end(), authorities_.begin(), authorities_.end());
    return out;
  }

 private:
  static void add(bytes& section, const bytes& owner, unsigned type, std::uint32_t ttl, const bytes& data) {
    section.insert(section.end(), owner.begin(), owner.end());
    put16(section, type);
    put16(section, 1);
    put32(section, ttl);
    put16(section, static_cast<unsigned>(data.size()));
    section.insert(section.end(), data.begin(), data.end());
  }

  unsigned rcode_;
  unsigned question_count_ = 0, answer_count_ = 0, authority_count_ = 0;
  bytes questions_, answers_, authorities_;
};

}  // namespace polyport::testing
