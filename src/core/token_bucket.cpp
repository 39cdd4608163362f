#include "core/token_bucket.hpp"

#include <algorithm>
#include <limits>

namespace polyport::detail {

namespace {

token_rate normalised(token_rate rate) {
  rate.period = std::max(rate.period, std::chrono::nanoseconds(1));
  return rate;
}

std::uint64_t period_ns(const token_rate& rate) { return static_cast<std::uint64_t>(rate.period.count()); }

// Nanoseconds from `from` to `to` when `to` is later, else 0. Unsigned so that even the distance
// between the clock's extremes does not overflow.
std::uint64_t nanoseconds_after(token_bucket::clock::time_point from, token_bucket::clock::time_point to) {
  if (to <= from) {
    return 0;
  }
  auto since = [](token_bucket::clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  };
  return since(to) - since(from);
}

}  // namespace

token_bucket::token_bucket(token_rate rate, std::uint64_t capacity, clock::time_point now)
    : rate_(normalised(rate)),
      capacity_(capacity),
      level_(static_cast<credits>(capacity) * period_ns(rate_)),
      last_(now) {}

token_bucket::credits token_bucket::level_at(clock::time_point now) const {
  credits full = static_cast<credits>(capacity_) * period_ns(rate_);
  // At most 2^64 × 2^64: fits in 128 bits, so even a gap of centuries cannot overflow.
  credits added = static_cast<credits>(nanoseconds_after(last_, now)) * rate_.tokens;
  return added >= full - level_ ? full : level_ + added;
}

void token_bucket::refill(clock::time_point now) {
  level_ = level_at(now);
  last_ = std::max(last_, now);
}

std::chrono::nanoseconds token_bucket::wait_from(credits level, std::uint64_t n, clock::time_point now) const {
  constexpr auto never = std::chrono::nanoseconds::max();
  credits needed = static_cast<credits>(n) * period_ns(rate_);
  if (level >= needed) {
    return std::chrono::nanoseconds(0);
  }
  if (n > capacity_ || rate_.tokens == 0) {
    return never;
  }
  credits missing = needed - level;
  // Rounded up: one nanosecond less would leave the bucket short.
  credits wait = (missing + rate_.tokens - 1) / rate_.tokens;
  // `level` is as of last_; a caller whose `now` is earlier also waits for the difference.
  wait += nanoseconds_after(now, last_);
  if (wait >= static_cast<credits>(never.count())) {
    return never;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(wait));
}

bool token_bucket::try_take(std::uint64_t n, clock::time_point now) {
  return take_or_wait(n, now) == std::chrono::nanoseconds(0);
}

std::chrono::nanoseconds token_bucket::take_or_wait(std::uint64_t n, clock::time_point now) {
  refill(now);
  credits needed = static_cast<credits>(n) * period_ns(rate_);
  if (level_ >= needed) {
    level_ -= needed;
    return std::chrono::nanoseconds(0);
  }
  return wait_from(level_, n, now);
}

std::chrono::nanoseconds token_bucket::time_until(std::uint64_t n, clock::time_point now) const {
  return wait_from(level_at(now), n, now);
}

std::uint64_t token_bucket::take_up_to(std::uint64_t n, clock::time_point now) {
  refill(now);
  std::uint64_t taken = std::min<std::uint64_t>(n, static_cast<std::uint64_t>(level_ / period_ns(rate_)));
  level_ -= static_cast<credits>(taken) * period_ns(rate_);
  return taken;
}

void token_bucket::give_back(std::uint64_t n) {
  credits full = static_cast<credits>(capacity_) * period_ns(rate_);
  credits returned = static_cast<credits>(n) * period_ns(rate_);
  level_ = returned >= full - level_ ? full : level_ + returned;
}

std::uint64_t token_bucket::available(clock::time_point now) const {
  return static_cast<std::uint64_t>(level_at(now) / period_ns(rate_));
}

void token_bucket::set_rate(token_rate rate, std::uint64_t capacity, clock::time_point now) {
  refill(now);
  token_rate next = normalised(rate);
  // Same number of tokens in the new unit; whole and fractional tokens apart so that no product
  // exceeds 128 bits. The fraction rounds down, losing under one credit.
  std::uint64_t old_period = period_ns(rate_);
  std::uint64_t new_period = period_ns(next);
  credits whole = level_ / old_period;
  credits fraction = level_ % old_period;
  credits level = whole * new_period + fraction * new_period / old_period;
  rate_ = next;
  capacity_ = capacity;
  level_ = std::min(level, static_cast<credits>(capacity_) * new_period);
}

shared_token_bucket::shared_token_bucket(token_rate rate, std::uint64_t capacity, clock::time_point now)
    : bucket_(rate, capacity, now) {}

bool shared_token_bucket::try_take(std::uint64_t n, clock::time_point now) {
  std::lock_guard lock(mutex_);
  return bucket_.try_take(n, now);
}

std::chrono::nanoseconds shared_token_bucket::take_or_wait(std::uint64_t n, clock::time_point now) {
  std::lock_guard lock(mutex_);
  return bucket_.take_or_wait(n, now);
}

std::chrono::nanoseconds shared_token_bucket::time_until(std::uint64_t n, clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return bucket_.time_until(n, now);
}

std::uint64_t shared_token_bucket::take_up_to(std::uint64_t n, clock::time_point now) {
  std::lock_guard lock(mutex_);
  return bucket_.take_up_to(n, now);
}

void shared_token_bucket::give_back(std::uint64_t n) {
  std::lock_guard lock(mutex_);
  bucket_.give_back(n);
}

std::uint64_t shared_token_bucket::available(clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return bucket_.available(now);
}

void shared_token_bucket::set_rate(token_rate rate, std::uint64_t capacity, clock::time_point now) {
  std::lock_guard lock(mutex_);
  bucket_.set_rate(rate, capacity, now);
}

token_rate shared_token_bucket::rate() const {
  std::lock_guard lock(mutex_);
  return bucket_.rate();
}

std::uint64_t shared_token_bucket::capacity() const {
  std::lock_guard lock(mutex_);
  return bucket_.capacity();
}

connection_rate_limit connection_rate_limit_from(const connection_rate& rate, std::optional<std::uint32_t> burst) {
  return connection_rate_limit{
      token_rate{rate.count, std::chrono::duration_cast<std::chrono::nanoseconds>(rate.period)},
      burst.value_or(rate.count)};
}

}  // namespace polyport::detail
