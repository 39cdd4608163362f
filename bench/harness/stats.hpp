// Order statistics for benchmark samples.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bench {

// The sample at quantile q (0..1), nearest rank; 0 when there are no samples. Reorders `samples`.
template <typename T>
T quantile(std::vector<T>& samples, double q) {
  if (samples.empty()) {
    return T{};
  }
  const auto rank = std::min(samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(rank), samples.end());
  return samples[rank];
}

// Median of a copy, so callers keep their round order.
template <typename T>
T median(std::vector<T> samples) {
  return quantile(samples, 0.5);
}

}  // namespace bench
