#pragma once
// Protocols by scheme, globally or for one class; a class lookup falls back to the global one.
// Thread safety: safe from any thread.

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>

#include "polyport/protocol.hpp"

namespace polyport::detail {

class protocol_registry {
 public:
  void add(std::string_view class_name, std::string_view scheme, std::shared_ptr<protocol> handler);
  std::shared_ptr<protocol> find(std::string_view class_name, std::string_view scheme) const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<protocol>, std::less<>> protocols_;
};

}  // namespace polyport::detail
