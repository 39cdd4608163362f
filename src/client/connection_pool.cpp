#include "client/connection_pool.hpp"

#include <algorithm>

#include "client/proxy_send.hpp"

namespace polyport::detail {

std::string pool_key(const route_plan& route, const endpoint& destination) {
  std::string key = route.class_name + '|' + route.scheme + '|' + std::string(to_string(route.transport)) + '|' +
                    destination.to_string();
  if (route.transport == transport::tls || route.transport == transport::wss) {
    key += '|' + route.opts.host.value_or(route.host);
  }
  if (route.transport == transport::ws || route.transport == transport::wss) {
    // A WebSocket connection was opened for one Host, path and subprotocol.
    key += '|' + route.opts.host.value_or(route.host) + '|' + route.opts.path.value_or("/") + '|' +
           route.opts.ws_proto.value_or("");
  }
  return key + proxy_send_key(route.opts);
}

void connection_pool::add(const std::string& key, const connection_ref& ref) {
  std::lock_guard lock(mutex_);
  auto& refs = open_[key];
  std::erase_if(refs, [](const connection_ref& r) { return !r.is_open(); });
  refs.push_back(ref);
}

std::optional<connection_ref> connection_pool::find_open_locked(const std::string& key) {
  auto found = open_.find(key);
  if (found == open_.end()) {
    return std::nullopt;
  }
  auto& refs = found->second;
  std::erase_if(refs, [](const connection_ref& r) { return !r.is_open(); });
  if (refs.empty()) {
    open_.erase(found);
    return std::nullopt;
  }
  return refs.back();
}

connection_pool::joined connection_pool::join(const std::string& key, attempt_done waiter) {
  std::lock_guard lock(mutex_);
  // Looked up under the same lock as the pending attempts: a settle() in between cannot make
  // this caller lead a second attempt to a destination that has just connected.
  if (auto open = find_open_locked(key)) {
    return {std::move(open), false};
  }
  auto [entry, is_new] = pending_.try_emplace(key);
  entry->second.push_back(std::move(waiter));
  return {std::nullopt, is_new};
}

void connection_pool::settle(const std::string& key, const result<connection_ref>& outcome) {
  std::vector<attempt_done> waiters;
  {
    std::lock_guard lock(mutex_);
    if (outcome) {
      open_[key].push_back(*outcome);
    }
    if (auto found = pending_.find(key); found != pending_.end()) {
      waiters = std::move(found->second);
      pending_.erase(found);
    }
  }
  for (auto& waiter : waiters) {
    waiter(outcome);
  }
}

}  // namespace polyport::detail
