#include "polyport/access_rules.hpp"

#include <algorithm>
#include <memory>
#include <span>
#include <thread>
#include <utility>

#include "polyport/cidr.hpp"
#include "url/url_text.hpp"

namespace polyport {

namespace {

using detail::is_space;
using detail::trim;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

error rule_error(std::string_view text, std::string_view what) {
  return error{"invalid access rule \"" + std::string(text.substr(0, 100)) + "\": " + std::string(what)};
}

bool matches(const access_rule& rule, std::span<const std::uint8_t> address) {
  return !rule.network || contains(*rule.network, address);
}

}  // namespace

access_rules::access_rules(std::vector<access_rule> rules, access_decision when_unmatched)
    : current_(new rule_set{std::move(rules), when_unmatched}) {}

access_rules::~access_rules() { delete current_.load(); }

// Every atomic here is sequentially consistent: the argument that a writer never frees a set a
// reader is using rests on one total order of the reader's count, the phase and current_.
template <class read_function>
auto access_rules::read(read_function read) const {
  std::uint64_t phase = phase_.load();
  readers_[phase % 2].fetch_add(1);
  // A writer may have moved the phase on between the two lines above, and may already have found
  // the old count empty: count again in the phase that holds now.
  while (phase_.load() != phase) {
    readers_[phase % 2].fetch_sub(1);
    phase = phase_.load();
    readers_[phase % 2].fetch_add(1);
  }
  struct leave {
    std::atomic<std::uint64_t>& count;
    ~leave() { count.fetch_sub(1); }
  } guard{readers_[phase % 2]};
  return read(*current_.load());
}

access_decision access_rules::check(const ip_address& address) const {
  std::span<const std::uint8_t> bytes(address.bytes.data(), address.is_v6 ? 16 : 4);
  return read([&](const rule_set& set) {
    for (const access_rule& rule : set.rules) {
      if (matches(rule, bytes)) {
        return rule.allow ? access_decision::allow : access_decision::deny;
      }
    }
    return set.when_unmatched;
  });
}

template <class change_function>
void access_rules::change(change_function change) {
  std::lock_guard lock(writers_);
  // Only writers replace current_, and they hold the lock: it cannot be freed under us.
  auto next = std::make_unique<rule_set>(*current_.load());
  change(*next);
  const rule_set* old = current_.exchange(next.release());
  std::uint64_t old_phase = phase_.fetch_add(1);
  // Readers that might hold `old` counted themselves in the old phase; later ones see `next`.
  while (readers_[old_phase % 2].load() != 0) {
    std::this_thread::yield();
  }
  delete old;
}

void access_rules::add_front(access_rule rule) {
  change([&](rule_set& set) {
    std::erase(set.rules, rule);
    set.rules.insert(set.rules.begin(), std::move(rule));
  });
}

void access_rules::add_back(access_rule rule) {
  change([&](rule_set& set) {
    std::erase(set.rules, rule);
    set.rules.push_back(std::move(rule));
  });
}

bool access_rules::remove(const access_rule& rule) {
  bool removed = false;
  change([&](rule_set& set) { removed = std::erase(set.rules, rule) > 0; });
  return removed;
}

void access_rules::replace(std::vector<access_rule> rules) {
  change([&](rule_set& set) { set.rules = std::move(rules); });
}

void access_rules::set_when_unmatched(access_decision decision) {
  change([&](rule_set& set) { set.when_unmatched = decision; });
}

std::vector<access_rule> access_rules::list() const {
  return read([](const rule_set& set) { return set.rules; });
}

access_decision access_rules::when_unmatched() const {
  return read([](const rule_set& set) { return set.when_unmatched; });
}

result<access_rule> access_rules::parse(std::string_view text) {
  std::string_view rest = trim(text);
  std::size_t keyword_end = std::min(rest.find_first_of(" \t\r\n="), rest.size());
  std::string_view keyword = rest.substr(0, keyword_end);
  access_rule rule;
  if (equals_ignoring_case(keyword, "allow")) {
    rule.allow = true;
  } else if (equals_ignoring_case(keyword, "deny")) {
    rule.allow = false;
  } else {
    return rule_error(text, "expected \"allow\" or \"deny\"");
  }
  rest = trim(rest.substr(keyword_end));
  if (!rest.empty() && rest.front() == '=') {
    rest = trim(rest.substr(1));
  }
  // The URL form may quote its value: allow="10.0.0.0/8".
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    rest = trim(rest.substr(1, rest.size() - 2));
  }
  if (rest.empty()) {
    return rule_error(text, "expected a network (a CIDR or \"all\") after \"" + std::string(keyword) + "\"");
  }
  if (rest.find(',') != std::string_view::npos) {
    return rule_error(text, "expected one network; add each rule on its own");
  }
  if (std::any_of(rest.begin(), rest.end(), is_space)) {
    return rule_error(text, "unexpected text after the network");
  }
  if (equals_ignoring_case(rest, "all")) {
    return rule;
  }
  auto network = parse_cidr(rest);
  if (!network) {
    return rule_error(text, network.error().message);
  }
  rule.network = *network;
  return rule;
}

std::string to_string(const access_rule& rule) {
  return std::string(rule.allow ? "allow " : "deny ") + (rule.network ? to_string(*rule.network) : "all");
}

std::string_view to_string(access_decision decision) { return decision == access_decision::allow ? "allow" : "deny"; }

}  // namespace polyport
