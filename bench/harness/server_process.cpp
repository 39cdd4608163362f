#include "server_process.hpp"

#include "cpu_layout.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

using steady = std::chrono::steady_clock;

constexpr auto ready_timeout = std::chrono::seconds(10);
constexpr auto stop_timeout = std::chrono::seconds(5);

// Runs in the forked child: no return on success.
[[noreturn]] void exec_server(const std::string& shell_command, int stdout_fd, int cpu, pid_t parent) {
  // A benchmark that dies must not leave its servers running.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) {
    _exit(1);
  }
  dup2(stdout_fd, STDOUT_FILENO);
  pin_to_cpu(cpu);
  execl("/bin/sh", "sh", "-c", shell_command.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  const int code = WEXITSTATUS(status);
  std::string text = "exit status " + std::to_string(code);
  if (code == 127) {
    text += " (command not found: run from the repo root or pass the command as a flag)";
  }
  return text;
}

// Parses "listening <scheme> <transport> 127.0.0.1:PORT" (tcp, http, ws); 0 for anything else.
int port_from_line(const std::string& line) {
  std::istringstream words(line);
  std::string verb, scheme, transport, address;
  words >> verb >> scheme >> transport >> address;
  const auto colon = address.rfind(':');
  if (verb != "listening" || transport.empty() || colon == std::string::npos) {
    return 0;
  }
  return std::atoi(address.c_str() + colon + 1);
}

}  // namespace

std::string default_baseline_command() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  const std::string self = length > 0 ? std::string(path, static_cast<size_t>(length)) : "./";
  return self.substr(0, self.rfind('/') + 1) + "raw_epoll_echo";
}

server_process::server_process(std::string name, const std::string& command, int cpu) : name_(std::move(name)) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  // exec replaces the shell, so the pid we hold (and read /proc of) is the server itself.
  const std::string shell_command = "exec " + command;
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    exec_server(shell_command, pipe_fds[1], cpu, parent);
  }
  close(pipe_fds[1]);
  stdout_ = pipe_fds[0];
  if (pid_ < 0) {
    close(stdout_);
    throw std::runtime_error("fork failed");
  }
  try {
    wait_for_listening_line();
  } catch (const std::runtime_error& error) {
    stop();
    throw std::runtime_error(std::string(error.what()) + "; command: " + command);
  }
}

server_process::~server_process() { stop(); }

void server_process::wait_for_listening_line() {
  const auto deadline = steady::now() + ready_timeout;
  std::string pending;
  while (steady::now() < deadline) {
    pollfd readable{stdout_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (poll(&readable, 1, static_cast<int>(left.count()) + 1) <= 0) {
      continue;
    }
    char chunk[512];
    const ssize_t got = read(stdout_, chunk, sizeof chunk);
    if (got <= 0) {
      throw std::runtime_error(name_ + " closed its stdout before a listening line");
    }
    pending.append(chunk, static_cast<size_t>(got));
    for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      port_ = port_from_line(pending.substr(0, end));
      pending.erase(0, end + 1);
      if (port_ > 0) {
        return;
      }
    }
  }
  throw std::runtime_error(name_ + " printed no `listening ... 127.0.0.1:PORT` line within 10 s");
}

std::chrono::microseconds server_process::cpu_time() const {
  std::ifstream file("/proc/" + std::to_string(pid_) + "/stat");
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto name_end = content.rfind(')');
  if (name_end == std::string::npos) {
    throw std::runtime_error("cannot read /proc/" + std::to_string(pid_) + "/stat of " + name_);
  }
  // After "(comm)" come fields 3 onwards; utime and stime are fields 14 and 15.
  std::istringstream fields(content.substr(name_end + 2));
  std::string skipped;
  for (int field = 3; field < 14; ++field) {
    fields >> skipped;
  }
  long long user_ticks = 0;
  long long system_ticks = 0;
  fields >> user_ticks >> system_ticks;
  const long long ticks_per_second = sysconf(_SC_CLK_TCK);
  return std::chrono::microseconds((user_ticks + system_ticks) * 1'000'000 / ticks_per_second);
}

long server_process::rss_bytes() const {
  std::ifstream file("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::atol(line.c_str() + 6) * 1024;
    }
  }
  throw std::runtime_error("no VmRSS in /proc/" + std::to_string(pid_) + "/status of " + name_);
}

bool server_process::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const auto deadline = steady::now() + stop_timeout;
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = waitpid(pid_, &status, WNOHANG)) == 0 && steady::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (reaped == 0) {
      std::fprintf(stderr, "%s ignored SIGTERM for 5 s: killing it\n", name_.c_str());
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    clean_exit_ = reaped == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!clean_exit_) {
      std::fprintf(stderr, "%s did not exit cleanly on SIGTERM: %s\n", name_.c_str(), describe_exit(status).c_str());
    }
    pid_ = -1;
  }
  if (stdout_ >= 0) {
    close(stdout_);
    stdout_ = -1;
  }
  return clean_exit_;
}

}  // namespace bench
