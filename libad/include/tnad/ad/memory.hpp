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

// Freed large buffers (>= 32 KiB) stay mapped in a process-wide cache and are handed out
// again for the same size class, so repeated steps do not page-fault their arrays in anew.
// They are not live: live_bytes()/peak_bytes() do not count them, RSS does.
int64_t cached_bytes();              // bytes held by the cache now
int64_t buffer_cache_limit();        // its capacity: min(1 GiB, RAM / 8), or TNAD_BUFFER_CACHE_MIB
void set_buffer_cache_limit(int64_t bytes);  // 0 disables; shrinking releases the cache
void release_cached();               // returns every cached block to the OS

namespace detail {
void on_alloc(std::size_t n);
void on_free(std::size_t n);
}  // namespace detail

}  // namespace tnad::memory
