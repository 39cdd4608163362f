// echo_bench: TCP echo throughput, server CPU per message and latency of polyport against the raw
// epoll baseline, both started in this run and measured in alternating rounds so machine noise
// hits both. Prints a Markdown table for docs/BENCHMARKS.md on stdout; progress goes to stderr.
// `--compare policy` measures the cost of the listener's policy chain instead: plain polyport as
// the baseline against polyport with max_connections, 10 access rules and PROXY v2 on, whose
// clients send a PROXY v2 header first.

#include "harness/comparison.hpp"
#include "harness/cpu_layout.hpp"
#include "harness/echo_load.hpp"
#include "harness/flags.hpp"
#include "harness/server_process.hpp"
#include "harness/stats.hpp"

#include <sys/utsname.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bench::load_shape;

constexpr auto warm_up = std::chrono::seconds(1);

struct scenario {
  std::string id;
  std::string description;
  load_shape shape;
};

const std::vector<scenario> all_scenarios = {
    {"a", "1 connection ping-pong, 64 B", {1, 1, 64}},
    {"b", "50 connections × 16 in flight, 64 B", {50, 16, 64}},
    {"c", "50 connections × 16 in flight, 512 B", {50, 16, 512}},
};

// One measured window against one server.
struct sample {
  double messages_per_second = 0;
  double cpu_us_per_message = 0;
  double p50_us = 0;
  double p99_us = 0;
  double client_cpu_share = 0;
};

// Per-metric medians over rounds: each metric's noise is independent of the others'.
sample median_of(const std::vector<sample>& rounds) {
  const auto column = [&](double sample::*metric) {
    std::vector<double> values;
    values.reserve(rounds.size());
    for (const sample& round : rounds) {
      values.push_back(round.*metric);
    }
    return bench::median(values);
  };
  return {column(&sample::messages_per_second), column(&sample::cpu_us_per_message), column(&sample::p50_us),
          column(&sample::p99_us), column(&sample::client_cpu_share)};
}

sample measure(bench::server_process& server, const load_shape& shape, std::chrono::seconds duration) {
  bench::echo_load load(server.port(), shape);
  const std::uint64_t warm_up_mismatches = load.run(warm_up).mismatches;
  const auto cpu_before = server.cpu_time();
  const bench::load_result result = load.run(duration);
  const auto cpu_used = server.cpu_time() - cpu_before;
  if (warm_up_mismatches + result.mismatches > 0) {
    throw std::runtime_error(server.name() + " echoed " + std::to_string(warm_up_mismatches + result.mismatches) +
                             " messages whose bytes differ from what was sent");
  }
  if (result.messages == 0) {
    throw std::runtime_error(server.name() + " completed no round trip");
  }
  return {result.messages_per_second(), static_cast<double>(cpu_used.count()) / static_cast<double>(result.messages),
          result.p50_us, result.p99_us, result.client_cpu_share};
}

void print_progress(const scenario& chosen, int round, const std::string& server, const sample& s) {
  std::fprintf(stderr,
               "[%s] round %d %-9s %10.0f msg/s  %6.2f us CPU/msg  p50 %7.1f us  p99 %7.1f us  client CPU %3.0f%%\n",
               chosen.id.c_str(), round, server.c_str(), s.messages_per_second, s.cpu_us_per_message, s.p50_us,
               s.p99_us, 100 * s.client_cpu_share);
}

std::string table_row(const std::string& first, const std::string& server, const sample& s) {
  char row[256];
  std::snprintf(row, sizeof row, "| %s | %s | %.0f | %.2f | %.1f | %.1f | %.0f%% |\n", first.c_str(), server.c_str(),
                s.messages_per_second, s.cpu_us_per_message, s.p50_us, s.p99_us, 100 * s.client_cpu_share);
  return row;
}

std::string ratio_row(const bench::comparison& servers, const sample& baseline, const sample& polyport) {
  char row[256];
  std::snprintf(row, sizeof row, "| | **%s / %s** | **%.2f** | **%.2f** | %.2f | %.2f | |\n",
                servers.measured_name.c_str(), servers.baseline_name.c_str(),
                polyport.messages_per_second / baseline.messages_per_second,
                polyport.cpu_us_per_message / baseline.cpu_us_per_message, polyport.p50_us / baseline.p50_us,
                polyport.p99_us / baseline.p99_us);
  return row;
}

struct scenario_report {
  std::string table_rows;
  std::string round_ratios;  // throughput ratio of each round, to show how noisy the medians are
};

std::string round_ratios(const std::vector<sample>& baseline_rounds, const std::vector<sample>& polyport_rounds) {
  std::string ratios;
  for (std::size_t round = 0; round < baseline_rounds.size(); ++round) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, " %.2f",
                  polyport_rounds[round].messages_per_second / baseline_rounds[round].messages_per_second);
    ratios += ratio;
  }
  return ratios;
}

// Rounds alternate baseline, polyport, baseline, ... against the same two running servers.
scenario_report run_scenario(const scenario& chosen, const bench::comparison& servers, bench::server_process& baseline,
                             bench::server_process& polyport, int rounds, std::chrono::seconds duration) {
  load_shape measured_shape = chosen.shape;
  measured_shape.proxy_v2_header = servers.measured_wants_proxy_header;
  std::vector<sample> baseline_rounds;
  std::vector<sample> polyport_rounds;
  for (int round = 1; round <= rounds; ++round) {
    baseline_rounds.push_back(measure(baseline, chosen.shape, duration));
    print_progress(chosen, round, "baseline", baseline_rounds.back());
    polyport_rounds.push_back(measure(polyport, measured_shape, duration));
    print_progress(chosen, round, "polyport", polyport_rounds.back());
  }
  const sample baseline_median = median_of(baseline_rounds);
  const sample polyport_median = median_of(polyport_rounds);
  return {table_row(chosen.id + ": " + chosen.description, servers.baseline_name, baseline_median) +
              table_row("", servers.measured_name, polyport_median) +
              ratio_row(servers, baseline_median, polyport_median),
          chosen.id + ":" + round_ratios(baseline_rounds, polyport_rounds)};
}

std::vector<scenario> chosen_scenarios(const std::string& wanted) {
  std::vector<scenario> chosen;
  for (const scenario& candidate : all_scenarios) {
    if (wanted == "all" || wanted.find(candidate.id) != std::string::npos) {
      chosen.push_back(candidate);
    }
  }
  if (chosen.empty()) {
    throw std::runtime_error("--scenario wants all, or letters among a, b, c (e.g. a,c)");
  }
  return chosen;
}

// The one-minute load average: other work on the machine is the main source of noise.
std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one_minute;
  file >> one_minute;
  return one_minute;
}

std::string machine_line(const bench::cpu_layout& cpus, const std::string& load_before) {
  utsname system{};
  uname(&system);
  return "Linux " + std::string(system.release) + ", " + cpus.description + ", load average " + load_before +
         " before and " + load_average() + " after";
}

int run(const bench::flags& options, const std::string& command_line) {
  const auto scenarios = chosen_scenarios(options.text("scenario"));
  const int rounds = options.positive("rounds");
  const std::chrono::seconds duration(options.positive("seconds"));
  const bench::cpu_layout cpus = bench::choose_cpu_layout(options.text("cpus"));
  const bench::comparison servers = bench::chosen_comparison(options);
  const std::string load_before = load_average();
  bench::server_process baseline(servers.baseline_name, servers.baseline_command, cpus.server);
  bench::server_process polyport(servers.measured_name, servers.measured_command, cpus.server);
  bench::pin_to_cpu(cpus.client);

  std::string table =
      "| scenario | server | msg/s | server CPU µs/msg | p50 µs | p99 µs | load generator CPU |\n"
      "|---|---|---:|---:|---:|---:|---:|\n";
  std::string ratios = "Throughput ratio per round:";
  for (const scenario& chosen : scenarios) {
    const scenario_report report = run_scenario(chosen, servers, baseline, polyport, rounds, duration);
    table += report.table_rows;
    ratios += "  " + report.round_ratios;
  }
  bench::print_comparison_header(command_line, servers);
  std::printf("%s; medians of %d alternating rounds of %d s (after %d s warm-up) per server.\n\n",
              machine_line(cpus, load_before).c_str(), rounds, static_cast<int>(duration.count()),
              static_cast<int>(warm_up.count()));
  std::printf("%s\n%s\n", table.c_str(), ratios.c_str());
  return bench::stop_compared(baseline, polyport);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::flags options(argc, argv, bench::comparison_flags({{"scenario", "all"}}),
                             "usage: echo_bench [--flag value]...  (run from the repo root)");
  try {
    return run(options, bench::quoted_command_line(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_bench: FAILED: %s\n", error.what());
    return 1;
  }
}
