#pragma once
// The table of URL options: each name, how its value is read into `options`, and whether its
// feature is built yet. options.cpp walks it; adding an option is adding a row.
// Private to src/url/. Thread safety: immutable data.

#include <span>
#include <string_view>

#include "polyport/options.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

struct option_descriptor {
  std::string_view name;
  // Reads `value` into `o`; the error is only the detail ("expected a whole number").
  result<void> (*apply)(options& o, std::string_view value);
  // Whether `o` sets this option, for check_supported.
  bool (*is_set)(const options& o);
  bool boolean;    // a flag with no value (`;nodelay`) means "true"
  bool supported;  // false: check_supported refuses the option
};

std::span<const option_descriptor> option_table();

// nullptr for an unknown name. `name` is compared as is: URL keys are already lower-cased.
const option_descriptor* find_option(std::string_view name);

}  // namespace polyport::detail
