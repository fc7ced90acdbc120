#include "tnad/ad/pool.hpp"

#include <new>
#include <vector>

namespace tnad::detail {
namespace {
constexpr std::size_t kClass = 64;
constexpr std::size_t kClasses = 16;       // up to 1 KiB
constexpr std::size_t kMaxCached = 1 << 16;  // blocks kept per class and thread

// Trivially destructible, so it stays readable while other thread_locals are destroyed.
thread_local bool t_pool_alive = false;

struct Pools {
  std::vector<void*> free[kClasses];
  Pools() { t_pool_alive = true; }
  ~Pools() {
    t_pool_alive = false;
    for (auto& list : free)
      for (void* p : list) ::operator delete(p);
  }
};
Pools& pools() {
  thread_local Pools p;
  return p;
}
}  // namespace

void* pool_allocate(std::size_t bytes) {
  std::size_t k = (bytes + kClass - 1) / kClass;
  if (k == 0 || k > kClasses) return ::operator new(bytes);
  auto& list = pools().free[k - 1];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    return p;
  }
  return ::operator new(k * kClass);
}

void pool_deallocate(void* p, std::size_t bytes) noexcept {
  std::size_t k = (bytes + kClass - 1) / kClass;
  if (k == 0 || k > kClasses || !t_pool_alive) {
    ::operator delete(p);
    return;
  }
  auto& list = pools().free[k - 1];
  if (list.size() >= kMaxCached) {
    ::operator delete(p);
    return;
  }
  try {
    list.push_back(p);
  } catch (...) {
    ::operator delete(p);
  }
}

}  // namespace tnad::detail
