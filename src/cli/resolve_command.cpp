#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>

#include "cli/commands.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/runtime.hpp"
#include "polyport/url.hpp"

namespace polyport::cli {

namespace {

std::optional<endpoint> parse_dns_server(const std::string& text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return std::nullopt;
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const char* end = text.data() + text.size();
  auto [stop, failure] = std::from_chars(text.data() + colon + 1, end, port);
  auto address = ip_address::parse(host);
  if (failure != std::errc{} || stop != end || port == 0 || port > 65535 || !address) {
    return std::nullopt;
  }
  return endpoint{*address, static_cast<std::uint16_t>(port), {}};
}

}  // namespace

bool use_dns_flag(const std::string& text, runtime_options& settings) {
  if (text.empty()) {
    return true;
  }
  auto server = parse_dns_server(text);
  if (!server) {
    std::fprintf(stderr, "polyport: invalid --dns \"%s\": expected IP:PORT\n", text.c_str());
    return false;
  }
  settings.dns_servers.push_back(*server);
  return true;
}

int run_resolve(const resolve_arguments& arguments) {
  auto parsed = parse_urls(arguments.url);
  if (!parsed) {
    std::fprintf(stderr, "polyport: %s\n", parsed.error().message.c_str());
    return exit_usage;
  }
  runtime_options settings{.workers = 1};
  if (!use_dns_flag(arguments.dns, settings)) {
    return exit_usage;
  }
  // Up to three queries one after the other (NAPTR, SRV, A/AAAA), two tries each, within --timeout.
  settings.dns_timeout = std::max(std::chrono::milliseconds(arguments.timeout_ms / 6), std::chrono::milliseconds(50));
  runtime resolver(settings);
  // echo is built in; any other scheme resolves with the default protocol hooks (docs/dns.md).
  for (const auto& u : *parsed) {
    resolver.register_protocol(u.scheme, u.scheme == "echo" ? std::make_shared<echo_protocol>()
                                                           : std::make_shared<protocol>());
  }
  auto resolving = resolver.resolve(arguments.url);
  if (resolving.wait_for(std::chrono::milliseconds(arguments.timeout_ms) + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    std::fprintf(stderr, "polyport: timed out resolving %s\n", arguments.url.c_str());
    return exit_failure;
  }
  auto found = resolving.get();
  if (!found) {
    bool usage = found.error().message.rfind("invalid", 0) == 0 || found.error().message.rfind("unknown", 0) == 0;
    std::fprintf(stderr, "polyport: %s\n", found.error().message.c_str());
    return usage ? exit_usage : exit_failure;
  }
  for (const destination& d : *found) {
    std::printf("%s\n", d.to_string().c_str());
  }
  std::fflush(stdout);
  return exit_ok;
}

}  // namespace polyport::cli
