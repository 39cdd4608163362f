#pragma once
// A DNS source for tests: answers from a script, at once or when the test releases them, and
// records every question asked.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dns/dns_lookup.hpp"

namespace polyport::testing {

class fake_dns_source : public detail::dns_source {
 public:
  using key = std::pair<std::string, detail::record_type>;

  void set(const std::string& name, detail::record_type type, result<detail::dns_answer> outcome) {
    script_.insert_or_assign(key{name, type}, std::move(outcome));
  }
  void set_addresses(const std::string& name, std::vector<std::string> v4, std::vector<std::string> v6 = {}) {
    for (auto [type, texts] : {std::pair{detail::record_type::a, v4}, std::pair{detail::record_type::aaaa, v6}}) {
      detail::dns_answer answer;
      answer.kind = texts.empty() ? detail::dns_answer::outcome::no_data : detail::dns_answer::outcome::records;
      answer.ttl = 60;
      for (const auto& text : texts) {
        answer.addresses.push_back(*ip_address::parse(text));
      }
      set(name, type, answer);
    }
  }
  void set_srv(const std::string& name, std::vector<detail::srv_record> records) {
    detail::dns_answer answer;
    answer.kind = detail::dns_answer::outcome::records;
    answer.ttl = 60;
    answer.services = std::move(records);
    set(name, detail::record_type::srv, answer);
  }
  void set_naptr(const std::string& name, std::vector<detail::naptr_record> records) {
    detail::dns_answer answer;
    answer.kind = detail::dns_answer::outcome::records;
    answer.ttl = 60;
    answer.naptrs = std::move(records);
    set(name, detail::record_type::naptr, answer);
  }

  // Held answers wait for release().
  void hold(bool held) { held_ = held; }
  void release() {
    auto waiting = std::move(waiting_);
    for (auto& [asked, done] : waiting) {
      done(outcome(asked));
    }
  }

  void query(const std::string& name, detail::record_type type, detail::answer_handler done) override {
    asked.push_back({name, type});
    if (held_) {
      waiting_.emplace_back(key{name, type}, std::move(done));
      return;
    }
    done(outcome({name, type}));
  }

  std::vector<key> asked;

 private:
  result<detail::dns_answer> outcome(const key& question) const {
    auto found = script_.find(question);
    if (found != script_.end()) {
      return found->second;
    }
    detail::dns_answer nothing;
    nothing.kind = detail::dns_answer::outcome::no_such_name;
    return nothing;
  }

  std::map<key, result<detail::dns_answer>> script_;
  bool held_ = false;
  std::vector<std::pair<key, detail::answer_handler>> waiting_;
};

}  // namespace polyport::testing
