#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace polyport::testing {

namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

child_process::child_process(std::vector<std::string> argv, bool capture_stderr) {
  int out_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    if (capture_stderr) {
      ::dup2(out_pipe[1], 2);
    }
    // Die with the test, whatever happens to it.
    ::setpgid(0, 0);
    std::vector<char*> args;
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  stdout_fd_ = out_pipe[0];
  stdin_fd_ = in_pipe[1];
}

child_process::~child_process() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(std::chrono::seconds(5))) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(5));
    }
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
  }
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
  }
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto newline = buffered_.find('\n'); newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    pollfd watch{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&watch, 1, remaining_ms(deadline));
    if (ready <= 0) {
      return std::nullopt;
    }
    char chunk[4096];
    ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) {
      if (buffered_.empty()) {
        return std::nullopt;
      }
      std::string rest = std::move(buffered_);
      buffered_.clear();
      return rest;
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> child_process::wait_for_line(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (clock::now() < deadline) {
    auto line = read_line(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!line) {
      return std::nullopt;
    }
    if (line->find(needle) != std::string::npos) {
      return line;
    }
  }
  return std::nullopt;
}

std::string child_process::read_all(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::string all = std::move(buffered_);
  buffered_.clear();
  for (;;) {
    pollfd watch{stdout_fd_, POLLIN, 0};
    if (::poll(&watch, 1, remaining_ms(deadline)) <= 0) {
      return all;
    }
    char chunk[4096];
    ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) {
      return all;
    }
    all.append(chunk, static_cast<std::size_t>(n));
  }
}

void child_process::write_stdin(const std::string& data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
    if (n <= 0) {
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

void child_process::close_stdin() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

void child_process::signal(int number) {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, number);
  }
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_ || pid_ <= 0) {
    return exit_code_;
  }
  auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (clock::now() >= deadline) {
      return std::nullopt;
    }
    // No portable event for "child exited" that composes with a timeout here; poll briefly.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

command_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  child_process child(std::move(argv), true);
  child.close_stdin();
  command_result out;
  out.output = child.read_all(timeout);
  auto code = child.wait_exit(timeout);
  out.exit_code = code.value_or(-1);
  return out;
}

bool program_exists(const std::string& program) {
  return run_command({"sh", "-c", "command -v " + program}).exit_code == 0;
}

}  // namespace polyport::testing
