// Command-line flags of the benchmark programs: `--name value` pairs, every one with a default.
// Thread-safety: plain value type.
#pragma once

#include <map>
#include <string>

namespace bench {

class flags {
 public:
  // `defaults` lists every accepted flag; an unknown flag or `--help` prints `usage` and the
  // defaults, then exits (status 2 and 0 respectively).
  flags(int argc, char** argv, std::map<std::string, std::string> defaults, const std::string& usage);

  const std::string& text(const std::string& name) const;
  // Exits with a message when the value is not a positive integer.
  int positive(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
};

// argv joined and shell-quoted, so a report can show the exact command that produced it.
std::string quoted_command_line(int argc, char** argv);

}  // namespace bench
