#include "dns/dns_cache.hpp"

#include <gtest/gtest.h>

#include "fake_dns_source.hpp"

namespace polyport::detail {
namespace {

using namespace std::chrono_literals;

class dns_cache_test : public ::testing::Test {
 protected:
  dns_answer answer_with_ttl(std::uint32_t ttl, dns_answer::outcome kind = dns_answer::outcome::records) {
    dns_answer answer;
    answer.kind = kind;
    answer.ttl = ttl;
    if (kind == dns_answer::outcome::records) {
      answer.addresses.push_back(*ip_address::parse("127.0.0.1"));
    }
    return answer;
  }
  // Asks through the lookup and says whether the answer came (synchronously).
  std::optional<result<dns_answer>> find(const std::string& name, lookup_policy policy = {}) {
    std::optional<result<dns_answer>> got;
    lookup_.find(name, record_type::a, policy, [&](result<dns_answer> outcome) { got = std::move(outcome); });
    return got;
  }

  std::chrono::steady_clock::time_point now_{};
  dns_cache cache_{[this] { return now_; }};
  testing::fake_dns_source source_;
  dns_lookup lookup_{source_, cache_};
};

TEST_F(dns_cache_test, an_answer_lives_for_its_ttl) {
  cache_.store("h", record_type::a, answer_with_ttl(20), {1s, 60s});
  now_ += 19s;
  EXPECT_TRUE(cache_.find("h", record_type::a));
  now_ += 1s;
  EXPECT_FALSE(cache_.find("h", record_type::a));
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(dns_cache_test, the_floor_and_the_cap_bound_the_ttl) {
  cache_.store("zero", record_type::a, answer_with_ttl(0), {1s, 60s});
  cache_.store("long", record_type::a, answer_with_ttl(86400), {1s, 60s});
  cache_.store("off", record_type::a, answer_with_ttl(86400), {1s, 0s});
  EXPECT_FALSE(cache_.find("off", record_type::a));
  now_ += 999ms;
  EXPECT_TRUE(cache_.find("zero", record_type::a));
  now_ += 1ms;
  EXPECT_FALSE(cache_.find("zero", record_type::a));
  now_ += 59s;
  EXPECT_FALSE(cache_.find("long", record_type::a));
}

TEST_F(dns_cache_test, negative_answers_are_kept_by_their_soa_ttl_and_errors_not_at_all) {
  source_.set("nx", record_type::a, answer_with_ttl(30, dns_answer::outcome::no_such_name));
  source_.set("broken", record_type::a, error{"server failure (SERVFAIL)"});
  ASSERT_TRUE(find("nx"));
  ASSERT_TRUE(find("broken"));
  ASSERT_TRUE(find("nx"));
  ASSERT_TRUE(find("broken"));
  EXPECT_EQ(source_.asked.size(), 3u);  // nx once, broken twice
  now_ += 30s;
  ASSERT_TRUE(find("nx"));
  EXPECT_EQ(source_.asked.size(), 4u);
}

TEST_F(dns_cache_test, identical_questions_in_flight_share_one_query) {
  source_.set_addresses("h", {"10.0.0.1"});
  source_.hold(true);
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    lookup_.find("h", record_type::a, {}, [&](result<dns_answer> outcome) {
      ASSERT_TRUE(outcome);
      EXPECT_EQ(outcome->addresses.at(0).to_string(), "10.0.0.1");
      ++answered;
    });
  }
  EXPECT_EQ(source_.asked.size(), 1u);
  EXPECT_EQ(answered, 0);
  source_.release();
  EXPECT_EQ(answered, 3);
  source_.hold(false);
  ASSERT_TRUE(find("h"));
  EXPECT_EQ(source_.asked.size(), 1u);  // from the cache now
}

TEST_F(dns_cache_test, no_dns_cache_asks_again_and_still_stores) {
  source_.set_addresses("h", {"10.0.0.1"});
  ASSERT_TRUE(find("h"));
  lookup_policy fresh;
  fresh.read_cache = false;
  ASSERT_TRUE(find("h", fresh));
  EXPECT_EQ(source_.asked.size(), 2u);
  ASSERT_TRUE(find("h"));
  EXPECT_EQ(source_.asked.size(), 2u);
}

}  // namespace
}  // namespace polyport::detail
