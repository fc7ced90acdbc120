#include "ndarray/vector_math.hpp"

#include <cmath>

#if defined(TNAD_HAVE_LIBMVEC)
#include <immintrin.h>

// The vector-ABI names of glibc's libmvec (x86_64 "b" SSE, "d" AVX2, "e" AVX-512 variants).
extern "C" __m128d _ZGVbN2v_tanh(__m128d);
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_tanh(__m256d);
extern "C" __attribute__((target("avx512f"))) __m512d _ZGVeN8v_tanh(__m512d);
#endif

namespace tnad::detail {

#if defined(TNAD_HAVE_LIBMVEC)
namespace {

// Whole vectors, then the tail through the same routine as one vector read and written
// under a lane mask (masked-off lanes read as 0 and are not written). Not through a padded
// copy on the stack: that array is 64-byte aligned in the AVX-512 variant, and
// AddressSanitizer's fake stack (detect_stack_use_after_return) did not align its frames
// beyond 32 bytes (fixed in compiler-rt by llvm-project #152819, 2025; gcc 12's libasan
// has the old runtime), so the compiler's aligned zeroing store into it faulted in the
// ASan build. (Spelled out per width: a lambda would not
// inherit the function's target attribute.)
#define TNAD_LANES(L, LOAD, STORE, CALL)                      \
  int64_t i = 0;                                              \
  for (; i + L <= n; i += L) STORE(y + i, CALL(LOAD(x + i)));

__attribute__((target("avx512f"))) void tanh8(const double* x, double* y, int64_t n) {
  TNAD_LANES(8, _mm512_loadu_pd, _mm512_storeu_pd, _ZGVeN8v_tanh)
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(y + i, m, _ZGVeN8v_tanh(_mm512_maskz_loadu_pd(m, x + i)));
  }
}
__attribute__((target("avx2"))) void tanh4(const double* x, double* y, int64_t n) {
  TNAD_LANES(4, _mm256_loadu_pd, _mm256_storeu_pd, _ZGVdN4v_tanh)
  if (i < n) {  // lane k active when k < n - i (the sign bit of each 64-bit mask lane)
    const __m256i m = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n - i), _mm256_setr_epi64x(0, 1, 2, 3));
    _mm256_maskstore_pd(y + i, m, _ZGVdN4v_tanh(_mm256_maskload_pd(x + i, m)));
  }
}
void tanh2(const double* x, double* y, int64_t n) {
  TNAD_LANES(2, _mm_loadu_pd, _mm_storeu_pd, _ZGVbN2v_tanh)
  if (i < n) _mm_store_sd(y + i, _ZGVbN2v_tanh(_mm_load_sd(x + i)));  // one left: low lane, high 0
}
#undef TNAD_LANES

using ArrayFn = void (*)(const double*, double*, int64_t);
ArrayFn pick_tanh() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return tanh8;
  if (__builtin_cpu_supports("avx2")) return tanh4;
  return tanh2;
}

}  // namespace

void tanh_array(const double* x, double* y, int64_t n) {
  static const ArrayFn f = pick_tanh();
  f(x, y, n);
}
#else
void tanh_array(const double* x, double* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
#endif

}  // namespace tnad::detail
