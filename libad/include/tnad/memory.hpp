// Live-byte accounting of every NDArray buffer, so tests and benchmarks can measure the
// memory that a graph, a checkpointing strategy or a solver really holds.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tnad::memory {

int64_t live_bytes();   // bytes held by NDArray buffers right now (all threads)
int64_t peak_bytes();   // high-water mark since the last reset_peak()
void reset_peak();      // peak := live
int64_t peak_rss_bytes();  // the process's peak resident set (VmHWM), for whole-job reports

namespace detail {
void on_alloc(std::size_t n);
void on_free(std::size_t n);
}  // namespace detail

}  // namespace tnad::memory
