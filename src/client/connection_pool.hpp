#pragma once
// Outbound connections by destination, for reuse, and the connection attempts under way, so
// that concurrent sends to a new destination share one attempt.
// Thread safety: safe from any thread; callbacks run outside the lock.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/destination_walk.hpp"
#include "core/route_plan.hpp"
#include "polyport/connection.hpp"

namespace polyport::detail {

// (class, scheme, transport, address, TLS server name[, Host, path, ws_proto]): TLS connections
// are only reused for the name they were verified against, WebSocket connections only for the
// Host, path and subprotocol they were upgraded with.
std::string pool_key(const route_plan& route, const endpoint& destination);

class connection_pool {
 public:
  void add(const std::string& key, const connection_ref& ref);

  // Under one lock: an open connection to `key` if there is one (the waiter is not kept);
  // otherwise `waiter` is queued for the attempt under way, or, with none under way, queued and
  // the caller told to lead: make the attempt and report it with settle().
  struct joined {
    std::optional<connection_ref> open;
    bool lead = false;
  };
  joined join(const std::string& key, attempt_done waiter);
  void settle(const std::string& key, const result<connection_ref>& outcome);

 private:
  std::optional<connection_ref> find_open_locked(const std::string& key);

  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<connection_ref>> open_;
  std::unordered_map<std::string, std::vector<attempt_done>> pending_;
};

}  // namespace polyport::detail
