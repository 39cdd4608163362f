#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "cli/commands.hpp"
#include "polyport/runtime.hpp"
#include "polyport/url.hpp"

namespace polyport::cli {

namespace {

// Keeps the first message the peer sends, or why the connection ended without one.
class first_reply : public protocol {
 public:
  // Whatever transport the URL names.
  std::vector<polyport::transport> transports(std::string_view) const override {
    return {transport::tcp, transport::tls, transport::unix_stream, transport::udp, transport::dtls, transport::ws, transport::wss};
  }
  void on_message(connection&, std::span<const std::byte> message) override {
    settle(std::string(reinterpret_cast<const char*>(message.data()), message.size()));
  }
  void on_close(connection&, const close_info& why) override {
    settle(error{"connection closed before a reply (" + std::string(to_string(why.reason)) +
                 (why.detail.empty() ? "" : ": " + why.detail) + ")"});
  }
  std::future<result<std::string>> reply() { return promise_.get_future(); }

 private:
  void settle(result<std::string> outcome) {
    std::call_once(once_, [&] { promise_.set_value(std::move(outcome)); });
  }
  std::once_flag once_;
  std::promise<result<std::string>> promise_;
};

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "polyport: %s\n", message.c_str());
  return code;
}

}  // namespace

int run_send(const send_arguments& arguments) {
  auto parsed = parse_urls(arguments.url);
  if (!parsed) {
    return fail(parsed.error().message, exit_usage);
  }
  runtime_options settings{.workers = 1};
  if (!use_dns_flag(arguments.dns, settings)) {
    return exit_usage;
  }
  runtime client(settings);
  auto capture = std::make_shared<first_reply>();
  for (const auto& u : *parsed) {
    client.register_protocol(u.scheme, capture);
  }
  auto reply = capture->reply();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(arguments.timeout_ms);

  options overrides;
  overrides.connect_timeout = std::chrono::milliseconds(arguments.timeout_ms);
  auto connecting = client.connect(arguments.url, overrides);
  if (connecting.wait_until(deadline) != std::future_status::ready) {
    return fail("timed out connecting to " + arguments.url, exit_failure);
  }
  auto conn = connecting.get();
  if (!conn) {
    std::string message = conn.error().message;
    return fail(message, message.rfind("invalid URL", 0) == 0 || message.rfind("unknown option", 0) == 0 ||
                                 message.rfind("invalid option", 0) == 0
                             ? exit_usage
                             : exit_failure);
  }
  conn->send(arguments.data);
  if (reply.wait_until(deadline) != std::future_status::ready) {
    return fail("no reply within " + std::to_string(arguments.timeout_ms) + " ms", exit_failure);
  }
  auto answer = reply.get();
  if (!answer) {
    return fail(answer.error().message, exit_failure);
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  std::fflush(stdout);
  conn->close();
  return exit_ok;
}

}  // namespace polyport::cli
