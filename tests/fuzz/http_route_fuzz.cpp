// Fuzzes shared-port routing: the input splits into a Host value, a request path and a
// subprotocol list, matched against a fixed table and against routes made from the input.
//
// Checks beyond "no crash": a match satisfies the route it names (kind, host, path, subprotocol)
// and no route of a more specific host class was passed over (the same query on the table
// without the chosen route finds nothing of a higher class).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_route.hpp"
#include "fuzz_require.hpp"
#include "transport/ws_handshake.hpp"

namespace {

using namespace polyport::detail;
using polyport::fuzzing::require;

const int targets[8] = {};

bool satisfies(const http_route& route, const route_query& query) {
  return (route.kind == route_kind::websocket) == query.upgrade &&
         (route.host.empty() || host_matches(route.host, query.host)) && path_matches(route.path, query.path) &&
         (route.ws_proto.empty() || offers_subprotocol(query.offered_protocols, route.ws_proto));
}

// 2 exact, 1 wildcard, 0 any: a route of a higher class always wins.
int host_class(const http_route& route) {
  return route.host.empty() ? 0 : (route.host.starts_with("*.") ? 1 : 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // host \n path \n protocols \n flags
  std::string_view parts[4];
  for (auto& part : parts) {
    auto end = text.find('\n');
    part = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  bool upgrade = !parts[3].empty() && (parts[3][0] & 1) != 0;
  route_query query{parts[0], parts[1], upgrade, parts[2]};

  http_route_table table;
  require(table.add({"", "/", route_kind::http, {}, &targets[0]}).ok());
  require(table.add({"*.example.com", "/a", route_kind::http, {}, &targets[1]}).ok());
  require(table.add({"www.example.com", "/a/b", route_kind::http, {}, &targets[2]}).ok());
  require(table.add({"", "/ws", route_kind::websocket, "chat", &targets[3]}).ok());
  require(table.add({"", "/ws", route_kind::websocket, {}, &targets[4]}).ok());
  // Routes made from the input itself: host and path as a listener could declare them.
  static_cast<void>(table.add({std::string(parts[0]), std::string(parts[1]), route_kind::http, {}, &targets[5]}));
  static_cast<void>(table.add({std::string(parts[0]), std::string(parts[1]), route_kind::websocket,
                               std::string(parts[2].substr(0, parts[2].find(','))), &targets[6]}));

  const http_route* chosen = table.match(query);
  if (chosen != nullptr) {
    require(satisfies(*chosen, query));
    http_route_table without = table;
    without.remove(chosen->target);
    if (const http_route* next = without.match(query); next != nullptr) {
      require(host_class(*next) <= host_class(*chosen));
    }
  } else {
    // Nothing matches: the catch-all routes did not either.
    require(!(query.upgrade == false && path_matches("/", query.path)));
  }
  describe(http_route{std::string(parts[0]), std::string(parts[1]), route_kind::http, {}, nullptr});
  return 0;
}
