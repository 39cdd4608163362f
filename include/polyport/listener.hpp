#pragma once
// A started listener: where it listens, its statistics, and its control.
// Thread safety: distinct and shared objects: safe; call from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "polyport/access_rules.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
#include "polyport/result.hpp"
#include "polyport/stats.hpp"
#include "polyport/transport.hpp"

namespace polyport {

class listener {
 public:
  virtual ~listener() = default;

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
  virtual void suspend() = 0;
  virtual result<void> resume() = 0;
  virtual bool is_suspended() const = 0;

  // Stops accepting, waits up to `grace` for the open connections to end, closes those left
  // (close_reason::listener_stopped), then stops the listener. Returns how many it closed.
  // Not from a worker thread (it waits for them).
  virtual std::size_t drain(std::chrono::milliseconds grace) = 0;

  // Stops accepting, closes every connection of this listener (each protocol sees on_close
  // once), then calls protocol::on_listen_stop. Idempotent. Blocks until done unless called from
  // a worker thread, where it completes asynchronously.
  virtual void stop() = 0;
  virtual bool is_running() const = 0;

  // The listener's user data, inherited by its connections.
  template <class T>
  T* user_data() const {
    return static_cast<T*>(user_data_pointer());
  }

  // "echo tcp 127.0.0.1:5315", "echo unix /tmp/echo.sock".
  std::string description() const;

 protected:
  virtual void* user_data_pointer() const = 0;
};

}  // namespace polyport
