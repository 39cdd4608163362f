#include "core/protocol_registry.hpp"

#include <mutex>

#include "url/url_text.hpp"

namespace polyport::detail {


void protocol_registry::add(std::string_view class_name, std::string_view scheme, std::shared_ptr<protocol> handler) {
  std::unique_lock lock(mutex_);
  protocols_[{std::string(class_name), to_lower(scheme)}] = std::move(handler);
}

std::shared_ptr<protocol> protocol_registry::find(std::string_view class_name, std::string_view scheme) const {
  std::shared_lock lock(mutex_);
  std::string key = to_lower(scheme);
  if (auto found = protocols_.find(std::pair{std::string(class_name), key}); found != protocols_.end()) {
    return found->second;
  }
  if (auto global = protocols_.find(std::pair{std::string(), key}); global != protocols_.end()) {
    return global->second;
  }
  return nullptr;
}

}  // namespace polyport::detail
