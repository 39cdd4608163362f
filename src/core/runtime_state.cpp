#include "core/runtime_state.hpp"

#include <algorithm>
#include <latch>
#include <thread>

#include "client/connection_pool.hpp"
#include "listener/stream_listener.hpp"

namespace polyport {

runtime::state::state(runtime_options chosen) : settings(chosen) {
  unsigned count = settings.workers != 0 ? settings.workers : std::max(1u, std::thread::hardware_concurrency());
  settings.workers = count;
  for (unsigned i = 0; i < count; ++i) {
    workers.push_back(std::make_unique<detail::worker>(i));
  }
  totals = std::make_shared<detail::stats_sink>(count);
  client_totals = std::make_shared<detail::stats_sink>(count);
  pool = std::make_unique<detail::connection_pool>();
  for (auto& w : workers) {
    w->start();
  }
}

runtime::state::~state() = default;

detail::worker& runtime::state::least_loaded_worker() {
  // The scan starts one worker further each time, so that among equally loaded workers a burst
  // of new connections (accepted faster than they are adopted) is dealt out in turn.
  std::size_t start = next_scan_start.fetch_add(1, std::memory_order_relaxed) % workers.size();
  detail::worker* least = workers[start].get();
  for (std::size_t i = 1; i < workers.size(); ++i) {
    detail::worker* candidate = workers[(start + i) % workers.size()].get();
    if (candidate->load() < least->load()) {
      least = candidate;
    }
  }
  return *least;
}

void runtime::state::on_every_worker(const std::function<void(detail::worker&)>& action) {
  if (detail::worker::current() != nullptr) {
    // Waiting here would block this worker's own loop: run it everywhere without waiting.
    for (auto& w : workers) {
      detail::worker* target = w.get();
      target->post([action, target] { action(*target); });
    }
    return;
  }
  std::latch all_done(static_cast<std::ptrdiff_t>(workers.size()));
  for (auto& w : workers) {
    detail::worker* target = w.get();
    target->post([&action, &all_done, target] {
      action(*target);
      all_done.count_down();
    });
  }
  all_done.wait();
}

void runtime::state::add_listener(std::shared_ptr<detail::stream_listener> started) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(started));
}

void runtime::state::remove_listener(const detail::stream_listener* stopped) {
  std::lock_guard lock(listeners_mutex_);
  std::erase_if(listeners_, [stopped](const auto& l) { return l.get() == stopped; });
}

std::vector<std::shared_ptr<detail::stream_listener>> runtime::state::listener_list() const {
  std::lock_guard lock(listeners_mutex_);
  return listeners_;
}

}  // namespace polyport
