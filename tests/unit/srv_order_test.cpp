#include "dns/srv_order.hpp"

#include <gtest/gtest.h>

#include <map>

namespace polyport::detail {
namespace {

srv_record record(std::uint16_t priority, std::uint16_t weight, const std::string& target) {
  return {priority, weight, 5060, target};
}

TEST(srv_order, lower_priorities_come_first) {
  std::mt19937_64 random(7);
  auto ordered = order_srv({record(20, 5, "c"), record(10, 1, "a"), record(30, 0, "d"), record(10, 50, "b")}, random);
  ASSERT_EQ(ordered.size(), 4u);
  EXPECT_EQ(ordered[2].target, "c");
  EXPECT_EQ(ordered[3].target, "d");
  EXPECT_EQ(ordered[0].priority, 10);
  EXPECT_EQ(ordered[1].priority, 10);
}

// RFC 2782: inside a priority, the first pick is proportional to the weights.
TEST(srv_order, weights_share_the_first_place_in_proportion) {
  std::mt19937_64 random(42);
  std::map<std::string, int> first;
  constexpr int draws = 20'000;
  for (int i = 0; i < draws; ++i) {
    ++first[order_srv({record(1, 1, "a"), record(1, 9, "b"), record(1, 90, "c")}, random).front().target];
  }
  // Draws in [0, 100]: a wins on 0..1, b on 2..10, c on 11..100 (2/101, 9/101, 90/101).
  EXPECT_NEAR(first["a"], draws * 2 / 101, 120);
  EXPECT_NEAR(first["b"], draws * 9 / 101, 250);
  EXPECT_NEAR(first["c"], draws * 90 / 101, 300);
}

// RFC 2782: weight 0 records are placed first, so they win only on a draw of 0.
TEST(srv_order, weight_zero_is_rarely_first_but_never_lost) {
  std::mt19937_64 random(1);
  int zero_first = 0;
  constexpr int draws = 11'000;
  for (int i = 0; i < draws; ++i) {
    auto ordered = order_srv({record(1, 10, "heavy"), record(1, 0, "zero")}, random);
    ASSERT_EQ(ordered.size(), 2u);
    zero_first += ordered.front().target == "zero" ? 1 : 0;
  }
  EXPECT_NEAR(zero_first, draws / 11, 150);
  auto all_zero = order_srv({record(1, 0, "x"), record(1, 0, "y")}, random);
  EXPECT_EQ(all_zero.size(), 2u);
}

TEST(srv_order, a_lone_dot_target_means_not_offered) {
  EXPECT_TRUE(srv_not_offered({record(0, 0, ".")}));
  EXPECT_FALSE(srv_not_offered({record(0, 0, "."), record(1, 0, "a")}));
  EXPECT_FALSE(srv_not_offered({}));
}

}  // namespace
}  // namespace polyport::detail
