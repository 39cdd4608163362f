#pragma once
// One ip:port shared by several http/https/ws/wss listeners (issue 5). The first listener's
// sockets, socket options and TLS settings become the port's; later compatible listeners join
// its route table instead of binding. The port owns the acceptors, so it keeps serving while any
// of its listeners runs, and its sockets close when the last one leaves.
//
//   acceptors ─▶ first listener's accept path (TLS, socket options) ─▶ connection
//     never shared yet: the listener's own context, as an unshared listener
//     shared (once a second listener joined): the port's context, asking route() per request
//       ─▶ the chosen listener's context
//
// Thread safety: the public methods are safe from any thread; route() and accepted() read an
// immutable snapshot, the changes take a mutex.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http_router.hpp"
#include "core/stats_sink.hpp"
#include "polyport/result.hpp"
#include "polyport/tls_options.hpp"
#include "polyport/transport.hpp"

namespace polyport::detail {

class acceptor;
class stream_listener;
class worker;
struct connection_context;
struct route_plan;

// The route a listener's plan declares: its host option (an IP literal names an address to
// listen on, not a Host), its path and, for ws and wss, its ws_proto.
http_route route_for(const route_plan& plan, const void* target);

// http, https, ws and wss listeners on IP addresses share ports.
bool shares_ports(polyport::transport transport);

class shared_port final : public http_router, public std::enable_shared_from_this<shared_port> {
 public:
  shared_port(const route_plan& first, unsigned worker_count);

  // An error naming the conflict when `plan` cannot join: TLS and plain on one port, or TLS
  // settings unlike the first listener's.
  result<void> check_compatible(const route_plan& plan) const;
  // Adds `member` (in join order) and its route; an error if the route is taken already.
  result<void> join(const std::shared_ptr<stream_listener>& member, http_route route);
  // Removes `member` and its route; true when it was the last one.
  bool leave(const stream_listener* member);
  // A suspended listener keeps its place but gets no requests.
  void set_routable(const stream_listener* member, bool routable);
  std::size_t member_count() const { return member_count_.load(); }
  // True once a second listener has joined: from then on every connection is routed, also when
  // one listener is left, so that a stopped listener's paths answer 404 rather than reach it.
  bool routes_requests() const { return routing_.load(); }

  // Set once by the first listener, right after it opened the sockets.
  void adopt_sockets(std::vector<std::shared_ptr<acceptor>> acceptors, std::shared_ptr<const connection_context> context,
                     std::string key);
  // The sockets, to close, once the last listener has left.
  std::vector<std::shared_ptr<acceptor>> take_acceptors();
  void wake_acceptors();
  const std::string& key() const { return key_; }

  // The acceptors' callbacks: the first listener still on the port accepts.
  void accepted(worker& owner, int fd, const endpoint& remote);
  bool may_accept() const;

  // The context of shared connections before their first request is routed.
  const std::shared_ptr<const connection_context>& context() const { return context_; }
  stats_sink& stats() const { return *stats_; }
  const std::shared_ptr<stats_sink>& shared_stats() const { return stats_; }

  route_answer route(const route_query& query, const endpoint& peer, const void* current) const override;

 private:
  struct member {
    std::weak_ptr<stream_listener> listener;
    const stream_listener* address = nullptr;
    http_route route;
    bool routable = true;
  };
  struct snapshot {
    http_route_table table;
    std::vector<member> members;  // join order; the first accepts
  };
  void publish();  // with mutex_ held
  std::shared_ptr<stream_listener> first_member() const;

  bool tls_;
  polyport::tls_options tls_settings_;
  std::string first_url_;
  std::shared_ptr<stats_sink> stats_;  // shared connections until routed; not shown to users
  std::shared_ptr<const connection_context> context_;
  std::string key_;

  mutable std::mutex mutex_;
  std::vector<member> members_;                // guarded by mutex_
  std::vector<std::shared_ptr<acceptor>> acceptors_;  // guarded by mutex_
  std::atomic<std::shared_ptr<const snapshot>> snapshot_;
  std::atomic<std::size_t> member_count_{0};
  std::atomic<bool> routing_{false};
};

}  // namespace polyport::detail
