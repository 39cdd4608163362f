// The DNS engine's cost: a cached resolution, and uncached ones against a dnsmasq this program
// starts on 127.0.0.1 — one A/AAAA round trip (the baseline: what any resolver pays) and the
// whole NAPTR → SRV → A/AAAA chain of RFC 3263 (three round trips, the last two in parallel).
// Each resolution waits for the one before (latency, not throughput). Prints a Markdown table.

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "harness/flags.hpp"
#include "polyport/runtime.hpp"

extern char** environ;

namespace {

// A port free for both UDP and TCP on 127.0.0.1 a moment ago (dnsmasq listens on both).
std::uint16_t free_port() {
  while (true) {
    int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
    int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(tcp, reinterpret_cast<sockaddr*>(&address), &length);
    bool both = ::bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(tcp);
    ::close(udp);
    if (both) {
      return ntohs(address.sin_port);
    }
  }
}

// dnsmasq authoritative for example.test, stopped on destruction.
class dnsmasq {
 public:
  explicit dnsmasq(std::uint16_t port) {
    char pattern[] = "/tmp/dns_bench.XXXXXX";
    dir_ = ::mkdtemp(pattern);
    std::string config = dir_ + "/dnsmasq.conf";
    std::ofstream(config) << "port=" << port << "\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n"
                          << "user=root\nauth-server=ns.example.test,127.0.0.1\nauth-zone=example.test\nauth-ttl=60\n"
                          << "host-record=a1.example.test,127.0.0.1,::1\n"
                          << "srv-host=_echo._tcp.example.test,a1.example.test,5060,10,100\n"
                          << "naptr-record=example.test,20,50,S,ECHO+D2T,,_echo._tcp.example.test\n";
    std::string c = "-C", k = "--keep-in-foreground", q = "--log-facility=/dev/null";
    char* argv[] = {const_cast<char*>("dnsmasq"), c.data(), config.data(), k.data(), q.data(), nullptr};
    if (::posix_spawnp(&pid_, "dnsmasq", nullptr, nullptr, argv, environ) != 0) {
      std::fprintf(stderr, "dns_bench: cannot start dnsmasq (Debian package dnsmasq)\n");
      std::exit(1);
    }
  }
  ~dnsmasq() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

// Mean microseconds per resolution of `url` over `count` sequential resolutions.
double measure(polyport::runtime& rt, const std::string& url, int count) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto found = rt.resolve(url).get();
    if (!found) {
      std::fprintf(stderr, "dns_bench: %s\n", found.error().message.c_str());
      std::exit(1);
    }
  }
  std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - start;
  return spent.count() / count;
}

}  // namespace

int main(int argc, char** argv) {
  bench::flags options(argc, argv, {{"cached", "200000"}, {"uncached", "5000"}},
                       "dns_bench [--cached N] [--uncached N]: cost of cached and uncached resolutions");
  std::uint16_t port = free_port();
  dnsmasq server(port);

  polyport::runtime_options settings{.workers = 1};
  settings.dns_servers.push_back({*polyport::ip_address::parse("127.0.0.1"), port, {}});
  polyport::runtime rt(settings);
  rt.register_protocol("echo", std::make_shared<polyport::protocol>());
  // Wait for dnsmasq to answer (it starts in a few milliseconds).
  for (int attempt = 0; !rt.resolve("echo://a1.example.test:1;no_dns_cache").get(); ++attempt) {
    if (attempt == 100) {
      std::fprintf(stderr, "dns_bench: dnsmasq does not answer on port %u\n", port);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  int cached_count = options.positive("cached");
  int uncached_count = options.positive("uncached");
  double literal = measure(rt, "echo://127.0.0.1:1", cached_count);
  double cached = measure(rt, "echo://example.test", cached_count / 10 + 1);  // warm
  cached = measure(rt, "echo://example.test", cached_count);
  double address = measure(rt, "echo://a1.example.test:1;no_dns_cache", uncached_count);
  double chain = measure(rt, "echo://example.test;no_dns_cache", uncached_count);

  std::printf("command: `%s`\n\n", bench::quoted_command_line(argc, argv).c_str());
  std::printf("| resolution | µs each | vs one A/AAAA round trip |\n|---|---:|---:|\n");
  std::printf("| IP literal, no DNS (%d) | %.2f | %.3f× |\n", cached_count, literal, literal / address);
  std::printf("| cached NAPTR → SRV → A/AAAA (%d) | %.2f | %.3f× |\n", cached_count, cached, cached / address);
  std::printf("| uncached A + AAAA, baseline (%d) | %.1f | 1.000× |\n", uncached_count, address);
  std::printf("| uncached NAPTR → SRV → A/AAAA (%d) | %.1f | %.2f× |\n", uncached_count, chain, chain / address);
  return 0;
}
