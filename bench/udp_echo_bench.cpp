// udp_echo_bench: UDP echo datagrams/s and server CPU per datagram of polyport against a raw
// recvmmsg/sendmmsg echo (raw_udp_echo), both started in this run and measured in alternating
// rounds so machine noise hits both. Prints a Markdown table for docs/BENCHMARKS.md on stdout.
//
// Load: `--peers` connected UDP sockets (each a peer, so a connection in polyport), each keeping
// `--in-flight` datagrams of `--size` bytes outstanding and sending a new one per echo. A
// datagram lost (socket buffers overflow under load) is noticed when nothing arrives for 50 ms:
// every peer is then topped up again, and the losses are reported.

#include "harness/cpu_layout.hpp"
#include "harness/flags.hpp"
#include "harness/server_process.hpp"
#include "harness/stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;
constexpr auto warm_up = std::chrono::seconds(1);
constexpr auto loss_timeout = std::chrono::milliseconds(50);

struct shape {
  int peers = 32;
  int in_flight = 8;
  std::size_t size = 64;
};

struct sample {
  double datagrams_per_second = 0;
  double cpu_us_per_datagram = 0;
  std::uint64_t lost = 0;
};

struct load_result {
  std::uint64_t echoed = 0;
  std::uint64_t lost = 0;
  double seconds = 0;
};

class udp_load {
 public:
  udp_load(int port, const shape& s) : shape_(s), payload_(s.size, 'u'), outstanding_(static_cast<std::size_t>(s.peers)) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < s.peers; ++i) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        throw std::runtime_error("cannot open a UDP load socket");
      }
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u32 = static_cast<std::uint32_t>(i);
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
      sockets_.push_back(fd);
    }
  }
  ~udp_load() {
    for (int fd : sockets_) {
      close(fd);
    }
    close(epoll_);
  }
  udp_load(const udp_load&) = delete;
  udp_load& operator=(const udp_load&) = delete;

  load_result run(std::chrono::seconds duration) {
    load_result result;
    fill(result, false);
    const auto start = steady::now();
    const auto end = start + duration;
    auto last_echo = start;
    char buffer[65536];
    std::vector<epoll_event> ready(static_cast<std::size_t>(shape_.peers));
    while (steady::now() < end) {
      int count = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 10);
      for (int i = 0; i < count; ++i) {
        std::uint32_t peer = ready[static_cast<std::size_t>(i)].data.u32;
        while (recv(sockets_[peer], buffer, sizeof buffer, MSG_DONTWAIT) >= 0) {
          ++result.echoed;
          --outstanding_[peer];
          send_one(peer);
        }
      }
      auto now = steady::now();
      if (count > 0) {
        last_echo = now;
      } else if (now - last_echo > loss_timeout) {
        fill(result, true);
        last_echo = now;
      }
    }
    result.seconds = std::chrono::duration<double>(steady::now() - start).count();
    return result;
  }

 private:
  void send_one(std::uint32_t peer) {
    if (send(sockets_[peer], payload_.data(), payload_.size(), MSG_DONTWAIT) >= 0) {
      ++outstanding_[peer];
    }
  }
  // Brings every peer to `in_flight` outstanding datagrams; with `lost`, what is outstanding now
  // (nothing came back for loss_timeout) counts as lost first.
  void fill(load_result& result, bool lost) {
    for (std::uint32_t peer = 0; peer < sockets_.size(); ++peer) {
      if (lost) {
        result.lost += static_cast<std::uint64_t>(outstanding_[peer]);
        outstanding_[peer] = 0;
      }
      for (int k = outstanding_[peer]; k < shape_.in_flight; ++k) {
        send_one(peer);
      }
    }
  }

  shape shape_;
  std::string payload_;
  std::vector<int> outstanding_;
  std::vector<int> sockets_;
  int epoll_ = -1;
};

sample measure(bench::server_process& server, const shape& s, std::chrono::seconds duration) {
  udp_load load(server.port(), s);
  load.run(warm_up);
  const auto cpu_before = server.cpu_time();
  const load_result result = load.run(duration);
  const auto cpu_used = server.cpu_time() - cpu_before;
  if (result.echoed == 0) {
    throw std::runtime_error(server.name() + " echoed no datagram");
  }
  return {static_cast<double>(result.echoed) / result.seconds,
          static_cast<double>(cpu_used.count()) / static_cast<double>(result.echoed), result.lost};
}

std::string row(const std::string& server, const sample& s) {
  char text[200];
  std::snprintf(text, sizeof text, "| %s | %.0f | %.2f | %llu |\n", server.c_str(), s.datagrams_per_second,
                s.cpu_us_per_datagram, static_cast<unsigned long long>(s.lost));
  return text;
}

std::string sibling(const std::string& path, const std::string& name) {
  return path.substr(0, path.rfind('/') + 1) + name;
}

int run(const bench::flags& options, const std::string& command_line) {
  const shape s{options.positive("peers"), options.positive("in-flight"),
                static_cast<std::size_t>(options.positive("size"))};
  const int rounds = options.positive("rounds");
  const std::chrono::seconds duration(options.positive("seconds"));
  const bench::cpu_layout cpus = bench::choose_cpu_layout(options.text("cpus"));
  bench::server_process baseline("baseline", options.text("baseline-cmd"), cpus.server);
  bench::server_process polyport("polyport", options.text("polyport-cmd"), cpus.server);
  bench::pin_to_cpu(cpus.client);
  std::vector<double> base_rate, poly_rate, base_cpu, poly_cpu, ratios;
  std::uint64_t base_lost = 0, poly_lost = 0;
  for (int round = 1; round <= rounds; ++round) {
    sample b = measure(baseline, s, duration);
    sample p = measure(polyport, s, duration);
    std::fprintf(stderr, "round %d: baseline %.0f dgram/s %.2f us, polyport %.0f dgram/s %.2f us\n", round,
                 b.datagrams_per_second, b.cpu_us_per_datagram, p.datagrams_per_second, p.cpu_us_per_datagram);
    base_rate.push_back(b.datagrams_per_second);
    poly_rate.push_back(p.datagrams_per_second);
    base_cpu.push_back(b.cpu_us_per_datagram);
    poly_cpu.push_back(p.cpu_us_per_datagram);
    ratios.push_back(p.datagrams_per_second / b.datagrams_per_second);
    base_lost += b.lost;
    poly_lost += p.lost;
  }
  sample base{bench::median(base_rate), bench::median(base_cpu), base_lost};
  sample poly{bench::median(poly_rate), bench::median(poly_cpu), poly_lost};
  std::printf("Command: `%s`\n\n", command_line.c_str());
  std::printf("%d peers × %d in flight × %zu B, %s; medians of %d alternating rounds of %d s.\n\n", s.peers, s.in_flight,
              s.size, cpus.description.c_str(), rounds, static_cast<int>(duration.count()));
  std::printf("| server | datagrams/s | server CPU µs/datagram | lost (all rounds) |\n|---|---:|---:|---:|\n");
  std::printf("%s%s", row("raw recvmmsg/sendmmsg", base).c_str(), row("polyport", poly).c_str());
  std::printf("| **polyport / baseline** | **%.2f** | **%.2f** | |\n\nThroughput ratio per round:",
              poly.datagrams_per_second / base.datagrams_per_second, poly.cpu_us_per_datagram / base.cpu_us_per_datagram);
  for (double r : ratios) {
    std::printf(" %.2f", r);
  }
  std::printf("\n");
  std::fflush(stdout);
  return baseline.stop() && polyport.stop() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::flags options(
      argc, argv,
      {{"seconds", "3"},
       {"rounds", "5"},
       {"peers", "32"},
       {"in-flight", "8"},
       {"size", "64"},
       {"cpus", "shared"},
       {"polyport-cmd", "build/polyport serve --workers 1 \"echo://127.0.0.1:0;transport=udp;idle_timeout=600000\""},
       {"baseline-cmd", sibling(bench::default_baseline_command(), "raw_udp_echo")}},
      "usage: udp_echo_bench [--flag value]...  (run from the repo root)");
  try {
    return run(options, bench::quoted_command_line(argc, argv));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "udp_echo_bench: FAILED: %s\n", error.what());
    return 1;
  }
}
