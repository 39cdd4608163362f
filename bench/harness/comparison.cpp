#include "comparison.hpp"

#include <cstdio>
#include <stdexcept>

namespace bench {

std::map<std::string, std::string> comparison_flags(std::map<std::string, std::string> extra) {
  extra.insert({{"seconds", "3"},
                {"rounds", "5"},
                {"cpus", "shared"},
                {"compare", "raw"},
                {"policy-cmd", default_policy_command},
                {"polyport-cmd", default_polyport_command},
                {"baseline-cmd", default_baseline_command()}});
  return extra;
}

comparison chosen_comparison(const flags& options) {
  const std::string& wanted = options.text("compare");
  if (wanted == "raw") {
    return {"raw epoll", "polyport", options.text("baseline-cmd"), options.text("polyport-cmd"), false};
  }
  if (wanted == "policy") {
    return {"polyport", "polyport + policy", options.text("polyport-cmd"), options.text("policy-cmd"), true};
  }
  throw std::runtime_error("--compare wants raw or policy");
}

void print_comparison_header(const std::string& command_line, const comparison& servers) {
  std::printf("Command: `%s`\n\n", command_line.c_str());
  std::printf("Baseline: `%s`  \n%s: `%s`  \n", servers.baseline_command.c_str(), servers.measured_name.c_str(),
              servers.measured_command.c_str());
}

int stop_compared(server_process& baseline, server_process& measured) {
  std::fflush(stdout);
  const bool baseline_clean = baseline.stop();
  const bool measured_clean = measured.stop();
  return baseline_clean && measured_clean ? 0 : 1;
}

}  // namespace bench
