#pragma once
// The route table of a shared HTTP/WebSocket port: which listener a request goes to, by host,
// path prefix and (for WebSocket upgrades) subprotocol. Pure data, no sockets: the port keeps one
// and asks it per request (src/listener/shared_port.*).
//
// Precedence: host exact > wildcard ("*.example.com", the longer suffix first) > any; then the
// longest path prefix that matches on a segment boundary ("/a" matches "/a" and "/a/b", not
// "/ab"); then, for upgrades, a listener that names the offered subprotocol over one that names
// none. Upgrades go only to WebSocket routes, other requests only to HTTP routes.
// Thread safety: distinct objects: safe. Shared objects: unsafe for writes; the port publishes
// immutable copies for its workers to read.

#include <string>
#include <string_view>
#include <vector>

#include "polyport/result.hpp"

namespace polyport::detail {

enum class route_kind { http, websocket };

struct http_route {
  std::string host;        // "" any host; "example.com"; "*.example.com"
  std::string path = "/";  // a prefix by whole segments; "/" matches every path
  route_kind kind = route_kind::http;
  std::string ws_proto;        // websocket only: the subprotocol the client must offer; "" any
  const void* target = nullptr;  // whose route it is (the port's listener)
};

// What a request says about where it goes.
struct route_query {
  std::string_view host;  // the Host header, port included or not
  std::string_view path;  // the request path, without the query
  bool upgrade = false;   // a WebSocket upgrade request
  std::string_view offered_protocols;  // Sec-WebSocket-Protocol, a comma-separated list
};

// "http host=* path=/a" for error messages.
std::string describe(const http_route& route);

class http_route_table {
 public:
  // An error when a route for the same host, path, kind and subprotocol is there already:
  // requests could not tell them apart.
  result<void> add(http_route route);
  // Removes every route of `target`.
  void remove(const void* target);
  // The best route for `query`, or null (answer 404).
  const http_route* match(const route_query& query) const;
  bool empty() const { return routes_.empty(); }
  std::size_t size() const { return routes_.size(); }

 private:
  std::vector<http_route> routes_;
};

}  // namespace polyport::detail
