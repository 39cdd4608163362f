// Which two servers a benchmark sets against each other (`--compare`): the raw epoll baseline
// against polyport, or plain polyport against polyport with its policy chain on, whose clients
// must send a PROXY v2 header first.
// Thread-safety: plain value type.
#pragma once

#include <string>

#include "flags.hpp"

namespace bench {

struct comparison {
  std::string baseline_name;  // as the table shows it
  std::string measured_name;
  std::string baseline_command;
  std::string measured_command;
  bool measured_wants_proxy_header = false;
};

// From --compare (raw or policy), --baseline-cmd, --polyport-cmd and --policy-cmd. Throws
// std::runtime_error for another --compare.
comparison chosen_comparison(const flags& options);

}  // namespace bench
