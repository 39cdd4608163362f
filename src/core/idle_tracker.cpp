#include "core/idle_tracker.hpp"

#include <algorithm>

namespace polyport::detail {

idle_tracker::idle_tracker(boost::asio::io_context& io) : timer_(io) {}

void idle_tracker::watch(idle_member& member, std::chrono::milliseconds timeout) {
  unwatch(member);
  member.timeout_ = timeout;
  if (timeout <= std::chrono::milliseconds::zero()) {
    return;
  }
  auto found = std::find_if(lists_.begin(), lists_.end(), [&](const auto& list) { return list->timeout == timeout; });
  if (found == lists_.end()) {
    lists_.push_back(std::make_unique<timeout_list>());
    lists_.back()->timeout = timeout;
    found = std::prev(lists_.end());
  }
  timeout_list& list = **found;
  member.list_ = &list;
  member.last_activity_ = clock::now();
  list.members.push_back(member);
  arm_for(member.last_activity_ + timeout);
}

void idle_tracker::unwatch(idle_member& member) {
  if (member.is_linked()) {
    static_cast<timeout_list*>(member.list_)->members.remove(member);
    member.list_ = nullptr;
  }
}

std::size_t idle_tracker::watched() const {
  std::size_t total = 0;
  for (const auto& list : lists_) {
    total += list->members.size();
  }
  return total;
}

void idle_tracker::move_to_tail(idle_member& member, clock::time_point when) {
  auto& list = *static_cast<timeout_list*>(member.list_);
  member.last_activity_ = std::max(member.last_activity_, when);
  list.members.remove(member);
  list.members.push_back(member);
}

void idle_tracker::arm_for(clock::time_point deadline) {
  if (deadline >= armed_for_) {
    return;
  }
  armed_for_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) {
      on_timer();
    }
  });
}

void idle_tracker::on_timer() {
  armed_for_ = clock::time_point::max();
  expire_due(clock::now());
  rearm();
}

void idle_tracker::expire_due(clock::time_point now) {
  for (auto& list : lists_) {
    while (idle_member* head = list->members.front()) {
      if (head->last_activity_ + list->timeout > now) {
        break;
      }
      // Unlinked before the callback: the member may close (and be freed later) or re-watch.
      list->members.remove(*head);
      head->list_ = nullptr;
      head->idle_expired();
    }
  }
}

void idle_tracker::rearm() {
  auto earliest = clock::time_point::max();
  for (auto& list : lists_) {
    if (idle_member* head = list->members.front()) {
      earliest = std::min(earliest, head->last_activity_ + list->timeout);
    }
  }
  if (earliest != clock::time_point::max()) {
    arm_for(earliest);
  }
}

}  // namespace polyport::detail
