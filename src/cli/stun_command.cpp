// `polyport stun HOST[:PORT]`: asks a STUN server which address this host's UDP socket has.
// Only IP literals and `localhost` are resolved: polyport's own DNS resolution is issue 6's.

#include <boost/asio/io_context.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"
#include "polyport/stun_client.hpp"

namespace polyport::cli {

namespace {

constexpr std::uint16_t stun_default_port = 3478;

struct host_and_port {
  std::string host;
  std::uint16_t port = stun_default_port;
};

// "1.2.3.4", "1.2.3.4:3478", "::1", "[::1]", "[::1]:3478", "localhost:3478".
result<host_and_port> split_host_port(const std::string& text) {
  host_and_port out;
  std::string port_text;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string::npos || (close + 1 < text.size() && text[close + 1] != ':')) {
      return error{"invalid server \"" + text + "\": expected [IPv6]:PORT"};
    }
    out.host = text.substr(1, close - 1);
    port_text = close + 1 < text.size() ? text.substr(close + 2) : "";
  } else if (text.find(':') != text.rfind(':')) {
    out.host = text;  // a bare IPv6 literal
  } else if (auto colon = text.find(':'); colon != std::string::npos) {
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) {
      return error{"invalid server \"" + text + "\": empty port"};
    }
  } else {
    out.host = text;
  }
  if (out.host.empty()) {
    return error{"invalid server \"" + text + "\": empty host"};
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, failed] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (failed != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return error{"invalid server \"" + text + "\": port \"" + port_text + "\" is not 1..65535"};
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

std::vector<endpoint> servers_for(const host_and_port& server) {
  if (server.host == "localhost") {
    return {endpoint{*ip_address::parse("127.0.0.1"), server.port, {}},
            endpoint{*ip_address::parse("::1"), server.port, {}}};
  }
  if (auto literal = ip_address::parse(server.host)) {
    return {endpoint{*literal, server.port, {}}};
  }
  return {};
}

}  // namespace

int run_stun(const stun_arguments& arguments) {
  auto server = split_host_port(arguments.server);
  if (!server) {
    std::fprintf(stderr, "polyport: %s\n", server.error().message.c_str());
    return exit_usage;
  }
  auto servers = servers_for(*server);
  if (servers.empty()) {
    std::fprintf(stderr,
                 "polyport: cannot resolve \"%s\": polyport stun takes an IP address or localhost (host names "
                 "come with polyport's resolver)\n",
                 server->host.c_str());
    return exit_failure;
  }
  stun::client_settings settings;
  settings.rto = std::chrono::milliseconds(arguments.rto_ms);
  settings.max_sends = arguments.max_sends;
  settings.software = "polyport";

  boost::asio::io_context io;
  std::optional<result<endpoint>> outcome;
  stun::discover_mapped_address(io, servers, settings, [&](result<endpoint> found) { outcome = std::move(found); });
  io.run();
  if (!outcome || !*outcome) {
    std::fprintf(stderr, "polyport: %s\n", outcome ? outcome->error().message.c_str() : "STUN query did not finish");
    return exit_failure;
  }
  std::printf("mapped %s\n", (*outcome)->to_string().c_str());
  return exit_ok;
}

}  // namespace polyport::cli
