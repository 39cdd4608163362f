#include "dns/srv_order.hpp"

#include <algorithm>
#include <cstdint>

namespace polyport::detail {

std::vector<srv_record> order_srv(std::vector<srv_record> records, std::mt19937_64& random) {
  std::stable_sort(records.begin(), records.end(),
                   [](const srv_record& a, const srv_record& b) { return a.priority < b.priority; });
  std::vector<srv_record> ordered;
  ordered.reserve(records.size());
  auto group_start = records.begin();
  while (group_start != records.end()) {
    auto group_end = std::find_if(group_start, records.end(),
                                  [&](const srv_record& r) { return r.priority != group_start->priority; });
    std::vector<srv_record> group(group_start, group_end);
    std::stable_partition(group.begin(), group.end(), [](const srv_record& r) { return r.weight == 0; });
    while (!group.empty()) {
      std::uint64_t total = 0;
      for (const srv_record& r : group) {
        total += r.weight;
      }
      std::uint64_t draw = std::uniform_int_distribution<std::uint64_t>(0, total)(random);
      std::uint64_t running = 0;
      auto chosen = group.begin();
      for (; chosen != group.end(); ++chosen) {
        running += chosen->weight;
        if (running >= draw) {
          break;
        }
      }
      ordered.push_back(std::move(*chosen));
      group.erase(chosen);
    }
    group_start = group_end;
  }
  return ordered;
}

bool srv_not_offered(const std::vector<srv_record>& records) {
  return records.size() == 1 && records.front().target == ".";
}

}  // namespace polyport::detail
