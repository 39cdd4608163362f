#include "core/http_route.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "transport/ws_handshake.hpp"

namespace polyport::detail {

namespace {

// "/a/" and "/a" are the same prefix (path_matches ignores a trailing slash), "" and "/" too.
std::string_view trimmed_path(std::string_view path) {
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool same_request_space(const http_route& a, const http_route& b) {
  bool same_host = a.host.empty() ? b.host.empty() : (!b.host.empty() && same_text_ignoring_case(a.host, b.host));
  return same_host && trimmed_path(a.path) == trimmed_path(b.path) && a.kind == b.kind && a.ws_proto == b.ws_proto;
}

// Higher is more specific: (host class, wildcard suffix length, path length, subprotocol named).
using rank = std::tuple<int, std::size_t, std::size_t, int>;

rank rank_of(const http_route& route) {
  int host_class = route.host.empty() ? 0 : (route.host.starts_with("*.") ? 1 : 2);
  return {host_class, route.host.size(), trimmed_path(route.path).size(), route.ws_proto.empty() ? 0 : 1};
}

bool matches(const http_route& route, const route_query& query) {
  if ((route.kind == route_kind::websocket) != query.upgrade) {
    return false;
  }
  if (!route.host.empty() && (query.host.empty() || !host_matches(route.host, query.host))) {
    return false;
  }
  if (!path_matches(route.path, query.path)) {
    return false;
  }
  return route.ws_proto.empty() || offers_subprotocol(query.offered_protocols, route.ws_proto);
}

}  // namespace

std::string describe(const http_route& route) {
  std::string text = route.kind == route_kind::websocket ? "websocket" : "http";
  text += " host=" + (route.host.empty() ? std::string("*") : route.host);
  text += " path=" + route.path;
  if (!route.ws_proto.empty()) {
    text += " ws_proto=" + route.ws_proto;
  }
  return text;
}

result<void> http_route_table::add(http_route route) {
  for (const auto& existing : routes_) {
    if (same_request_space(existing, route)) {
      return error{"the route " + describe(route) + " is taken already"};
    }
  }
  routes_.push_back(std::move(route));
  return {};
}

void http_route_table::remove(const void* target) {
  std::erase_if(routes_, [target](const http_route& route) { return route.target == target; });
}

const http_route* http_route_table::match(const route_query& query) const {
  const http_route* best = nullptr;
  rank best_rank{};
  for (const auto& route : routes_) {
    if (!matches(route, query)) {
      continue;
    }
    rank candidate = rank_of(route);
    if (best == nullptr || candidate > best_rank) {
      best = &route;
      best_rank = candidate;
    }
  }
  return best;
}

}  // namespace polyport::detail
