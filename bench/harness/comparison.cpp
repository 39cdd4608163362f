#include "comparison.hpp"

#include <stdexcept>

namespace bench {

comparison chosen_comparison(const flags& options) {
  const std::string& wanted = options.text("compare");
  if (wanted == "raw") {
    return {"raw epoll", "polyport", options.text("baseline-cmd"), options.text("polyport-cmd"), false};
  }
  if (wanted == "policy") {
    return {"polyport", "polyport + policy", options.text("polyport-cmd"), options.text("policy-cmd"), true};
  }
  throw std::runtime_error("--compare wants raw or policy");
}

}  // namespace bench
