// Storage for NDArray buffers above the small-object pool (pool.hpp): 64-byte aligned, and
// large blocks kept mapped in a process-wide cache after they are freed.
//
// Why: a TRG / CTMRG step allocates and frees the same multi-MiB shapes over and over. With
// plain malloc each such block is a fresh mmap (glibc's mmap threshold) and every 4 KiB page
// is faulted in again on first touch; on the VMs we measured that costs ~25 us per page and
// was 20-40% of a whole TRG gradient (it shows up as dgemm_beta, the first writer of a GEMM
// output). Cached blocks come back already resident. Blocks of 2 MiB and more are 2 MiB
// aligned; with TNAD_HUGEPAGES=1 they are also madvise(MADV_HUGEPAGE)d.
// Trap: MADV_HUGEPAGE is not free. Under the usual THP "defrag" setting (madvise) a fault
// in such a block compacts memory synchronously until a 2 MiB page is free; on a machine
// whose memory is fragmented that made first touch ~2.5 ms per MiB (433 MiB: 0.4-1.2 s,
// against 0.16-0.22 s for 4 KiB pages), and the chi 32 TRG second derivative 5% slower
// (sys time 1.4 s -> 0.45 s without it). So huge pages are opt-in, for long runs on
// machines where they are cheap (the TLB gain is in strided permutations).
//
// Size classes: 8 per power of two (waste <= 12.5%). The cache holds at most
// memory::buffer_cache_limit() bytes (default min(1 GiB, RAM / 8); TNAD_BUFFER_CACHE_MIB
// overrides, 0 disables); a block that does not fit is returned to the OS at once, and a
// failed mapping empties the cache and retries before throwing std::bad_alloc.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string_view>
#include <vector>

#include "tnad/ad/memory.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {
namespace {

constexpr std::size_t kAlign = 64;
constexpr std::size_t kLarge = std::size_t(32) << 10;  // below: aligned operator new
constexpr std::size_t kHuge = std::size_t(2) << 20;     // THP size on x86-64
constexpr std::size_t kPage = 4096;

// Round up to one of 8 classes per power of two, page multiple.
std::size_t size_class(std::size_t n) {
  n = (n + kPage - 1) & ~(kPage - 1);
  const int e = 63 - __builtin_clzll(n);  // 2^e <= n < 2^(e+1)
  const std::size_t step = std::size_t(1) << std::max(e - 3, 12);
  return (n + step - 1) & ~(step - 1);
}

bool want_huge_pages() {
  static const bool on = [] {
    const char* s = std::getenv("TNAD_HUGEPAGES");
    return s && std::string_view(s) == "1";
  }();
  return on;
}

// A new block's pages are faulted in by one madvise(MADV_POPULATE_WRITE) (Linux 5.14; on
// older kernels it fails and the pages fault on first touch as before), not one exception
// per 4 KiB page on first touch. On the paravirtualized build VMs a page fault costs ~10 us
// of exception entry and exit: the unrolled C4v gradient at D = 4, chi = 32 (200 MB of
// tape, every page new) spent 11% of its time in the kernel's fault path (16% -> 5% of its
// samples in the kernel). Every NDArray buffer is written in full, so populating wastes
// nothing; blocks above kPopulateMax (rare, and long to compute on) are left to fault
// lazily, so that a huge allocation near the memory limit fails where it did before.
constexpr std::size_t kPopulateMax = std::size_t(256) << 20;
void populate(void* p, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  if (bytes <= kPopulateMax) ::madvise(p, bytes, MADV_POPULATE_WRITE);
#else
  (void)p, (void)bytes;
#endif
}

void* map_block(std::size_t bytes) {
  if (bytes < kHuge) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    populate(p, bytes);
    return p;
  }
  // Over-map by 2 MiB and trim both ends so the block is huge-page aligned.
  const std::size_t span = bytes + kHuge;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (base + kHuge - 1) & ~(std::uintptr_t(kHuge) - 1);
  if (aligned > base) ::munmap(raw, aligned - base);
  const std::uintptr_t end = base + span, tail = aligned + bytes;
  if (end > tail) ::munmap(reinterpret_cast<void*>(tail), end - tail);
  if (want_huge_pages()) ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  populate(reinterpret_cast<void*>(aligned), bytes);
  return reinterpret_cast<void*>(aligned);
}

int64_t default_limit() {
  if (const char* s = std::getenv("TNAD_BUFFER_CACHE_MIB")) {
    char* end = nullptr;
    const long long mib = std::strtoll(s, &end, 10);
    if (end != s && *end == '\0' && mib >= 0) return int64_t(mib) << 20;
    std::fprintf(stderr, "tnad: ignoring TNAD_BUFFER_CACHE_MIB='%s' (expected a whole number of MiB, 0 = off)\n", s);
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const int64_t ram = pages > 0 && page > 0 ? int64_t(pages) * page : int64_t(8) << 30;
  return std::min<int64_t>(int64_t(1) << 30, ram / 8);
}

struct Cache {
  std::mutex mu;
  std::map<std::size_t, std::vector<void*>> free;  // size class -> mapped, unused blocks
  int64_t cached = 0;
  int64_t limit = default_limit();

  void* take(std::size_t cls) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = free.find(cls);
    if (it == free.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached -= int64_t(cls);
    return p;
  }
  bool put(void* p, std::size_t cls) {
    std::lock_guard<std::mutex> lock(mu);
    if (cached + int64_t(cls) > limit) return false;
    try {
      free[cls].push_back(p);
    } catch (...) {
      return false;
    }
    cached += int64_t(cls);
    return true;
  }
  void release_all() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [cls, blocks] : free)
      for (void* p : blocks) ::munmap(p, cls);
    free.clear();
    cached = 0;
  }
};

// Never destroyed: buffers owned by static tensors may be freed after main returns.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

namespace detail {

void* buffer_allocate(std::size_t bytes) {
  if (bytes < kLarge) return ::operator new(bytes, std::align_val_t(kAlign));
  const std::size_t cls = size_class(bytes);
  if (void* p = cache().take(cls)) return p;
  if (void* p = map_block(cls)) return p;
  cache().release_all();  // memory is tight: give the cached blocks back and retry once
  if (void* p = map_block(cls)) return p;
  throw std::bad_alloc();
}

void buffer_deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kLarge) {
    ::operator delete(p, std::align_val_t(kAlign));
    return;
  }
  const std::size_t cls = size_class(bytes);
  if (!cache().put(p, cls)) ::munmap(p, cls);
}

}  // namespace detail

namespace memory {

int64_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

int64_t buffer_cache_limit() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.limit;
}

void set_buffer_cache_limit(int64_t bytes) {
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.limit = std::max<int64_t>(0, bytes);
    if (c.cached <= c.limit) return;
  }
  c.release_all();
}

void release_cached() { cache().release_all(); }

}  // namespace memory
}  // namespace tnad
