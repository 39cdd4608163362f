#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>
#include <vector>

namespace polyport::detail {
namespace {

using namespace std::chrono_literals;
using clock = token_bucket::clock;
using std::chrono::nanoseconds;

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();
constexpr nanoseconds never = nanoseconds::max();

// An arbitrary start, away from the clock's epoch so that earlier times exist too.
const clock::time_point t0 = clock::time_point(1000h);

TEST(token_bucket, starts_full_and_allows_one_burst) {
  token_bucket bucket({10, 1s}, 5, t0);
  EXPECT_EQ(bucket.available(t0), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(bucket.try_take(1, t0)) << i;
  }
  EXPECT_FALSE(bucket.try_take(1, t0));
  EXPECT_EQ(bucket.available(t0), 0u);
}

TEST(token_bucket, a_failed_take_takes_nothing) {
  token_bucket bucket({1, 1s}, 5, t0);
  EXPECT_TRUE(bucket.try_take(3, t0));
  EXPECT_FALSE(bucket.try_take(3, t0));
  EXPECT_TRUE(bucket.try_take(2, t0));
  EXPECT_TRUE(bucket.try_take(0, t0));  // nothing is always there
}

TEST(token_bucket, take_up_to_takes_what_is_there) {
  token_bucket bucket({10, 1s}, 5, t0);
  EXPECT_EQ(bucket.take_up_to(3, t0), 3u);
  EXPECT_EQ(bucket.take_up_to(3, t0), 2u);
  EXPECT_EQ(bucket.take_up_to(3, t0), 0u);
  EXPECT_EQ(bucket.take_up_to(3, t0 + 250ms), 2u);  // 2.5 tokens earned: the half stays
  EXPECT_EQ(bucket.take_up_to(3, t0 + 300ms), 1u);
}

TEST(token_bucket, give_back_returns_tokens_up_to_the_capacity) {
  token_bucket bucket({10, 1s}, 5, t0);
  ASSERT_EQ(bucket.take_up_to(4, t0), 4u);
  bucket.give_back(3);
  EXPECT_EQ(bucket.available(t0), 4u);
  bucket.give_back(max_u64);
  EXPECT_EQ(bucket.available(t0), 5u);
}

TEST(token_bucket, refills_at_the_rate_up_to_the_capacity) {
  token_bucket bucket({10, 1s}, 5, t0);
  ASSERT_TRUE(bucket.try_take(5, t0));
  EXPECT_EQ(bucket.available(t0 + 99ms), 0u);
  EXPECT_EQ(bucket.available(t0 + 100ms), 1u);
  EXPECT_EQ(bucket.available(t0 + 350ms), 3u);
  EXPECT_EQ(bucket.available(t0 + 500ms), 5u);
  EXPECT_EQ(bucket.available(t0 + 10s), 5u);  // the excess is lost, not saved up
  EXPECT_TRUE(bucket.try_take(5, t0 + 10s));
  EXPECT_FALSE(bucket.try_take(1, t0 + 10s + 99ms));
}

TEST(token_bucket, partial_refills_add_up) {
  token_bucket bucket({1, 1s}, 1, t0);
  ASSERT_TRUE(bucket.try_take(1, t0));
  // Half a token, then another half: the fractions are kept across calls.
  EXPECT_FALSE(bucket.try_take(1, t0 + 500ms));
  EXPECT_FALSE(bucket.try_take(1, t0 + 999'999'999ns));
  EXPECT_TRUE(bucket.try_take(1, t0 + 1s));
}

TEST(token_bucket, rates_that_do_not_divide_a_second_are_exact) {
  // 3 per second: a token every 333,333,333.3 ns, which no integer nanosecond interval is.
  token_bucket bucket({3, 1s}, 3, t0);
  ASSERT_TRUE(bucket.try_take(3, t0));
  EXPECT_EQ(bucket.available(t0 + 333'333'333ns), 0u);
  EXPECT_EQ(bucket.available(t0 + 333'333'334ns), 1u);
  EXPECT_EQ(bucket.available(t0 + 666'666'666ns), 1u);
  EXPECT_EQ(bucket.available(t0 + 666'666'667ns), 2u);
  EXPECT_EQ(bucket.available(t0 + 1s), 3u);
}

TEST(token_bucket, no_drift_over_long_runs) {
  // One token every 3 s, tried every 1,000,000,007 ns for about 35 days of steps: the successes
  // must be exactly the tokens the elapsed time earned, plus the one the bucket started with.
  token_bucket bucket({1, 3s}, 1, t0);
  constexpr std::int64_t step = 1'000'000'007;
  constexpr std::int64_t steps = 3'000'000;
  std::int64_t taken = 0;
  for (std::int64_t i = 0; i <= steps; ++i) {
    taken += bucket.try_take(1, t0 + nanoseconds(i * step)) ? 1 : 0;
  }
  EXPECT_EQ(taken, 1 + steps * step / 3'000'000'000);

  // The same with many small takes out of a big bucket.
  token_bucket bytes({7, 3ms}, 1'000'000, t0);
  ASSERT_TRUE(bytes.try_take(1'000'000, t0));
  std::int64_t total = 0;
  for (std::int64_t i = 1; i <= 1'000'000; ++i) {
    clock::time_point now = t0 + nanoseconds(i * 997);
    while (bytes.try_take(1, now)) {
      ++total;
    }
  }
  EXPECT_EQ(total, 997'000'000LL * 7 / 3'000'000);
}

TEST(token_bucket, huge_idle_gaps_just_fill_the_bucket) {
  token_bucket bucket({max_u64, 1ns}, max_u64, clock::time_point::min());
  ASSERT_TRUE(bucket.try_take(max_u64, clock::time_point::min()));
  EXPECT_EQ(bucket.available(clock::time_point::min()), 0u);
  EXPECT_EQ(bucket.available(clock::time_point::max()), max_u64);
  EXPECT_TRUE(bucket.try_take(max_u64, clock::time_point::max()));

  // The largest credits: a full bucket of 2^64 - 1 tokens, one a day.
  token_bucket slow({1, 24h}, max_u64, t0);
  ASSERT_TRUE(slow.try_take(max_u64, t0));
  EXPECT_EQ(slow.available(t0 + 24h), 1u);
  EXPECT_EQ(slow.available(clock::time_point::max()),
            static_cast<std::uint64_t>((clock::time_point::max() - t0) / 24h));
  EXPECT_EQ(slow.time_until(max_u64, t0), never);  // longer than nanoseconds can say

  token_bucket connections({100, 1s}, 100, clock::time_point());
  ASSERT_TRUE(connections.try_take(100, clock::time_point()));
  EXPECT_EQ(connections.available(clock::time_point::max()), 100u);
  EXPECT_EQ(connections.time_until(100, clock::time_point::max()), 0ns);
}

TEST(token_bucket, time_until_is_exact) {
  struct case_ {
    token_rate rate;
    std::uint64_t capacity;
    std::uint64_t taken;  // at t0, before asking
    std::uint64_t wanted;
  };
  const std::vector<case_> cases = {
      {{1, 1s}, 1, 1, 1},
      {{3, 1s}, 3, 3, 1},
      {{3, 1s}, 3, 3, 2},
      {{3, 1s}, 3, 3, 3},
      {{7, 3s}, 10, 9, 5},
      {{1000, 1ms}, 5000, 5000, 4321},
      {{1, 24h}, 2, 2, 2},
      {{max_u64, 1s}, 10, 10, 1},
      {{1, 1ns}, 1, 1, 1},
      {{1'000'000'000, 1s}, 1, 1, 1},
      {{1250000, 1s}, 65536, 65536, 65536},
      {{2, 3ns}, 9, 8, 9},
  };
  for (const case_& c : cases) {
    token_bucket bucket(c.rate, c.capacity, t0);
    ASSERT_TRUE(bucket.try_take(c.taken, t0));
    nanoseconds wait = bucket.time_until(c.wanted, t0);
    ASSERT_GT(wait, 0ns);
    SCOPED_TRACE(testing::Message() << c.rate.tokens << " per " << c.rate.period.count() << " ns, wait " << wait.count()
                                    << " ns");
    token_bucket early = bucket;
    EXPECT_EQ(early.time_until(c.wanted, t0 + wait - 1ns), 1ns);
    EXPECT_FALSE(early.try_take(c.wanted, t0 + wait - 1ns));
    EXPECT_TRUE(bucket.try_take(c.wanted, t0 + wait));
  }
}

TEST(token_bucket, time_until_is_zero_when_the_tokens_are_there) {
  token_bucket bucket({1, 1s}, 4, t0);
  EXPECT_EQ(bucket.time_until(4, t0), 0ns);
  EXPECT_EQ(bucket.time_until(0, t0), 0ns);
  ASSERT_TRUE(bucket.try_take(4, t0));
  EXPECT_EQ(bucket.time_until(2, t0), 2s);
  EXPECT_EQ(bucket.time_until(2, t0 + 1500ms), 500ms);
  EXPECT_EQ(bucket.time_until(2, t0 + 2s), 0ns);
}

TEST(token_bucket, time_until_is_never_when_the_tokens_cannot_come) {
  token_bucket bucket({1, 1s}, 4, t0);
  EXPECT_EQ(bucket.time_until(5, t0), never);
  EXPECT_FALSE(bucket.try_take(5, t0 + 1000h));
  token_bucket frozen({0, 1s}, 4, t0);
  ASSERT_TRUE(frozen.try_take(4, t0));
  EXPECT_EQ(frozen.time_until(1, t0), never);
  EXPECT_EQ(frozen.available(t0 + 1000h), 0u);
}

TEST(token_bucket, time_until_counts_from_a_now_earlier_than_the_last_call) {
  // Several threads read the clock, then take in another order: a late-comer's `now` can be
  // behind the bucket's; its wait must still end when the tokens are there.
  token_bucket bucket({1, 1s}, 1, t0);
  ASSERT_TRUE(bucket.try_take(1, t0 + 1s));  // its only token: empty from t0 + 1s
  EXPECT_EQ(bucket.time_until(1, t0 + 1s), 1s);
  EXPECT_EQ(bucket.time_until(1, t0 + 500ms), 1500ms);
  EXPECT_FALSE(bucket.try_take(1, t0 + 500ms));
  EXPECT_TRUE(bucket.try_take(1, t0 + 2s));
}

TEST(token_bucket, take_or_wait_takes_or_says_how_long) {
  token_bucket bucket({10, 1s}, 2, t0);
  EXPECT_EQ(bucket.take_or_wait(2, t0), 0ns);
  EXPECT_EQ(bucket.take_or_wait(1, t0), 100ms);
  EXPECT_EQ(bucket.take_or_wait(1, t0 + 40ms), 60ms);
  EXPECT_EQ(bucket.take_or_wait(1, t0 + 100ms), 0ns);
  EXPECT_EQ(bucket.take_or_wait(3, t0 + 100ms), never);
}

TEST(token_bucket, set_rate_keeps_the_tokens_there) {
  token_bucket bucket({10, 1s}, 10, t0);
  ASSERT_TRUE(bucket.try_take(6, t0));
  bucket.set_rate({100, 1s}, 10, t0);
  EXPECT_EQ(bucket.rate(), (token_rate{100, 1s}));
  EXPECT_EQ(bucket.capacity(), 10u);
  EXPECT_EQ(bucket.available(t0), 4u);
  EXPECT_EQ(bucket.available(t0 + 10ms), 5u);  // refills at the new rate from now on
}

TEST(token_bucket, set_rate_refills_the_time_before_at_the_old_rate) {
  token_bucket bucket({1, 1s}, 10, t0);
  ASSERT_TRUE(bucket.try_take(10, t0));
  bucket.set_rate({1, 1ms}, 10, t0 + 2s);  // the 2 s before earned 2 tokens at 1/s
  EXPECT_EQ(bucket.available(t0 + 2s), 2u);
  EXPECT_EQ(bucket.available(t0 + 2s + 3ms), 5u);
}

TEST(token_bucket, set_rate_keeps_a_fraction_of_a_token) {
  token_bucket bucket({1, 1s}, 1, t0);
  ASSERT_TRUE(bucket.try_take(1, t0));
  bucket.set_rate({2, 1s}, 1, t0 + 500ms);  // half a token there
  EXPECT_FALSE(bucket.try_take(1, t0 + 749ms));
  EXPECT_TRUE(bucket.try_take(1, t0 + 750ms));
}

TEST(token_bucket, set_rate_clamps_to_a_smaller_capacity_and_does_not_grant_a_larger_one) {
  token_bucket bucket({1, 1s}, 10, t0);
  ASSERT_TRUE(bucket.try_take(2, t0));
  bucket.set_rate({1, 1s}, 3, t0);
  EXPECT_EQ(bucket.available(t0), 3u);
  bucket.set_rate({1, 1s}, 100, t0);
  EXPECT_EQ(bucket.available(t0), 3u);
  EXPECT_EQ(bucket.available(t0 + 97s), 100u);
}

TEST(token_bucket, set_rate_with_extreme_periods_does_not_overflow) {
  token_bucket bucket({1, 1ns}, max_u64, t0);
  bucket.set_rate({1, nanoseconds::max()}, max_u64, t0);
  EXPECT_EQ(bucket.available(t0), max_u64);
  bucket.set_rate({max_u64, 1ns}, max_u64, t0);
  EXPECT_EQ(bucket.available(t0), max_u64);
}

TEST(token_bucket, a_period_under_a_nanosecond_is_one_nanosecond) {
  token_bucket bucket({1, 0ns}, 1, t0);
  EXPECT_EQ(bucket.rate().period, 1ns);
  ASSERT_TRUE(bucket.try_take(1, t0));
  EXPECT_EQ(bucket.time_until(1, t0), 1ns);
}

TEST(connection_rate_limit, burst_defaults_to_the_count) {
  connection_rate_limit limit = connection_rate_limit_from(connection_rate{100, 1000ms}, std::nullopt);
  EXPECT_EQ(limit.rate, (token_rate{100, 1s}));
  EXPECT_EQ(limit.capacity, 100u);
  connection_rate_limit bursty = connection_rate_limit_from(connection_rate{5, 60000ms}, 50);
  EXPECT_EQ(bursty.rate, (token_rate{5, 60s}));
  EXPECT_EQ(bursty.capacity, 50u);
  token_bucket bucket(bursty.rate, bursty.capacity, t0);
  EXPECT_TRUE(bucket.try_take(50, t0));
  EXPECT_EQ(bucket.time_until(1, t0), 12s);
}

// Several threads take from one bucket: the successes never exceed the tokens there were.
TEST(shared_token_bucket, concurrent_takes_never_exceed_the_tokens) {
  shared_token_bucket bucket({0, 1s}, 1000, t0);
  std::atomic<std::uint64_t> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (bucket.try_take(1, t0)) {
          taken.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(taken.load(), 1000u);
  EXPECT_EQ(bucket.available(t0), 0u);
}

TEST(shared_token_bucket, concurrent_takes_while_refilling_get_exactly_what_time_earned) {
  // A shared fake clock that every take moves on by 1 µs; 1 token per 10 µs, burst 5. However
  // the threads interleave, what they take together can be no more than burst + earned, and
  // since they keep trying, no less than earned minus the final partial token.
  shared_token_bucket bucket({1, 10us}, 5, t0);
  std::atomic<std::int64_t> ticks{0};
  std::atomic<std::uint64_t> taken{0};
  constexpr int threads = 6;
  constexpr int per_thread = 20000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        clock::time_point now = t0 + std::chrono::microseconds(ticks.fetch_add(1) + 1);
        if (bucket.take_or_wait(1, now) == 0ns) {
          taken.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  std::uint64_t earned = threads * per_thread / 10;
  EXPECT_LE(taken.load(), 5 + earned);
  EXPECT_GE(taken.load(), earned - 1);
}

TEST(shared_token_bucket, forwards_every_call) {
  shared_token_bucket bucket({10, 1s}, 2, t0);
  EXPECT_EQ(bucket.available(t0), 2u);
  EXPECT_TRUE(bucket.try_take(1, t0));
  EXPECT_EQ(bucket.take_or_wait(1, t0), 0ns);
  EXPECT_EQ(bucket.time_until(1, t0), 100ms);
  EXPECT_EQ(bucket.take_or_wait(1, t0), 100ms);
  bucket.set_rate({20, 1s}, 4, t0);
  EXPECT_EQ(bucket.rate(), (token_rate{20, 1s}));
  EXPECT_EQ(bucket.capacity(), 4u);
  EXPECT_EQ(bucket.time_until(1, t0), 50ms);
  EXPECT_EQ(bucket.take_up_to(9, t0 + 1s), 4u);
  bucket.give_back(1);
  EXPECT_EQ(bucket.available(t0 + 1s), 1u);
}

}  // namespace
}  // namespace polyport::detail
