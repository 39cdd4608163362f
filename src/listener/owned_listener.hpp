#pragma once
// A listener as the runtime keeps it: the public interface plus the stop the runtime calls when
// it shuts down (which leaves the runtime's own list alone).
// Thread safety: as listener.

#include "polyport/listener.hpp"

namespace polyport::detail {

class owned_listener : public listener {
 public:
  // Stops as stop() does, with close_reason::runtime_stopped, without leaving the runtime's list.
  virtual void stop_for_runtime() = 0;
};

}  // namespace polyport::detail
