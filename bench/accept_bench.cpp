// accept_bench: the rate of short connections (connect, one 64-byte echo round trip, close)
// that polyport serves, against the raw epoll baseline, both started in this run and measured
// in alternating rounds. Prints a Markdown table for docs/BENCHMARKS.md on stdout; progress
// goes to stderr. `--compare policy` sets plain polyport against polyport with its policy chain
// on (max_connections, 10 access rules, PROXY v2), where the chain's cost is paid: per connection.

#include "harness/comparison.hpp"
#include "harness/connect_load.hpp"
#include "harness/cpu_layout.hpp"
#include "harness/flags.hpp"
#include "harness/server_process.hpp"
#include "harness/stats.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr auto warm_up = std::chrono::seconds(1);
constexpr std::size_t message_size = 64;

struct sample {
  double connections_per_second = 0;
  double cpu_us_per_connection = 0;
  double p50_us = 0;
  double p99_us = 0;
  double client_cpu_share = 0;
};

sample median_of(const std::vector<sample>& rounds) {
  const auto column = [&](double sample::*metric) {
    std::vector<double> values;
    for (const sample& round : rounds) {
      values.push_back(round.*metric);
    }
    return bench::median(values);
  };
  return {column(&sample::connections_per_second), column(&sample::cpu_us_per_connection), column(&sample::p50_us),
          column(&sample::p99_us), column(&sample::client_cpu_share)};
}

sample measure(bench::server_process& server, int concurrency, bool proxy_header, std::chrono::seconds duration) {
  bench::connect_load load(server.port(), concurrency, message_size, proxy_header);
  load.run(warm_up);
  const auto cpu_before = server.cpu_time();
  const bench::connect_result result = load.run(duration);
  const auto cpu_used = server.cpu_time() - cpu_before;
  if (result.connections == 0) {
    throw std::runtime_error(server.name() + " completed no connection");
  }
  return {result.connections_per_second(),
          static_cast<double>(cpu_used.count()) / static_cast<double>(result.connections), result.p50_us,
          result.p99_us, result.client_cpu_share};
}

std::string table_row(const std::string& server, const sample& s) {
  char row[256];
  std::snprintf(row, sizeof row, "| %s | %.0f | %.2f | %.1f | %.1f | %.0f%% |\n", server.c_str(),
                s.connections_per_second, s.cpu_us_per_connection, s.p50_us, s.p99_us, 100 * s.client_cpu_share);
  return row;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one_minute;
  file >> one_minute;
  return one_minute;
}

int run(const bench::flags& options, const std::string& command_line) {
  const int rounds = options.positive("rounds");
  const int concurrency = options.positive("concurrency");
  const std::chrono::seconds duration(options.positive("seconds"));
  const bench::cpu_layout cpus = bench::choose_cpu_layout(options.text("cpus"));
  const bench::comparison servers = bench::chosen_comparison(options);
  const std::string load_before = load_average();
  bench::server_process baseline(servers.baseline_name, servers.baseline_command, cpus.server);
  bench::server_process polyport(servers.measured_name, servers.measured_command, cpus.server);
  bench::pin_to_cpu(cpus.client);

  std::vector<sample> baseline_rounds;
  std::vector<sample> polyport_rounds;
  std::string round_ratios = "Connection-rate ratio per round:";
  for (int round = 1; round <= rounds; ++round) {
    for (auto* server : {&baseline, &polyport}) {
      auto& into = server == &baseline ? baseline_rounds : polyport_rounds;
      bool proxy_header = server == &polyport && servers.measured_wants_proxy_header;
      into.push_back(measure(*server, concurrency, proxy_header, duration));
      std::fprintf(stderr, "round %d %-9s %9.0f conn/s  %6.2f us CPU/conn  p50 %7.1f us  p99 %7.1f us\n", round,
                   server->name().c_str(), into.back().connections_per_second, into.back().cpu_us_per_connection,
                   into.back().p50_us, into.back().p99_us);
    }
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, " %.2f",
                  polyport_rounds.back().connections_per_second / baseline_rounds.back().connections_per_second);
    round_ratios += ratio;
  }
  const sample base = median_of(baseline_rounds);
  const sample poly = median_of(polyport_rounds);
  char ratio_row[256];
  std::snprintf(ratio_row, sizeof ratio_row, "| **%s / %s** | **%.2f** | **%.2f** | %.2f | %.2f | |\n",
                servers.measured_name.c_str(), servers.baseline_name.c_str(),
                poly.connections_per_second / base.connections_per_second,
                poly.cpu_us_per_connection / base.cpu_us_per_connection, poly.p50_us / base.p50_us,
                poly.p99_us / base.p99_us);

  bench::print_comparison_header(command_line, servers);
  std::printf("%s, load average %s before and %s after; %d connections at a time, each: connect, %zu B echo, close; "
              "medians of %d alternating rounds of %d s (after %d s warm-up) per server.\n\n",
              cpus.description.c_str(), load_before.c_str(), load_average().c_str(), concurrency, message_size, rounds,
              static_cast<int>(duration.count()), static_cast<int>(warm_up.count()));
  std::printf("| server | connections/s | server CPU µs/connection | p50 µs | p99 µs | load generator CPU |\n"
              "|---|---:|---:|---:|---:|---:|\n%s%s%s\n%s\n",
              table_row(servers.baseline_name, base).c_str(), table_row(servers.measured_name, poly).c_str(), ratio_row,
              round_ratios.c_str());
  return bench::stop_compared(baseline, polyport);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::flags options(argc, argv, bench::comparison_flags({{"concurrency", "16"}}),
                             "usage: accept_bench [--flag value]...  (run from the repo root)");
  try {
    return run(options, bench::quoted_command_line(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "accept_bench: FAILED: %s\n", error.what());
    return 1;
  }
}
