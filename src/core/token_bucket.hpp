#pragma once
// Token buckets for rate limits: the listener's connection rate (max_conn_rate, max_conn_burst)
// and reads paused until their bytes are allowed (rate_limit, listener_rate_limit; read_throttle).
//
// A bucket holds up to `capacity` tokens (the burst) and gains `rate.tokens` every `rate.period`.
// The caller passes the time in, so tests need no clock. The level is kept in exact integers
// (a token is `period` nanosecond-credits; each nanosecond adds `rate.tokens` credits), so a
// bucket never drifts however long it runs, and any idle gap just fills it up.
// Thread safety: token_bucket: none, one owner. shared_token_bucket: every call from any thread.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "polyport/options.hpp"

namespace polyport::detail {

// `tokens` new tokens every `period`. tokens == 0 never refills; a period under 1 ns is 1 ns.
struct token_rate {
  std::uint64_t tokens = 0;
  std::chrono::nanoseconds period{std::chrono::seconds(1)};

  friend bool operator==(const token_rate&, const token_rate&) = default;
};

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  // Starts full, so a burst is allowed at once.
  token_bucket(token_rate rate, std::uint64_t capacity, clock::time_point now);

  // Takes `n` tokens if they are all there; otherwise takes none.
  bool try_take(std::uint64_t n, clock::time_point now);
  // try_take() that says how long to wait when it fails: 0 when the tokens were taken, else
  // time_until(n, now) (one lock for the shared bucket instead of two).
  std::chrono::nanoseconds take_or_wait(std::uint64_t n, clock::time_point now);
  // How long from `now` until `n` tokens are there: try_take(n, now + result) succeeds when no
  // one takes in between, and one nanosecond earlier it fails. 0 when they are there already;
  // nanoseconds::max() when they never will be (n > capacity, or a rate of 0 tokens).
  std::chrono::nanoseconds time_until(std::uint64_t n, clock::time_point now) const;
  // Takes as many of `n` tokens as there are (maybe none) and says how many it took.
  std::uint64_t take_up_to(std::uint64_t n, clock::time_point now);
  // Puts back tokens taken but not used (never above capacity).
  void give_back(std::uint64_t n);
  // Whole tokens there at `now`.
  std::uint64_t available(clock::time_point now) const;

  // Changes rate and capacity from `now` on: time before `now` refills at the old rate, and the
  // tokens there are kept (down to at most the new capacity).
  void set_rate(token_rate rate, std::uint64_t capacity, clock::time_point now);
  token_rate rate() const { return rate_; }
  std::uint64_t capacity() const { return capacity_; }

 private:
  // Wide enough for capacity × period and for any gap × rate without overflow.
  __extension__ typedef unsigned __int128 credits;

  credits level_at(clock::time_point now) const;
  std::chrono::nanoseconds wait_from(credits level, std::uint64_t n, clock::time_point now) const;
  void refill(clock::time_point now);

  token_rate rate_;
  std::uint64_t capacity_;
  credits level_;           // 0 .. capacity_ × period ns
  clock::time_point last_;  // when level_ was computed; never moves back
};

// One token_bucket shared by several threads, e.g. by every acceptor of a listener.
// A plain mutex: the critical section is a few integer operations. Measured (-O2, 2 cores):
// ~125 ns per try_take with its clock read on one thread, ~570 ns with 4 threads all taking at
// once; small next to the accept(2) it guards. (A CAS loop would need a 128-bit CAS.)
class shared_token_bucket {
 public:
  using clock = token_bucket::clock;

  shared_token_bucket(token_rate rate, std::uint64_t capacity, clock::time_point now);

  bool try_take(std::uint64_t n, clock::time_point now);
  std::chrono::nanoseconds take_or_wait(std::uint64_t n, clock::time_point now);
  std::chrono::nanoseconds time_until(std::uint64_t n, clock::time_point now) const;
  std::uint64_t take_up_to(std::uint64_t n, clock::time_point now);
  void give_back(std::uint64_t n);
  std::uint64_t available(clock::time_point now) const;
  void set_rate(token_rate rate, std::uint64_t capacity, clock::time_point now);
  token_rate rate() const;
  std::uint64_t capacity() const;

 private:
  mutable std::mutex mutex_;
  token_bucket bucket_;
};

// The bucket for max_conn_rate=N/SECONDS and max_conn_burst=B; the burst defaults to N.
struct connection_rate_limit {
  token_rate rate;
  std::uint64_t capacity = 0;
};
connection_rate_limit connection_rate_limit_from(const connection_rate& rate, std::optional<std::uint32_t> burst);

}  // namespace polyport::detail
