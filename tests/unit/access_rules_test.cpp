#include "polyport/access_rules.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "polyport/options.hpp"
#include "polyport/url.hpp"

namespace polyport {

// So that gtest prints rules and decisions readably in failures.
void PrintTo(const access_rule& rule, std::ostream* out) { *out << to_string(rule); }
void PrintTo(access_decision decision, std::ostream* out) { *out << to_string(decision); }

namespace {

constexpr access_decision allow = access_decision::allow;
constexpr access_decision deny = access_decision::deny;

access_rule rule(std::string_view text) {
  auto parsed = access_rules::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : access_rule{};
}

std::vector<access_rule> rules(std::initializer_list<std::string_view> texts) {
  std::vector<access_rule> out;
  for (std::string_view text : texts) {
    out.push_back(rule(text));
  }
  return out;
}

std::string parse_error(std::string_view text) {
  auto parsed = access_rules::parse(text);
  EXPECT_FALSE(parsed.ok()) << text << " parsed as " << (parsed.ok() ? to_string(*parsed) : "");
  return parsed.ok() ? "" : parsed.error().message;
}

ip_address ip(std::string_view text) {
  auto parsed = ip_address::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(ip_address{});
}

access_decision check(const access_rules& list, std::string_view address) { return list.check(ip(address)); }

TEST(access_rules, empty_list_allows_everyone_by_default) {
  access_rules list;
  EXPECT_EQ(check(list, "10.1.2.3"), allow);
  EXPECT_EQ(check(list, "::1"), allow);
  EXPECT_EQ(list.when_unmatched(), allow);
  EXPECT_TRUE(list.list().empty());
}

TEST(access_rules, deny_by_default_with_an_empty_list_denies_everyone) {
  access_rules list({}, deny);
  EXPECT_EQ(check(list, "10.1.2.3"), deny);
  EXPECT_EQ(check(list, "2001:db8::1"), deny);
}

TEST(access_rules, unmatched_addresses_take_the_default) {
  access_rules open(rules({"deny 10.0.0.0/8"}), allow);
  EXPECT_EQ(check(open, "10.9.9.9"), deny);
  EXPECT_EQ(check(open, "192.168.0.1"), allow);
  access_rules closed(rules({"allow 10.0.0.0/8"}), deny);
  EXPECT_EQ(check(closed, "10.9.9.9"), allow);
  EXPECT_EQ(check(closed, "192.168.0.1"), deny);
}

TEST(access_rules, first_match_wins) {
  access_rules list(rules({"deny 10.1.0.0/16", "allow 10.0.0.0/8", "deny all"}));
  EXPECT_EQ(check(list, "10.1.2.3"), deny);
  EXPECT_EQ(check(list, "10.2.3.4"), allow);
  EXPECT_EQ(check(list, "11.0.0.1"), deny);

  // The same rules the other way round: the broad allow now shadows the narrow deny.
  access_rules reversed(rules({"allow 10.0.0.0/8", "deny 10.1.0.0/16", "deny all"}));
  EXPECT_EQ(check(reversed, "10.1.2.3"), allow);
}

TEST(access_rules, all_matches_every_address_of_both_families) {
  access_rules denied(rules({"deny all", "allow 10.0.0.0/8"}));
  EXPECT_EQ(check(denied, "10.0.0.1"), deny);
  EXPECT_EQ(check(denied, "::1"), deny);
  EXPECT_EQ(check(denied, "::ffff:10.0.0.1"), deny);
  access_rules allowed(rules({"allow all"}), deny);
  EXPECT_EQ(check(allowed, "0.0.0.0"), allow);
  EXPECT_EQ(check(allowed, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), allow);
}

TEST(access_rules, network_boundaries) {
  access_rules list(rules({"allow 192.168.1.0/24", "allow 172.16.0.0/12", "allow 203.0.113.7"}), deny);
  EXPECT_EQ(check(list, "192.168.1.0"), allow);
  EXPECT_EQ(check(list, "192.168.1.255"), allow);
  EXPECT_EQ(check(list, "192.168.2.0"), deny);
  EXPECT_EQ(check(list, "192.168.0.255"), deny);
  EXPECT_EQ(check(list, "172.31.255.255"), allow);
  EXPECT_EQ(check(list, "172.32.0.0"), deny);
  EXPECT_EQ(check(list, "203.0.113.7"), allow);  // a bare address is a /32
  EXPECT_EQ(check(list, "203.0.113.8"), deny);
}

TEST(access_rules, ipv6_networks) {
  access_rules list(rules({"deny 2001:db8:1::/48", "allow 2001:db8::/32", "allow ::1"}), deny);
  EXPECT_EQ(check(list, "2001:db8:1:ffff::1"), deny);
  EXPECT_EQ(check(list, "2001:db8:2::1"), allow);  // esockd's /48 bug would treat the deny as /32
  EXPECT_EQ(check(list, "2001:db8:ffff::"), allow);
  EXPECT_EQ(check(list, "2001:db9::1"), deny);
  EXPECT_EQ(check(list, "::1"), allow);
  EXPECT_EQ(check(list, "::2"), deny);
}

TEST(access_rules, families_do_not_cross_except_for_mapped_ipv4) {
  access_rules v4_only(rules({"allow 10.0.0.0/8"}), deny);
  EXPECT_EQ(check(v4_only, "::a01:203"), deny);  // IPv4-compatible ::10.1.2.3 is not mapped IPv4
  EXPECT_EQ(check(v4_only, "2001:db8::10:1:2:3"), deny);
  access_rules v6_only(rules({"allow ::/0"}), deny);
  EXPECT_EQ(check(v6_only, "::"), allow);
  EXPECT_EQ(check(v6_only, "10.1.2.3"), allow);  // as ::ffff:10.1.2.3, which ::/0 holds
  access_rules documentation(rules({"allow 2001:db8::/32"}), deny);
  EXPECT_EQ(check(documentation, "10.1.2.3"), deny);
}

TEST(access_rules, mapped_ipv4_matches_ipv4_rules) {
  access_rules list(rules({"deny 10.1.0.0/16", "allow 10.0.0.0/8"}), deny);
  EXPECT_EQ(check(list, "::ffff:10.2.3.4"), allow);
  EXPECT_EQ(check(list, "::ffff:10.1.3.4"), deny);
  EXPECT_EQ(check(list, "::ffff:11.0.0.1"), deny);
}

TEST(access_rules, ipv4_matches_mapped_ipv6_rules) {
  access_rules list(rules({"allow ::ffff:10.0.0.0/104"}), deny);
  EXPECT_EQ(check(list, "10.200.0.1"), allow);
  EXPECT_EQ(check(list, "::ffff:10.200.0.1"), allow);
  EXPECT_EQ(check(list, "11.0.0.1"), deny);
}

TEST(access_rules, add_front_takes_priority) {
  access_rules list(rules({"allow 10.0.0.0/8"}), deny);
  list.add_front(rule("deny 10.1.0.0/16"));
  EXPECT_EQ(list.list(), rules({"deny 10.1.0.0/16", "allow 10.0.0.0/8"}));
  EXPECT_EQ(check(list, "10.1.0.1"), deny);
  EXPECT_EQ(check(list, "10.2.0.1"), allow);
}

TEST(access_rules, add_back_comes_after_every_other_rule) {
  access_rules list(rules({"allow 10.0.0.0/8"}));
  list.add_back(rule("deny all"));
  EXPECT_EQ(list.list(), rules({"allow 10.0.0.0/8", "deny all"}));
  EXPECT_EQ(check(list, "10.1.0.1"), allow);
  EXPECT_EQ(check(list, "11.0.0.1"), deny);
  list.add_back(rule("allow 11.0.0.0/8"));  // after deny all: it never decides
  EXPECT_EQ(check(list, "11.0.0.1"), deny);
}

TEST(access_rules, adding_an_equal_rule_moves_it_instead_of_duplicating_it) {
  access_rules list(rules({"allow 10.0.0.0/8", "deny 10.1.0.0/16", "deny all"}));
  list.add_front(rule("deny 10.1.0.0/16"));
  EXPECT_EQ(list.list(), rules({"deny 10.1.0.0/16", "allow 10.0.0.0/8", "deny all"}));
  list.add_back(rule("allow 10.0.0.0/8"));
  EXPECT_EQ(list.list(), rules({"deny 10.1.0.0/16", "deny all", "allow 10.0.0.0/8"}));
  // Same network, other decision: a different rule, so both stay.
  list.add_front(rule("allow 10.1.0.0/16"));
  EXPECT_EQ(list.list().size(), 4u);
  EXPECT_EQ(check(list, "10.1.0.1"), allow);
}

TEST(access_rules, remove_takes_out_the_equal_rule_only) {
  access_rules list(rules({"deny 10.1.0.0/16", "allow 10.0.0.0/8", "allow 10.1.0.0/16"}), deny);
  EXPECT_TRUE(list.remove(rule("deny 10.1.0.0/16")));
  EXPECT_EQ(list.list(), rules({"allow 10.0.0.0/8", "allow 10.1.0.0/16"}));
  EXPECT_EQ(check(list, "10.1.0.1"), allow);
  EXPECT_FALSE(list.remove(rule("deny 10.1.0.0/16")));
  EXPECT_FALSE(list.remove(rule("allow 10.0.0.0/9")));
  EXPECT_FALSE(list.remove(rule("deny all")));
  EXPECT_EQ(list.list().size(), 2u);
}

TEST(access_rules, remove_takes_out_every_copy_a_replaced_list_had) {
  access_rules list(rules({"deny all", "allow ::1", "deny all"}));
  EXPECT_TRUE(list.remove(rule("deny all")));
  EXPECT_EQ(list.list(), rules({"allow ::1"}));
  EXPECT_EQ(check(list, "10.0.0.1"), allow);
}

TEST(access_rules, replace_swaps_every_rule_and_keeps_the_default) {
  access_rules list(rules({"allow 10.0.0.0/8"}), deny);
  list.replace(rules({"allow 192.168.0.0/16", "deny 192.168.1.0/24"}));
  EXPECT_EQ(list.list(), rules({"allow 192.168.0.0/16", "deny 192.168.1.0/24"}));
  EXPECT_EQ(check(list, "10.0.0.1"), deny);
  EXPECT_EQ(check(list, "192.168.1.1"), allow);
  list.replace({});
  EXPECT_EQ(check(list, "192.168.1.1"), deny);
  EXPECT_EQ(list.when_unmatched(), deny);
}

TEST(access_rules, set_when_unmatched_keeps_the_rules) {
  access_rules list(rules({"deny 10.0.0.0/8"}));
  EXPECT_EQ(check(list, "11.0.0.1"), allow);
  list.set_when_unmatched(deny);
  EXPECT_EQ(check(list, "11.0.0.1"), deny);
  EXPECT_EQ(list.list(), rules({"deny 10.0.0.0/8"}));
}

TEST(access_rules_parse, plain_forms) {
  access_rule network = rule("allow 10.0.0.0/8");
  EXPECT_TRUE(network.allow);
  ASSERT_TRUE(network.network.has_value());
  EXPECT_EQ(*network.network, *parse_cidr("10.0.0.0/8"));
  EXPECT_EQ(rule("deny all"), (access_rule{false, std::nullopt}));
  EXPECT_EQ(rule("allow all"), (access_rule{true, std::nullopt}));
  EXPECT_EQ(rule("allow ::1"), (access_rule{true, *parse_cidr("::1/128")}));
  EXPECT_EQ(rule("deny 2001:db8::/32"), (access_rule{false, *parse_cidr("2001:db8::/32")}));
  EXPECT_EQ(rule("allow 192.168.1.7"), (access_rule{true, *parse_cidr("192.168.1.7/32")}));
}

TEST(access_rules_parse, keywords_ignore_case_and_spaces_are_free) {
  EXPECT_EQ(rule("ALLOW 10.0.0.0/8"), rule("allow 10.0.0.0/8"));
  EXPECT_EQ(rule("Deny ALL"), rule("deny all"));
  EXPECT_EQ(rule("  deny\t\t10.0.0.0/8 \n"), rule("deny 10.0.0.0/8"));
}

TEST(access_rules_parse, url_forms) {
  EXPECT_EQ(rule("allow=10.0.0.0/8"), rule("allow 10.0.0.0/8"));
  EXPECT_EQ(rule("deny=all"), rule("deny all"));
  EXPECT_EQ(rule("allow = ::1"), rule("allow ::1"));
  EXPECT_EQ(rule("deny=\"10.0.0.0/8\""), rule("deny 10.0.0.0/8"));
  EXPECT_EQ(rule("deny=\"all\""), rule("deny all"));
}

TEST(access_rules_parse, agrees_with_the_url_options) {
  auto u = parse_url("echo://h;allow=\"10.0.0.0/8\";allow=::1;deny=all");
  ASSERT_TRUE(u.ok()) << u.error().message;
  auto o = options_from_url(*u);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->access_rules, rules({"allow 10.0.0.0/8", "allow=::1", "deny=all"}));
}

TEST(access_rules_parse, errors_name_the_text_and_the_problem) {
  EXPECT_EQ(parse_error(""), "invalid access rule \"\": expected \"allow\" or \"deny\"");
  EXPECT_EQ(parse_error("permit all"), "invalid access rule \"permit all\": expected \"allow\" or \"deny\"");
  EXPECT_EQ(parse_error("allowed 10.0.0.0/8"),
            "invalid access rule \"allowed 10.0.0.0/8\": expected \"allow\" or \"deny\"");
  EXPECT_EQ(parse_error("10.0.0.0/8"), "invalid access rule \"10.0.0.0/8\": expected \"allow\" or \"deny\"");
  EXPECT_EQ(parse_error("allow"),
            "invalid access rule \"allow\": expected a network (a CIDR or \"all\") after \"allow\"");
  EXPECT_EQ(parse_error("deny= "),
            "invalid access rule \"deny= \": expected a network (a CIDR or \"all\") after \"deny\"");
  EXPECT_EQ(parse_error("deny \"\""),
            "invalid access rule \"deny \"\"\": expected a network (a CIDR or \"all\") after \"deny\"");
  EXPECT_EQ(parse_error("allow 10.0.0.0/8, ::1"),
            "invalid access rule \"allow 10.0.0.0/8, ::1\": expected one network; add each rule on its own");
  EXPECT_EQ(parse_error("allow 10.0.0.0/8 ::1"),
            "invalid access rule \"allow 10.0.0.0/8 ::1\": unexpected text after the network");
  EXPECT_EQ(parse_error("deny all now"), "invalid access rule \"deny all now\": unexpected text after the network");
  EXPECT_EQ(parse_error("allow everyone"),
            "invalid access rule \"allow everyone\": invalid CIDR \"everyone\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(parse_error("allow 10.0.0.1/8"),
            "invalid access rule \"allow 10.0.0.1/8\": invalid CIDR \"10.0.0.1/8\": address has bits set beyond "
            "the /8 prefix");
  EXPECT_EQ(parse_error("deny ::1/129"),
            "invalid access rule \"deny ::1/129\": invalid CIDR \"::1/129\": prefix length over 128");
  EXPECT_EQ(parse_error("allow 10.0.0.0/"),
            "invalid access rule \"allow 10.0.0.0/\": invalid CIDR \"10.0.0.0/\": expected a prefix length after "
            "\"/\"");
}

TEST(access_rules_parse, long_text_is_cut_in_the_error) {
  std::string text = "permit " + std::string(500, 'x');
  std::string message = parse_error(text);
  EXPECT_LT(message.size(), 200u);
  EXPECT_EQ(message.rfind("invalid access rule \"permit xxx", 0), 0u);
}

TEST(access_rules_parse, to_string_reads_back_equal) {
  for (std::string_view text : {"allow 10.0.0.0/8", "deny all", "allow all", "allow ::1", "deny 2001:db8::/32",
                                "allow 192.168.1.7", "deny ::ffff:10.0.0.0/104", "allow 0.0.0.0/0", "deny ::/0"}) {
    access_rule parsed = rule(text);
    EXPECT_EQ(rule(to_string(parsed)), parsed) << text;
  }
  EXPECT_EQ(to_string(rule("allow 10.0.0.0/8")), "allow 10.0.0.0/8");
  EXPECT_EQ(to_string(rule("deny=ALL")), "deny all");
  EXPECT_EQ(to_string(rule("allow ::1")), "allow ::1/128");
  EXPECT_EQ(to_string(allow), "allow");
  EXPECT_EQ(to_string(deny), "deny");
}

// A reader checks addresses while a writer swaps two rule sets: every answer must be the one set
// A or set B gives, never a mix (the addresses are chosen so the two sets disagree on each).
TEST(access_rules_concurrency, check_during_replace_sees_one_whole_set) {
  const std::vector<access_rule> set_a = rules({"allow 10.0.0.0/8", "deny all"});
  const std::vector<access_rule> set_b = rules({"deny 10.0.0.0/8", "allow 192.168.0.0/16", "allow ::1"});
  const std::vector<ip_address> addresses = {ip("10.1.2.3"), ip("192.168.1.1"), ip("::1"), ip("::ffff:10.0.0.1")};
  access_rules list(set_a, deny);
  std::vector<access_decision> answers_a;
  std::vector<access_decision> answers_b;
  for (const ip_address& address : addresses) {
    answers_a.push_back(access_rules(set_a, deny).check(address));
    answers_b.push_back(access_rules(set_b, deny).check(address));
    ASSERT_NE(answers_a.back(), answers_b.back()) << address.to_string();
  }

  std::atomic<bool> stop{false};
  std::atomic<long> wrong{0};
  std::atomic<long> checks{0};
  std::vector<std::thread> readers;
  for (int reader = 0; reader < 3; ++reader) {
    readers.emplace_back([&] {
      long count = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < addresses.size(); ++i) {
          access_decision answer = list.check(addresses[i]);
          if (answer != answers_a[i] && answer != answers_b[i]) {
            wrong.fetch_add(1);
          }
          ++count;
        }
        std::vector<access_rule> seen = list.list();
        if (seen != set_a && seen != set_b) {
          wrong.fetch_add(1);
        }
      }
      checks.fetch_add(count);
    });
  }
  std::thread writer([&] {
    for (int swap = 0; swap < 5000; ++swap) {
      list.replace(swap % 2 == 0 ? set_b : set_a);
    }
  });
  writer.join();
  stop = true;
  for (std::thread& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(checks.load(), 0);
}

// Mutators from several admin threads at once lose no change: each copy-on-write starts from the
// set the previous one published.
TEST(access_rules_concurrency, concurrent_mutators_lose_no_change) {
  access_rules list({}, deny);
  constexpr int threads = 4;
  constexpr int per_thread = 200;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      (void)list.check(ip("10.0.0.1"));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string text = "allow 10." + std::to_string(t) + "." + std::to_string(i) + ".0/24";
        if (i % 2 == 0) {
          list.add_front(rule(text));
        } else {
          list.add_back(rule(text));
        }
      }
      // Take out this thread's even rules again: remove() must find each one.
      for (int i = 0; i < per_thread; i += 2) {
        EXPECT_TRUE(list.remove(rule("allow 10." + std::to_string(t) + "." + std::to_string(i) + ".0/24")));
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  stop = true;
  reader.join();
  EXPECT_EQ(list.list().size(), static_cast<std::size_t>(threads * per_thread / 2));
  EXPECT_EQ(check(list, "10.3.199.1"), allow);
  EXPECT_EQ(check(list, "10.3.198.1"), deny);
}

}  // namespace
}  // namespace polyport
