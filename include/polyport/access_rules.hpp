#pragma once
// Allow/deny access rules for a listener: an ordered list of CIDR rules (RFC 4632 §3.1, RFC 4291
// §2.3), the first match decides, and a default decides when nothing matches. An IPv4-mapped IPv6
// peer (::ffff:a.b.c.d, what a dual-stack socket reports) matches IPv4 rules as a.b.c.d.
//
// Changes are copy-on-write: each one publishes a new immutable rule set as a whole, so a check()
// running meanwhile sees either the old set or the new one, never a mix.
// Thread safety: check(), list(), when_unmatched() and every mutator may be called from any
// threads concurrently. Readers take no lock and never wait; a mutator waits for the reads that
// may still use the set it replaced, then frees that set.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport {

enum class access_decision { allow, deny };

class access_rules {
 public:
  // The esockd default: no rules and allow when nothing matches, i.e. everyone is let in.
  // Deny-by-default: pass access_decision::deny, or end the rules with "deny all".
  explicit access_rules(std::vector<access_rule> rules = {}, access_decision when_unmatched = access_decision::allow);
  ~access_rules();
  access_rules(const access_rules&) = delete;
  access_rules& operator=(const access_rules&) = delete;

  // The first rule whose network holds `address` decides; `all` holds every address.
  // Called by acceptor threads on every accepted connection.
  access_decision check(const ip_address& address) const;

  // Puts `rule` first (it then wins over every other rule) or last. An equal rule already in the
  // list is moved rather than duplicated, so remove() takes a rule out with one call.
  void add_front(access_rule rule);
  void add_back(access_rule rule);
  // Removes the rules equal to `rule`; false when there was none.
  bool remove(const access_rule& rule);
  // Replaces every rule, e.g. from a new allow=/deny= option list.
  void replace(std::vector<access_rule> rules);
  void set_when_unmatched(access_decision decision);

  std::vector<access_rule> list() const;
  access_decision when_unmatched() const;

  // One rule from text: "allow 10.0.0.0/8", "deny all", "allow ::1", or the URL forms
  // "allow=10.0.0.0/8", deny="all". Keywords ignore case; a network is a CIDR that parse_cidr
  // accepts. Errors name the text: `invalid access rule "permit all": expected "allow" or "deny"`.
  static result<access_rule> parse(std::string_view text);

 private:
  struct rule_set {
    std::vector<access_rule> rules;
    access_decision when_unmatched = access_decision::allow;
  };

  // Runs `read` on the current set while it cannot be freed.
  template <class read_function>
  auto read(read_function read) const;
  // Copies the current set, lets `change` edit the copy, publishes it.
  template <class change_function>
  void change(change_function change);

  // A two-phase RCU. A reader counts itself in readers_[phase_ % 2] before loading current_. A
  // writer swaps current_, moves phase_ on (new readers count in the other slot), waits for the
  // old phase's count to drain, and frees the old set. (std::atomic<std::shared_ptr> would do,
  // but libstdc++ 12's load() releases its internal lock with a relaxed store: a data race that
  // ThreadSanitizer reports.)
  std::atomic<const rule_set*> current_;
  mutable std::atomic<std::uint64_t> phase_{0};
  mutable std::array<std::atomic<std::uint64_t>, 2> readers_{};
  // Serialises the writers, so no change is lost between a copy and its publication.
  std::mutex writers_;
};

// "allow 10.0.0.0/8", "deny all": text access_rules::parse reads back equal.
std::string to_string(const access_rule& rule);

// "allow" or "deny".
std::string_view to_string(access_decision decision);

}  // namespace polyport
