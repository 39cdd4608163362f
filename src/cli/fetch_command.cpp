// `polyport fetch URL`: one HTTP request through runtime::http_request; prints the body (with
// -i the status line and headers first). Exit 0 for a 1xx-3xx response, 1 for 4xx/5xx (the
// body is still printed) or when no response came, 2 for bad arguments.

#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include "cli/commands.hpp"
#include "polyport/runtime.hpp"

namespace polyport::cli {

namespace {

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "polyport: %s\n", message.c_str());
  return code;
}

bool is_usage_error(const std::string& message) {
  return message.starts_with("invalid URL") || message.starts_with("unknown option") ||
         message.starts_with("invalid option");
}

}  // namespace

int run_fetch(const fetch_arguments& arguments) {
  runtime_options settings{.workers = 1};
  if (!use_dns_flag(arguments.dns, settings)) {
    return exit_usage;
  }
  http_client_request request;
  request.method = arguments.method.empty() ? (arguments.data ? "POST" : "GET") : arguments.method;
  request.body = arguments.data.value_or("");
  for (const auto& line : arguments.headers) {
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return fail("a header is written \"Name: value\", not \"" + line + "\"", exit_usage);
    }
    auto value = line.find_first_not_of(' ', colon + 1);
    request.headers.emplace_back(line.substr(0, colon), value == std::string::npos ? "" : line.substr(value));
  }
  options overrides;
  overrides.connect_timeout = std::chrono::milliseconds(arguments.timeout_ms);
  overrides.response_timeout = std::chrono::milliseconds(arguments.timeout_ms);
  runtime client(settings);
  auto answer = client.http_request(arguments.url, std::move(request), overrides).get();
  if (!answer) {
    const std::string& message = answer.error().message;
    return fail(message, is_usage_error(message) ? exit_usage : exit_failure);
  }
  if (arguments.include_head) {
    std::string head = "HTTP/" + std::to_string(answer->version / 10) + "." + std::to_string(answer->version % 10) +
                       " " + std::to_string(answer->status) + " " + answer->reason + "\r\n";
    for (const auto& [name, value] : answer->headers) {
      head += name + ": " + value + "\r\n";
    }
    head += "\r\n";
    std::fwrite(head.data(), 1, head.size(), stdout);
  }
  std::fwrite(answer->body.data(), 1, answer->body.size(), stdout);
  std::fflush(stdout);
  if (answer->status >= 400) {
    return fail("HTTP " + std::to_string(answer->status) + " " + answer->reason, exit_failure);
  }
  return exit_ok;
}

}  // namespace polyport::cli
