#pragma once
// One question (name, type) answered from the cache, or by the DNS source, with identical
// questions in flight merged into one query. A source is c-ares on a worker (ares_driver) or a
// fake in tests.
// Thread safety: one dns_lookup per worker, used on that worker only; the cache is shared.

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dns/dns_cache.hpp"
#include "dns/dns_records.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

using answer_handler = std::function<void(result<dns_answer>)>;

// Sends one question and reports once through `done` (perhaps before query() returns).
class dns_source {
 public:
  virtual ~dns_source() = default;
  virtual void query(const std::string& name, record_type type, answer_handler done) = 0;
};

struct lookup_policy {
  bool read_cache = true;  // false: no_dns_cache (fresh answers are still stored)
  ttl_limits limits;
};

class dns_lookup {
 public:
  dns_lookup(dns_source& source, dns_cache& cache) : source_(source), cache_(cache) {}

  // `name` lower-case without a trailing dot.
  void find(const std::string& name, record_type type, const lookup_policy& policy, answer_handler done);

 private:
  using key = std::pair<std::string, record_type>;
  void answered(const key& question, const ttl_limits& limits, result<dns_answer> outcome);

  dns_source& source_;
  dns_cache& cache_;
  std::map<key, std::vector<answer_handler>> in_flight_;
};

// Asks every question at once; `done` gets the outcomes in the order of `questions`.
struct question {
  std::string name;
  record_type type;
};
void find_all(dns_lookup& lookup, const lookup_policy& policy, std::vector<question> questions,
              std::function<void(std::vector<result<dns_answer>>)> done);

}  // namespace polyport::detail
