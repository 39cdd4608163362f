#pragma once
// A program the test starts (polyport itself, or a real peer such as openssl or socat): its
// stdout is read line by line with deadlines, and it is always stopped when the test ends.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace polyport::testing {

class child_process {
 public:
  // Starts `argv` (argv[0] is looked up in PATH). stdin is a pipe the test can write to;
  // stderr goes to the test's stderr unless `capture_stderr`, which merges it into stdout.
  explicit child_process(std::vector<std::string> argv, bool capture_stderr = false);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // The next line of output (without "\n"), or nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads lines until one contains `needle`; returns it.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // All output until the process closes it (or the timeout).
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  void write_stdin(const std::string& data);
  void close_stdin();
  void signal(int number);
  // The exit code (128 + signal when killed by one), or nullopt if still running at the timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stdin_fd_ = -1;
  std::string buffered_;
  std::optional<int> exit_code_;
};

// Runs a command to completion and returns its exit code and output (stdout and stderr merged).
struct command_result {
  int exit_code = -1;
  std::string output;
};
command_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// True when `program` is on PATH. Peer tests fail (never skip) when it is not.
bool program_exists(const std::string& program);

}  // namespace polyport::testing
