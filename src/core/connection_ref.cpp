#include "polyport/connection.hpp"

#include <vector>

#include "core/worker.hpp"

namespace polyport {

connection_ref::connection_ref(std::weak_ptr<connection> target, detail::worker* owner, std::uint64_t id,
                               endpoint remote, std::shared_ptr<const std::atomic<bool>> open_flag)
    : target_(std::move(target)), owner_(owner), id_(id), remote_(std::move(remote)), open_flag_(std::move(open_flag)) {}

void connection_ref::send(std::span<const std::byte> message) const {
  dispatch([copy = std::vector<std::byte>(message.begin(), message.end())](connection& conn) { conn.send(copy); });
}

void connection_ref::close() const {
  dispatch([](connection& conn) { conn.close(); });
}

void connection_ref::dispatch(std::function<void(connection&)> action, std::function<void()> if_closed) const {
  if (owner_ == nullptr) {
    if (if_closed) {
      if_closed();
    }
    return;
  }
  // The weak reference is locked on the owning worker, so the connection is never kept alive,
  // and never destroyed, on another thread.
  owner_->post([target = target_, action = std::move(action), if_closed = std::move(if_closed)] {
    if (auto conn = target.lock(); conn && conn->is_open()) {
      action(*conn);
    } else if (if_closed) {
      if_closed();
    }
  });
}

bool connection_ref::is_open() const {
  return open_flag_ && open_flag_->load(std::memory_order_relaxed);
}

}  // namespace polyport
