// idle_memory: resident memory a server spends per idle TCP connection, polyport against the raw
// epoll baseline. Each connection does one echo round trip first, so the server has accepted it
// and read from it; then the server's VmRSS growth is divided by the connection count.
// Prints a Markdown table for docs/BENCHMARKS.md on stdout; progress goes to stderr.

#include "harness/flags.hpp"
#include "harness/loopback.hpp"
#include "harness/server_process.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

constexpr auto io_timeout = std::chrono::milliseconds(5000);
constexpr auto open_deadline = std::chrono::seconds(120);
// This process's own descriptors (stdio, the server's stdout pipe) besides the connections.
constexpr long spare_descriptors = 16;

struct measurement {
  long rss_before = 0;
  long rss_after = 0;
  double seconds_to_open = 0;
};

double bytes_per_connection(const measurement& m, int connections) {
  return static_cast<double>(m.rss_after - m.rss_before) / connections;
}

void round_trip(int fd) {
  const char sent = 'x';
  char received = 0;
  if (send(fd, &sent, 1, MSG_NOSIGNAL) != 1 || read(fd, &received, 1) != 1 || received != sent) {
    throw std::runtime_error("an idle connection's echo round trip failed");
  }
}

// Opens `count` connections, one round trip each, and leaves them idle (open) in `open`.
void open_idle_connections(int port, int count, std::vector<int>& open) {
  const auto deadline = steady::now() + open_deadline;
  for (int i = 0; i < count; ++i) {
    if (steady::now() > deadline) {
      throw std::runtime_error("opening connections took over 120 s");
    }
    open.push_back(bench::connect_loopback(port, io_timeout));
    round_trip(open.back());
  }
}

// The client socket vector closes itself even when a measurement throws halfway.
struct connection_set {
  std::vector<int> fds;
  ~connection_set() {
    for (const int fd : fds) {
      close(fd);
    }
  }
};

measurement measure(const std::string& name, const std::string& command, int connections) {
  bench::server_process server(name, command, -1);
  measurement result;
  result.rss_before = server.rss_bytes();
  const auto start = steady::now();
  {
    connection_set idle;
    idle.fds.reserve(static_cast<std::size_t>(connections));
    open_idle_connections(server.port(), connections, idle.fds);
    result.seconds_to_open = std::chrono::duration<double>(steady::now() - start).count();
    result.rss_after = server.rss_bytes();
  }
  if (!server.stop()) {
    throw std::runtime_error(name + " did not exit 0 on SIGTERM");
  }
  std::fprintf(stderr, "%s: %d connections opened in %.1f s, RSS %ld -> %ld KiB\n", name.c_str(), connections,
               result.seconds_to_open, result.rss_before / 1024, result.rss_after / 1024);
  return result;
}

void check_descriptor_budget(int connections) {
  bench::raise_open_file_limit();
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (static_cast<rlim_t>(connections + spare_descriptors) > limit.rlim_cur) {
    throw std::runtime_error("--connections " + std::to_string(connections) + " does not fit the open-file limit " +
                             std::to_string(limit.rlim_cur) + " (minus " + std::to_string(spare_descriptors) +
                             " spare)");
  }
}

std::string table_row(const std::string& server, const measurement& m, int connections) {
  char row[256];
  std::snprintf(row, sizeof row, "| %s | %.1f | %.1f | %.0f |\n", server.c_str(),
                static_cast<double>(m.rss_before) / 1048576.0, static_cast<double>(m.rss_after) / 1048576.0,
                bytes_per_connection(m, connections));
  return row;
}

// The baseline keeps no user-space state for an idle connection, so its growth is near zero and
// the ratio can be meaningless; the difference always means something.
std::string comparison_rows(const measurement& baseline, const measurement& polyport, int connections) {
  const double baseline_bytes = bytes_per_connection(baseline, connections);
  const double polyport_bytes = bytes_per_connection(polyport, connections);
  char ratio[64] = "n/a (baseline grew < 1 B)";
  if (baseline_bytes >= 1) {
    std::snprintf(ratio, sizeof ratio, "**%.2f**", polyport_bytes / baseline_bytes);
  }
  char rows[256];
  std::snprintf(rows, sizeof rows, "| polyport / baseline | | | %s |\n| polyport − baseline | | | **%.0f** |\n", ratio,
                polyport_bytes - baseline_bytes);
  return rows;
}

int run(const bench::flags& options, const std::string& command_line) {
  const int connections = options.positive("connections");
  check_descriptor_budget(connections);
  const measurement baseline = measure("baseline", options.text("baseline-cmd"), connections);
  const measurement polyport = measure("polyport", options.text("polyport-cmd"), connections);
  std::printf("Command: `%s`\n\n", command_line.c_str());
  std::printf("Baseline: `%s`  \npolyport: `%s`  \n", options.text("baseline-cmd").c_str(),
              options.text("polyport-cmd").c_str());
  std::printf("%d idle TCP connections on 127.0.0.1, one echo round trip each; server VmRSS.\n\n", connections);
  std::printf(
      "| server | RSS before (MiB) | RSS after (MiB) | bytes per idle connection |\n"
      "|---|---:|---:|---:|\n");
  std::printf("%s", table_row("raw epoll", baseline, connections).c_str());
  std::printf("%s", table_row("polyport", polyport, connections).c_str());
  std::printf("%s", comparison_rows(baseline, polyport, connections).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::flags options(argc, argv,
                             {{"connections", "19000"},
                              {"polyport-cmd", bench::default_polyport_command},
                              {"baseline-cmd", bench::default_baseline_command()}},
                             "usage: idle_memory [--flag value]...  (run from the repo root)");
  try {
    return run(options, bench::quoted_command_line(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "idle_memory: FAILED: %s\n", error.what());
    return 1;
  }
}
