#pragma once
// A started listener: where it listens, its statistics, and its control.
// Thread safety: distinct and shared objects: safe; call from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "polyport/access_rules.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"
#include "polyport/stats.hpp"
#include "polyport/stun_client.hpp"
#include "polyport/transport.hpp"

namespace polyport {

namespace detail {
struct listener_ids;
}  // namespace detail

class listener {
 public:
  virtual ~listener() = default;

  // Its number in its runtime: 1 for the first listener started, then 2, 3, ...; never reused,
  // so it names the same listener while others stop (the admin commands use it).
  std::uint64_t id() const { return id_; }

  virtual std::string_view scheme() const = 0;
  virtual polyport::transport transport() const = 0;
  // Where it listens, with the real port when port 0 was asked.
  virtual const endpoint& local() const = 0;
  // The effective options (URL merged with code), as started or last updated. The limits set
  // through set_max_connections, set_max_conn_rate and access() are read with those calls.
  virtual polyport::options options() const = 0;

  // Changes options while the listener runs (esockd's set_options): the fields set in `changes`
  // win over the current options (allow/deny and proxy_trusted lists replace theirs). Limits,
  // rules and the listener's byte rate apply at once; the other options (timeouts, framing,
  // socket options, TLS certificates, PROXY protocol, rate_limit) to connections accepted from
  // now on, while open connections keep theirs. Options that need a new socket (transport,
  // host, path, backlog, acceptors, acceptor_mode, class) are refused. All or nothing: on an
  // error (named) nothing has changed.
  virtual result<void> update(const polyport::options& changes) = 0;

  virtual connection_stats stats() const = 0;

  virtual std::size_t max_connections() const = 0;
  // Takes effect for the next accepted connection; open connections over it stay open. Raising
  // it wakes acceptors paused by max_connections_policy=pause.
  virtual void set_max_connections(std::size_t limit) = 0;

  // The allow/deny rules new connections are checked against (from the URL's allow= and deny=),
  // to read and change at run time: add_front, add_back, remove, replace, list. They apply to IP
  // listeners, not to unix sockets.
  virtual polyport::access_rules& access() = 0;

  // Changes max_conn_rate (and max_conn_burst; 0 keeps a burst of `rate.count`) at run time; a
  // zero count removes the limit.
  virtual void set_max_conn_rate(connection_rate rate, std::uint32_t burst = 0) = 0;

  // Closes the listening sockets and keeps the open connections; new connections are refused by
  // the kernel. resume() listens again on the same address and port (an error if it was taken).
  // On a port shared with other http/ws listeners, suspend() only stops routing requests here
  // (the socket stays open for the others) and resume() routes to it again.
  virtual void suspend() = 0;
  virtual result<void> resume() = 0;
  virtual bool is_suspended() const = 0;

  // Stops accepting, waits up to `grace` for the open connections to end, closes those left
  // (close_reason::listener_stopped), then stops the listener. Returns how many it closed.
  // Not from a worker thread (it waits for them).
  virtual std::size_t drain(std::chrono::milliseconds grace) = 0;

  // Stops accepting, closes every connection of this listener (each protocol sees on_close
  // once), then calls protocol::on_listen_stop. Idempotent. Blocks until done unless called from
  // a worker thread, where it completes asynchronously. On a shared http/ws port it removes this
  // listener's routes; the socket closes with the port's last listener.
  virtual void stop() = 0;
  virtual bool is_running() const = 0;

  // UDP listeners: sends one datagram to `to` from the listening port (with udp_no_connections,
  // the way to answer protocol::on_datagram). An error on other transports, for a datagram over
  // udp_max_size, or when the socket refuses it.
  virtual result<void> send_to(std::span<const std::byte> datagram, const endpoint& to);

  // UDP listeners: asks STUN servers, in turn, which address this listener's port has as they
  // see it (its public address behind a NAT), with Binding requests sent from the listening
  // socket and the RFC 8489 retransmissions. On demand only: nothing asks at start-up. Servers
  // of the other address family are skipped. `done` runs on a worker with the mapped address or
  // an error naming each server's failure; at once with an error on other transports.
  // While a query is in flight, STUN responses from its server are taken by the query and never
  // reach the protocol (docs/stun.md).
  virtual void discover_mapped_address(std::vector<endpoint> stun_servers, stun::client_settings settings,
                                       std::function<void(result<endpoint>)> done);
  std::future<result<endpoint>> discover_mapped_address(std::vector<endpoint> stun_servers,
                                                        stun::client_settings settings = {});

  // The listener's user data, inherited by its connections.
  template <class T>
  T* user_data() const {
    return static_cast<T*>(user_data_pointer());
  }

  // "echo tcp 127.0.0.1:5315", "echo unix /tmp/echo.sock".
  std::string description() const;

 protected:
  virtual void* user_data_pointer() const = 0;

 private:
  friend struct detail::listener_ids;  // the runtime numbers its listeners as it adds them
  std::uint64_t id_ = 0;
};

}  // namespace polyport
