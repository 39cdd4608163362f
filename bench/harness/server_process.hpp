// A benchmarked echo server running as a child process: started through /bin/sh, ready once it
// prints `listening <scheme> <transport> 127.0.0.1:PORT`, measured through /proc, stopped with SIGTERM.
// Later stdout output stays in the pipe unread: a server printing more than the pipe holds
// (64 KiB) would block, so log to stderr, which is passed through.
// Thread-safety: distinct objects safe; one object from one thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace bench {

// The polyport command line contract, relative to the repo root (run the benchmarks from there).
inline constexpr const char* default_polyport_command =
    "build/polyport serve --workers 1 \"echo://127.0.0.1:0;transport=tcp;max_connections=20000;idle_timeout=600000\"";

// The same with the listener's policy chain on: the limit, 10 access rules (nine that do not
// match 127.0.0.1, then the one that lets it in: the worst case, every rule checked) and a
// required PROXY v2 header.
inline constexpr const char* default_policy_command =
    "build/polyport serve --workers 1 \"echo://127.0.0.1:0;transport=tcp;max_connections=20000;idle_timeout=600000;"
    "proxy_protocol=v2;deny=10.0.0.0/8;deny=172.16.0.0/12;deny=192.168.0.0/16;deny=100.64.0.0/10;"
    "deny=169.254.0.0/16;deny=192.0.2.0/24;deny=198.51.100.0/24;deny=203.0.113.0/24;deny=fd00::/8;"
    "allow=127.0.0.0/8\"";

// raw_epoll_echo next to the running benchmark binary: both come out of the same build.
std::string default_baseline_command();

class server_process {
 public:
  // Starts `command` pinned to `cpu` (-1: unpinned) and waits up to 10 s for its listening line.
  // Throws std::runtime_error, with the child already reaped, when it does not come.
  server_process(std::string name, const std::string& command, int cpu);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  const std::string& name() const { return name_; }
  int port() const { return port_; }

  // utime + stime of the whole process (all threads), from /proc/PID/stat; 10 ms resolution.
  std::chrono::microseconds cpu_time() const;
  // VmRSS from /proc/PID/status.
  long rss_bytes() const;

  // SIGTERM, then waits up to 5 s (SIGKILL after). True when the server exited with status 0,
  // as its contract says; idempotent.
  bool stop();

 private:
  void wait_for_listening_line();

  std::string name_;
  pid_t pid_ = -1;
  int stdout_ = -1;
  int port_ = 0;
  bool clean_exit_ = false;
};

}  // namespace bench
