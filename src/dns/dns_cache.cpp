#include "dns/dns_cache.hpp"

#include <algorithm>

namespace polyport::detail {

namespace {

// Expired entries are dropped when read; every this many stores the rest are swept too.
constexpr std::size_t sweep_every = 256;

}  // namespace

dns_cache::dns_cache(clock now) : now_(std::move(now)) {}

std::optional<dns_answer> dns_cache::find(const std::string& name, record_type type) {
  auto now = now_();
  std::lock_guard lock(mutex_);
  auto found = entries_.find({name, type});
  if (found == entries_.end()) {
    return std::nullopt;
  }
  if (found->second.expires <= now) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.answer;
}

void dns_cache::store(const std::string& name, record_type type, const dns_answer& answer, ttl_limits limits) {
  std::chrono::milliseconds lifetime = std::chrono::seconds(answer.ttl);
  lifetime = std::min(std::max(lifetime, limits.floor), limits.cap);
  if (lifetime <= std::chrono::milliseconds::zero()) {
    return;
  }
  auto now = now_();
  std::lock_guard lock(mutex_);
  entries_[{name, type}] = entry{answer, now + lifetime};
  if (++stores_since_sweep_ >= sweep_every) {
    sweep(now);
  }
}

void dns_cache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::size_t dns_cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void dns_cache::sweep(std::chrono::steady_clock::time_point now) {
  stores_since_sweep_ = 0;
  std::erase_if(entries_, [now](const auto& item) { return item.second.expires <= now; });
}

}  // namespace polyport::detail
