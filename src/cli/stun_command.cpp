// `polyport stun HOST[:PORT]`: asks a STUN server which address this host's UDP socket has.
// Only IP literals and `localhost` are resolved: polyport's own DNS resolution is issue 6's.

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/stun_server_address.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"
#include "polyport/stun_client.hpp"

namespace polyport::cli {

int run_stun(const stun_arguments& arguments) {
  auto server = parse_stun_server(arguments.server);
  if (!server) {
    std::fprintf(stderr, "polyport: %s\n", server.error().message.c_str());
    return exit_usage;
  }
  auto servers = stun_server_endpoints(*server);
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
