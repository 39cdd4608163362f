#pragma once
// Answers kept for as long as their TTL says, within a floor and a cap (`dns_cache_ttl`), and
// negative answers for their SOA's negative TTL (RFC 2308). Errors (timeouts, SERVFAIL) are
// never kept. The clock is injected so tests can move time.
// Thread safety: distinct and shared objects: safe (one mutex; not on the per-message path).

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "dns/dns_records.hpp"

namespace polyport::detail {

// How long an answer may stay: its TTL, but at least `floor` and at most `cap` (cap 0: not at
// all). A cap below the floor wins.
struct ttl_limits {
  std::chrono::milliseconds floor{1000};
  std::chrono::milliseconds cap{30'000};
};

class dns_cache {
 public:
  using clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit dns_cache(clock now = [] { return std::chrono::steady_clock::now(); });

  std::optional<dns_answer> find(const std::string& name, record_type type);
  void store(const std::string& name, record_type type, const dns_answer& answer, ttl_limits limits);
  void clear();
  std::size_t size() const;

 private:
  struct entry {
    dns_answer answer;
    std::chrono::steady_clock::time_point expires;
  };
  void sweep(std::chrono::steady_clock::time_point now);

  clock now_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, record_type>, entry> entries_;
  std::size_t stores_since_sweep_ = 0;
};

}  // namespace polyport::detail
