#pragma once
// A started listener: where it listens, its statistics, and its control.
// Thread safety: distinct and shared objects: safe; call from any thread.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "polyport/endpoint.hpp"
#include "polyport/options.hpp"
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
  // The effective options (URL merged with code).
  virtual const polyport::options& options() const = 0;

  virtual connection_stats stats() const = 0;

  virtual std::size_t max_connections() const = 0;
  // Takes effect for the next accepted connection; open connections over it stay open.
  virtual void set_max_connections(std::size_t limit) = 0;

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
