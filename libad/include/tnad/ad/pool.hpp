// Internal allocator for the small objects every recorded op creates (graph nodes, tensor
// handles, 0-d buffers). Thread-local free lists per 64-byte size class up to 1 KiB: a
// long chain of scalar ops then reuses memory instead of going through malloc's slow bins
// each time (the tape benchmark's dominant cost). Larger blocks go to operator new.
// A block may be freed on another thread than the one that allocated it.
#pragma once
#include <cstddef>

namespace tnad::detail {

void* pool_allocate(std::size_t bytes);
void pool_deallocate(void* p, std::size_t bytes) noexcept;

// NDArray data above the pool's sizes: 64-byte aligned; blocks >= 32 KiB are cached
// mapped after free (buffer_cache.cpp, memory.hpp).
void* buffer_allocate(std::size_t bytes);
void buffer_deallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT
  T* allocate(std::size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pool_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const { return true; }
};

}  // namespace tnad::detail
