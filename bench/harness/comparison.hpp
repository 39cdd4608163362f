// Which two servers a benchmark sets against each other (`--compare`): the raw epoll baseline
// against polyport, or plain polyport against polyport with its policy chain on, whose clients
// must send a PROXY v2 header first.
// Thread-safety: plain value type.
#pragma once

#include <map>
#include <string>

#include "flags.hpp"
#include "server_process.hpp"

namespace bench {

struct comparison {
  std::string baseline_name;  // as the table shows it
  std::string measured_name;
  std::string baseline_command;
  std::string measured_command;
  bool measured_wants_proxy_header = false;
};

// The flags every comparison takes, with their defaults (--seconds 3, --rounds 5, --cpus shared,
// --compare raw and the three commands), plus a benchmark's own `extra` ones.
std::map<std::string, std::string> comparison_flags(std::map<std::string, std::string> extra);

// From --compare (raw or policy), --baseline-cmd, --polyport-cmd and --policy-cmd. Throws
// std::runtime_error for another --compare.
comparison chosen_comparison(const flags& options);

// The report's first lines: how to rerun it and which two commands were set against each other.
void print_comparison_header(const std::string& command_line, const comparison& servers);

// Stops both servers (each is asked, whatever the other did); the benchmark's exit code: 0 when
// both exited cleanly, as their contract says, else 1.
int stop_compared(server_process& baseline, server_process& measured);

}  // namespace bench
