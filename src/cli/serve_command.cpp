#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/admin_protocol.hpp"
#include "cli/commands.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/http_hello_protocol.hpp"
#include "polyport/runtime.hpp"
#include "polyport/stun_server.hpp"

namespace polyport::cli {

namespace {

sigset_t termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

int run_serve(const serve_arguments& arguments) {
  // Blocked before the workers start, so they inherit the mask and the signals wait for sigwait.
  sigset_t signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::vector<std::string> urls = arguments.urls;
  if (urls.empty()) {
    demo_set demo = prepare_demo();
    urls = demo.urls;
    std::fprintf(stderr, "%s", demo.notes.c_str());
  }

  runtime_options settings{.workers = arguments.workers};
  if (!use_dns_flag(arguments.dns, settings)) {
    return exit_usage;
  }
  runtime server(settings);
  server.register_protocol("echo", std::make_shared<echo_protocol>());
  server.register_protocol("stun", std::make_shared<stun::stun_protocol>());
  server.register_protocol("http", std::make_shared<http_hello_protocol>());

  // Every URL is checked before anything listens: a typo must not leave half a server running.
  for (const auto& url : urls) {
    if (auto checked = server.check_listen(url); !checked) {
      std::fprintf(stderr, "polyport: %s\n", checked.error().message.c_str());
      return exit_usage;
    }
  }
  for (const auto& url : urls) {
    auto started = server.listen(url);
    if (!started) {
      std::fprintf(stderr, "polyport: %s\n", started.error().message.c_str());
      return exit_failure;
    }
    std::printf("listening %s\n", (*started)->description().c_str());
    std::fflush(stdout);
  }

  if (!arguments.admin_path.empty()) {
    server.register_protocol("admin", cli::make_admin_protocol(server));
    auto admin = server.listen("admin://" + arguments.admin_path + ";transport=unix;idle_timeout=0");
    if (!admin) {
      std::fprintf(stderr, "polyport: admin socket: %s\n", admin.error().message.c_str());
      return exit_failure;
    }
    std::printf("listening %s\n", (*admin)->description().c_str());
    std::fflush(stdout);
  }

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return exit_ok;
}

}  // namespace polyport::cli
