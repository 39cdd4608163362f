#include "core/protocol_registry.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace polyport::detail {

namespace {
std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

void protocol_registry::add(std::string_view class_name, std::string_view scheme, std::shared_ptr<protocol> handler) {
  std::unique_lock lock(mutex_);
  protocols_[{std::string(class_name), lower(scheme)}] = std::move(handler);
}

std::shared_ptr<protocol> protocol_registry::find(std::string_view class_name, std::string_view scheme) const {
  std::shared_lock lock(mutex_);
  std::string key = lower(scheme);
  if (auto found = protocols_.find(std::pair{std::string(class_name), key}); found != protocols_.end()) {
    return found->second;
  }
  if (auto global = protocols_.find(std::pair{std::string(), key}); global != protocols_.end()) {
    return global->second;
  }
  return nullptr;
}

}  // namespace polyport::detail
