#pragma once
// What a runtime owns: workers, protocol registry, listeners, statistics and the client pool.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <mutex>
#include <vector>

#include "core/protocol_registry.hpp"
#include "core/stats_sink.hpp"
#include "core/worker.hpp"
#include "polyport/runtime.hpp"

namespace polyport::detail {
class owned_listener;
class connection_pool;
class resolver;
class shared_port;

// Sets listener::id(), which only the runtime assigns.
struct listener_ids {
  static void assign(listener& numbered, std::uint64_t id) { numbered.id_ = id; }
};
}  // namespace polyport::detail

namespace polyport {

struct runtime::state : std::enable_shared_from_this<runtime::state> {
  explicit state(runtime_options settings);
  ~state();

  // The worker with the fewest connections, for connections with no home yet.
  detail::worker& least_loaded_worker();
  // Runs `action` on every worker and, unless called from a worker, waits for all of them.
  void on_every_worker(const std::function<void(detail::worker&)>& action);

  void add_listener(std::shared_ptr<detail::owned_listener> started);
  void remove_listener(const detail::owned_listener* stopped);
  std::vector<std::shared_ptr<detail::owned_listener>> listener_list() const;

  runtime_options settings;
  std::vector<std::unique_ptr<detail::worker>> workers;
  detail::protocol_registry registry;
  std::shared_ptr<detail::stats_sink> totals;
  std::shared_ptr<detail::stats_sink> client_totals;
  std::unique_ptr<detail::connection_pool> pool;
  std::unique_ptr<detail::resolver> dns;
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> next_scan_start{0};  // least_loaded_worker's tie-breaking
  // The bound HTTP/WebSocket ports by "ip:port", which later listeners join (shared_port.hpp).
  std::mutex ports_mutex;
  std::map<std::string, std::weak_ptr<detail::shared_port>> ports;  // guarded by ports_mutex

 private:
  mutable std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<detail::owned_listener>> listeners_;
  std::uint64_t last_listener_id_ = 0;  // guarded by listeners_mutex_
};

}  // namespace polyport
