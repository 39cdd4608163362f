// stun_bench: STUN Binding responses per second, polyport's responder against coturn's
// `turnserver --stun-only`, both started in this run and measured in alternating rounds with
// the same load, so machine noise hits both. Prints a Markdown table for docs/BENCHMARKS.md on
// stdout; progress goes to stderr.
//
// polyport's side is `polyport serve --workers 1 "stun://127.0.0.1:0"` (--polyport-cmd), a child
// process pinned like coturn: the UDP listener with its Binding responder on the socket.
//
// The load: one UDP socket, `--window` Binding requests in flight (each answer sends the next;
// after 20 ms of silence the window is sent again, so lost datagrams do not stall it).

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/cpu_layout.hpp"
#include "harness/flags.hpp"
#include "harness/stats.hpp"
#include "harness/server_process.hpp"
#include "polyport/stun.hpp"
#include "transport/socket_ops.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
namespace stun = polyport::stun;

constexpr std::size_t batch = 64;

polyport::detail::socket_address loopback(std::uint16_t port) {
  return polyport::detail::to_socket_address(polyport::endpoint{*polyport::ip_address::parse("127.0.0.1"), port, {}});
}

std::uint16_t free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto address = loopback(0);
  ::bind(fd, address.get(), address.length);
  std::uint16_t port = polyport::detail::local_endpoint_of(fd).port;
  ::close(fd);
  return port;
}

class load_socket {
 public:
  explicit load_socket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    auto server = loopback(port);
    ::connect(fd_, server.get(), server.length);
    for (std::size_t i = 0; i < batch; ++i) {
      stun::transaction_id id = stun::random_transaction_id();
      requests_.push_back(stun::message_builder(stun::message_class::request, stun::binding, id).finish().value());
    }
  }
  ~load_socket() { ::close(fd_); }

  // Sends `count` requests (at most a batch).
  void send(std::size_t count) {
    std::array<iovec, batch> vectors{};
    std::array<mmsghdr, batch> messages{};
    for (std::size_t i = 0; i < count; ++i) {
      vectors[i] = {requests_[i].data(), requests_[i].size()};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    ::sendmmsg(fd_, messages.data(), static_cast<unsigned>(count), 0);
  }

  // Answers received within `timeout` (0 on silence); keeps the last one for checking.
  std::size_t receive(int timeout_ms) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, timeout_ms) != 1) {
      return 0;
    }
    std::array<iovec, batch> vectors{};
    std::array<mmsghdr, batch> messages{};
    for (std::size_t i = 0; i < batch; ++i) {
      vectors[i] = {slots_[i].data(), slots_[i].size()};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = ::recvmmsg(fd_, messages.data(), batch, MSG_DONTWAIT, nullptr);
    if (received <= 0) {
      return 0;
    }
    last_size_ = messages[static_cast<std::size_t>(received) - 1].msg_len;
    last_ = static_cast<std::size_t>(received) - 1;
    return static_cast<std::size_t>(received);
  }

  // True when the last answer is a success response mapping this socket's address.
  bool last_answer_is_right() const {
    auto view = stun::message_view::parse(std::span(slots_[last_].data(), last_size_));
    return view.ok() && view->kind() == stun::message_class::success_response && view->mapped_address().ok() &&
           *view->mapped_address() == polyport::detail::local_endpoint_of(fd_);
  }

 private:
  int fd_ = -1;
  std::vector<std::vector<std::byte>> requests_;
  std::array<std::array<std::byte, 2048>, batch> slots_{};
  std::size_t last_ = 0;
  std::size_t last_size_ = 0;
};

// Responses per second over `seconds`, after a 0.5 s warm-up.
double measure(std::uint16_t port, int seconds, std::size_t window, bool& checked) {
  load_socket load(port);
  for (std::size_t sent = 0; sent < window; sent += batch) {
    load.send(std::min(batch, window - sent));
  }
  auto start = clock_type::now() + std::chrono::milliseconds(500);
  auto end = start + std::chrono::seconds(seconds);
  std::size_t answered = 0;
  for (auto now = clock_type::now(); now < end; now = clock_type::now()) {
    std::size_t got = load.receive(20);
    if (got == 0) {
      for (std::size_t sent = 0; sent < window; sent += batch) {
        load.send(std::min(batch, window - sent));
      }
      continue;
    }
    load.send(got);
    if (now >= start) {
      answered += got;
    }
  }
  checked = checked && load.last_answer_is_right();
  return static_cast<double>(answered) / seconds;
}

// coturn's turnserver --stun-only on 127.0.0.1, pinned like the polyport server.
class coturn_process {
 public:
  coturn_process(std::uint16_t port, int cpu, const std::string& threads) : port_(port) {
    pid_ = ::fork();
    if (pid_ == 0) {
      bench::pin_to_cpu(cpu);
      std::string listening_port = "--listening-port=" + std::to_string(port);
      std::string relay_threads = "--relay-threads=" + threads;
      ::execlp("turnserver", "turnserver", "-n", "--listening-ip=127.0.0.1", listening_port.c_str(),
               relay_threads.c_str(), "--stun-only", "--no-auth", "--no-tcp", "--no-tls", "--no-dtls", "--no-cli",
               "--no-stdout-log", "--log-file=/dev/null", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Until it binds, a probe hears ICMP port-unreachable at once: pace the probes by the clock.
    bool answered = false;
    auto deadline = clock_type::now() + std::chrono::seconds(5);
    while (!answered && clock_type::now() < deadline) {
      load_socket probe(port);
      probe.send(1);
      answered = probe.receive(100) > 0;
      if (!answered) {
        ::usleep(50000);
      }
    }
    if (!answered) {
      stop();
      throw std::runtime_error("turnserver did not answer (is coturn installed?)");
    }
  }
  ~coturn_process() { stop(); }
  std::uint16_t port() const { return port_; }

 private:
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  pid_t pid_ = -1;
  std::uint16_t port_;
};

}  // namespace

int main(int argc, char** argv) {
  bench::flags options(
      argc, argv,
      {{"seconds", "3"},
       {"rounds", "5"},
       {"window", "64"},
       {"cpu", "shared"},
       {"coturn-threads", "1"},
       {"polyport-cmd", "build/polyport serve --workers 1 \"stun://127.0.0.1:0\""}},
      "stun_bench: STUN Binding responses/s, polyport's stun:// listener against coturn --stun-only");
  int seconds = options.positive("seconds");
  int rounds = options.positive("rounds");
  auto window = static_cast<std::size_t>(options.positive("window"));
  try {
    bench::cpu_layout layout = bench::choose_cpu_layout(options.text("cpu"));
    // A port free for UDP a moment ago may be taken again by the time coturn binds it.
    std::unique_ptr<coturn_process> started;
    for (int attempt = 0; attempt < 3 && !started; ++attempt) {
      try {
        started = std::make_unique<coturn_process>(free_udp_port(), layout.server, options.text("coturn-threads"));
      } catch (const std::runtime_error&) {
        if (attempt == 2) {
          throw;
        }
      }
    }
    coturn_process& coturn = *started;
    bench::server_process polyport_server("polyport", options.text("polyport-cmd"), layout.server);
    bench::pin_to_cpu(layout.client);

    std::vector<double> polyport_rates;
    std::vector<double> coturn_rates;
    bool checked = true;
    for (int round = 1; round <= rounds; ++round) {
      polyport_rates.push_back(measure(static_cast<std::uint16_t>(polyport_server.port()), seconds, window, checked));
      coturn_rates.push_back(measure(coturn.port(), seconds, window, checked));
      std::fprintf(stderr, "round %d: polyport %.0f/s, coturn %.0f/s\n", round, polyport_rates.back(),
                   coturn_rates.back());
    }
    double ours = bench::median(polyport_rates);
    double theirs = bench::median(coturn_rates);
    std::printf("Command: `%s` (CPUs: %s; coturn relay threads: %s)\n\n",
                bench::quoted_command_line(argc, argv).c_str(), layout.description.c_str(),
                options.text("coturn-threads").c_str());
    std::printf("| server | Binding responses/s (median of %d × %d s) | ratio |\n|---|---|---|\n", rounds, seconds);
    std::printf("| coturn turnserver --stun-only | %.0f | 1.00 |\n", theirs);
    std::printf("| polyport serve stun:// | %.0f | %.2f |\n", ours, theirs > 0 ? ours / theirs : 0.0);
    if (!checked) {
      std::fprintf(stderr, "an answer did not map the load socket's address\n");
      return 1;
    }
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "stun_bench: %s\n", failure.what());
    return 1;
  }
  return 0;
}
