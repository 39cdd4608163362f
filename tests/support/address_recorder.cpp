#include "support/address_recorder.hpp"

#include <algorithm>

namespace polyport::testing {

void address_recorder::on_open(connection& conn) {
  {
    std::lock_guard lock(mutex_);
    opened_.push_back({conn.is_outbound(), conn.local(), conn.remote(), conn.peer(),
                       conn.proxy() != nullptr ? std::optional(*conn.proxy()) : std::nullopt});
  }
  changed_.notify_all();
}

void address_recorder::on_message(connection& conn, std::span<const std::byte> message) {
  if (!conn.is_outbound()) {
    conn.send(message);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    ++echoes_;
  }
  changed_.notify_all();
}

std::optional<opened_as> address_recorder::wait_inbound(std::size_t index, std::chrono::milliseconds timeout) {
  return wait_opened(false, index, timeout);
}

std::optional<opened_as> address_recorder::wait_outbound(std::size_t index, std::chrono::milliseconds timeout) {
  return wait_opened(true, index, timeout);
}

std::optional<opened_as> address_recorder::wait_opened(bool outbound, std::size_t index,
                                                       std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<opened_as> found;
  changed_.wait_for(lock, timeout, [&] {
    std::size_t seen = 0;
    for (const opened_as& o : opened_) {
      if (o.outbound == outbound && seen++ == index) {
        found = o;
        return true;
      }
    }
    return false;
  });
  return found;
}

bool address_recorder::wait_echoes(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return echoes_ >= count; });
}

std::size_t address_recorder::inbound_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(opened_.begin(), opened_.end(), [](const opened_as& o) { return !o.outbound; }));
}

}  // namespace polyport::testing
