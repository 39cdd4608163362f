#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "cli/commands.hpp"
#include "polyport/runtime.hpp"

namespace polyport::cli {

namespace {

// Collects the answer's lines up to the "." that ends it.
class admin_answer : public protocol {
 public:
  std::shared_ptr<const framer> make_framer(const options&) const override { return make_line_framer(1 << 20); }
  void on_message(connection&, std::span<const std::byte> line) override {
    std::string text(reinterpret_cast<const char*>(line.data()), line.size());
    if (text == ".") {
      settle(std::move(lines_));
    } else {
      lines_ += text + "\n";
    }
  }
  void on_close(connection&, const close_info&) override { settle(error{"the server closed the admin connection"}); }
  std::future<result<std::string>> answer() { return promise_.get_future(); }

 private:
  void settle(result<std::string> outcome) {
    std::call_once(once_, [&] { promise_.set_value(std::move(outcome)); });
  }
  std::string lines_;  // only the connection's worker touches it
  std::once_flag once_;
  std::promise<result<std::string>> promise_;
};

}  // namespace

int run_admin(const admin_arguments& arguments) {
  runtime client(runtime_options{.workers = 1});
  auto answer = std::make_shared<admin_answer>();
  client.register_protocol("admin", answer);
  auto pending = answer->answer();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(arguments.timeout_ms);
  options overrides;
  overrides.connect_timeout = std::chrono::milliseconds(arguments.timeout_ms);
  auto connecting = client.connect("admin://" + arguments.path + ";transport=unix", overrides);
  if (connecting.wait_until(deadline) != std::future_status::ready) {
    std::fprintf(stderr, "polyport: timed out connecting to %s\n", arguments.path.c_str());
    return exit_failure;
  }
  auto conn = connecting.get();
  if (!conn) {
    std::fprintf(stderr, "polyport: %s\n", conn.error().message.c_str());
    return exit_failure;
  }
  std::string command;
  for (const auto& word : arguments.command) {
    command += (command.empty() ? "" : " ") + word;
  }
  conn->send(command);
  if (pending.wait_until(deadline) != std::future_status::ready) {
    std::fprintf(stderr, "polyport: no answer within %u ms\n", arguments.timeout_ms);
    return exit_failure;
  }
  auto text = pending.get();
  if (!text) {
    std::fprintf(stderr, "polyport: %s\n", text.error().message.c_str());
    return exit_failure;
  }
  bool failed = text->rfind("error:", 0) == 0;
  std::fputs(text->c_str(), failed ? stderr : stdout);
  return failed ? exit_failure : exit_ok;
}

}  // namespace polyport::cli
