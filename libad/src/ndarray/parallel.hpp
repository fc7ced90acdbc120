// Internal: OpenMP helpers. Small arrays run serially — spinning up a parallel region
// costs microseconds, which would dominate the 0-d tensors of a tape benchmark.
#pragma once
#include <cstdint>

namespace tnad::detail {
constexpr int64_t kParallelThreshold = 1 << 15;

template <class F>
inline void parallel_for(int64_t n, F&& f, int64_t threshold = kParallelThreshold) {
  if (n < threshold) {
    for (int64_t i = 0; i < n; ++i) f(i);
  } else {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) f(i);
  }
}
}  // namespace tnad::detail
