// Which CPU the load generator and the servers run on.
//
// On the VM this was written on, a wake-up that crosses to an idle vCPU costs milliseconds, so
// client and server on separate CPUs settle into a slow, unstable regime; sharing one CPU gives
// stable rounds (see bench/README.md). `split` is the usual choice on bare metal.
#pragma once

#include <string>

namespace bench {

struct cpu_layout {
  int client = -1;  // -1: not pinned
  int server = -1;
  std::string description;
};

// mode: "shared" (both on the last allowed CPU), "split" (first and last allowed CPU) or "free"
// (the scheduler decides). Throws std::runtime_error on another mode.
cpu_layout choose_cpu_layout(const std::string& mode);

// Binds the calling thread, and what it forks afterwards, to one CPU; -1 leaves it unbound.
void pin_to_cpu(int cpu);

}  // namespace bench
