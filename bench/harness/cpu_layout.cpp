#include "cpu_layout.hpp"

#include <sched.h>

#include <stdexcept>

namespace bench {

cpu_layout choose_cpu_layout(const std::string& mode) {
  if (mode == "free") {
    return {-1, -1, "client and servers not pinned"};
  }
  if (mode != "shared" && mode != "split") {
    throw std::runtime_error("--cpus wants shared, split or free, not '" + mode + "'");
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof allowed, &allowed);
  int first = -1;
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      first = first < 0 ? cpu : first;
      last = cpu;
    }
  }
  if (mode == "shared" || first == last) {
    return {last, last, "client and servers pinned to CPU " + std::to_string(last)};
  }
  return {first, last, "client pinned to CPU " + std::to_string(first) + ", servers to CPU " + std::to_string(last)};
}

void pin_to_cpu(int cpu) {
  if (cpu < 0) {
    return;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

}  // namespace bench
