// http_bench: HTTP/1.1 keep-alive requests per second of `polyport serve http://...` (the
// built-in hello page) against nginx returning the same 5-byte body, one worker each, loaded by
// `wrk -t1 -c64` in alternating rounds of the same run, so machine noise hits both. Prints a
// Markdown table for docs/BENCHMARKS.md on stdout; progress goes to stderr.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/flags.hpp"
#include "harness/server_process.hpp"
#include "harness/stats.hpp"

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// nginx with one worker serving "hello", as PEERS.md configures it; the shell prints the
// listening line server_process waits for, then becomes nginx.
std::string nginx_command(const std::string& folder, int port) {
  std::ofstream config(folder + "/nginx.conf");
  config << "daemon off;\nworker_processes 1;\npid " << folder << "/nginx.pid;\nerror_log " << folder
         << "/error.log warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  client_body_temp_path "
         << folder << "/body;\n  keepalive_requests 1000000;\n  server { listen 127.0.0.1:" << port
         << "; location / { default_type text/plain; return 200 \"hello\"; } }\n}\n";
  // server_process execs the command: a shell of our own prints the line and then execs nginx.
  return "sh -c 'printf \"listening nginx http 127.0.0.1:" + std::to_string(port) + "\\n\"; exec nginx -p " + folder +
         " -e " + folder + "/error.log -c " + folder + "/nginx.conf'";
}

double wrk_requests_per_second(int port, int connections, int seconds) {
  std::string command = "wrk -t1 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                        "s http://127.0.0.1:" + std::to_string(port) + "/ 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> output(::popen(command.c_str(), "r"), ::pclose);
  if (!output) {
    throw std::runtime_error("cannot run wrk");
  }
  char line[512];
  double rate = 0;
  while (std::fgets(line, sizeof line, output.get()) != nullptr) {
    std::string text(line);
    if (text.rfind("Requests/sec:", 0) == 0) {
      rate = std::atof(text.c_str() + 13);
    }
    if (text.find("Non-2xx") != std::string::npos || text.find("Socket errors") != std::string::npos) {
      std::fprintf(stderr, "wrk: %s", line);
    }
  }
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  bench::flags options(argc, argv,
                       {{"polyport",
                         "build/polyport serve --workers 1 \"http://127.0.0.1:0;max_connections=20000;idle_timeout=600000\""},
                        {"seconds", "5"},
                        {"rounds", "3"},
                        {"connections", "64"}},
                       "http_bench [--polyport CMD] [--seconds N] [--rounds N] [--connections N]");
  char folder_template[] = "/tmp/http_bench.XXXXXX";
  std::string folder = ::mkdtemp(folder_template);
  int nginx_port = free_port();
  bench::server_process polyport("polyport", options.text("polyport"), -1);
  bench::server_process nginx("nginx", nginx_command(folder, nginx_port), -1);
  for (int tries = 0; tries < 100 && !accepts(nginx_port); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int seconds = options.positive("seconds");
  int connections = options.positive("connections");
  std::vector<double> ours, theirs;
  for (int round = 0; round < options.positive("rounds"); ++round) {
    ours.push_back(wrk_requests_per_second(polyport.port(), connections, seconds));
    theirs.push_back(wrk_requests_per_second(nginx_port, connections, seconds));
    std::fprintf(stderr, "round %d: polyport %.0f req/s, nginx %.0f req/s\n", round + 1, ours.back(), theirs.back());
  }
  double polyport_rate = bench::median(ours);
  double nginx_rate = bench::median(theirs);
  std::printf("Command: `%s`\n\n", bench::quoted_command_line(argc, argv).c_str());
  std::printf("| server (1 worker) | requests/s, `wrk -t1 -c%d -d%ds`, median of %zu | ratio |\n|---|---|---|\n",
              connections, seconds, ours.size());
  std::printf("| polyport hello | %.0f | %.2f× |\n", polyport_rate, polyport_rate / nginx_rate);
  std::printf("| nginx `return 200 \"hello\"` | %.0f | 1.00× |\n", nginx_rate);
  std::system(("rm -rf " + folder).c_str());
  return 0;
}
