// The shared-port layer of stream_connection (issue 5): a connection accepted on a port that
// several http/ws listeners share reads HTTP requests and asks the port, per request, which
// listener serves it. The connection moves between listeners per request: the one it leaves
// sees on_close (close_reason::local, "routed to another listener"), the one it joins on_open,
// so a protocol's per-connection state never sees requests meant for another. A WebSocket
// upgrade hands the connection to the ws listener for good: its own handshake reads the request
// again (rules, subprotocol, deflate), as on a port of its own.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "core/stream_connection.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

namespace {

bool asks_for_websocket(std::string_view upgrade) {
  constexpr std::string_view websocket = "websocket";
  auto found = std::ranges::search(upgrade, websocket, [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return !found.empty();
}

std::string_view refusal_text(int status) {
  switch (status) {
    case 403:
      return "refused by the access rules\n";
    case 503:
      return "too many connections\n";
    default:
      return "no listener for this host and path\n";
  }
}

}  // namespace

void stream_connection::route_through(std::shared_ptr<const http_router> router) {
  rare().router = std::move(router);
}

stream_connection::routed stream_connection::route_request(std::span<const std::byte> head,
                                                           std::span<const std::byte> rest, bool body_follows) {
  const http_request& request = http_->request();
  bool upgrade = asks_for_websocket(request.header("upgrade"));
  route_query query{request.header("host"), request.path, upgrade, request.header("sec-websocket-protocol")};
  route_answer answer = rare_->router->route(query, peer(), context_->owner);
  if (!answer.context) {
    // The connection stays where it was (and usable, unless the request asked to close or a
    // body that is not read follows).
    http_response refusal;
    refusal.status = answer.status;
    refusal.set_header("Content-Type", "text/plain");
    refusal.body = refusal_text(answer.status);
    bool keep_alive = http_->keep_alive() && !body_follows;
    http_write(serialize_http_response(refusal, request.method, keep_alive));
    if (phase_ == phase::open && !keep_alive) {
      close_with(close_reason::local, {});
    }
    return routed::answered;
  }
  if (answer.context->owner != context_->owner) {
    move_to(std::move(answer.context), !upgrade);
    if (phase_ != phase::open) {
      return routed::left;
    }
  }
  if (!upgrade) {
    return routed::serve;
  }
  std::vector<std::byte> handshake(head.begin(), head.end());
  handshake.insert(handshake.end(), rest.begin(), rest.end());
  http_.reset();
  rare_->router.reset();
  ws_ = std::make_unique<ws_session>();
  cumulation_ = std::move(handshake);
  phase_ = phase::handshaking;
  ws_read_handshake({});
  return routed::left;
}

void stream_connection::move_to(std::shared_ptr<const connection_context> next, bool open_now) {
  // The listener left sees its own context (user data, scheme) in on_close.
  try {
    context_->protocol->on_close(*this, close_info{close_reason::local, "routed to another listener"});
  } catch (const std::exception& failure) {
    spdlog::warn("connection {}: on_close threw: {}", id(), failure.what());
  } catch (...) {
    spdlog::warn("connection {}: on_close threw", id());
  }
  std::shared_ptr<const connection_context> previous = std::exchange(context_, std::move(next));
  stats_shard::add(own_stats_->closed[static_cast<std::size_t>(close_reason::local)], 1);
  previous->own_stats->current().fetch_sub(1, std::memory_order_relaxed);
  own_stats_ = &context_->own_stats->shard(worker_.index());
  stats_shard::add(own_stats_->opened, 1);  // `current` was counted by the listener's admit()
  if (previous->on_closed) {
    previous->on_closed();
  }
  worker_.idle().watch(*this, context_->idle_timeout);
  if (open_now) {
    guarded([&] { context_->protocol->on_open(*this); });
  }
}

}  // namespace polyport::detail
