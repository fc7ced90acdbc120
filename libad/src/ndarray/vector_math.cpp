#include "ndarray/vector_math.hpp"

#include <cmath>

#if defined(TNAD_HAVE_LIBMVEC)
#include <immintrin.h>

#include <algorithm>

// The vector-ABI names of glibc's libmvec (x86_64 "b" SSE, "d" AVX2, "e" AVX-512 variants).
extern "C" __m128d _ZGVbN2v_tanh(__m128d);
extern "C" __attribute__((target("avx2"))) __m256d _ZGVdN4v_tanh(__m256d);
extern "C" __attribute__((target("avx512f"))) __m512d _ZGVeN8v_tanh(__m512d);
#endif

namespace tnad::detail {

#if defined(TNAD_HAVE_LIBMVEC)
namespace {

// Whole vectors, then the tail through the same routine from a padded copy. (Spelled out
// per width: a lambda would not inherit the function's target attribute.)
#define TNAD_LANES(L, LOAD, STORE, CALL)         \
  int64_t i = 0;                                    \
  for (; i + L <= n; i += L) STORE(y + i, CALL(LOAD(x + i))); \
  if (i < n) {                                      \
    double in[L] = {}, out[L];                      \
    std::copy(x + i, x + n, in);                    \
    STORE(out, CALL(LOAD(in)));                     \
    std::copy(out, out + (n - i), y + i);           \
  }

__attribute__((target("avx512f"))) void tanh8(const double* x, double* y, int64_t n) {
  TNAD_LANES(8, _mm512_loadu_pd, _mm512_storeu_pd, _ZGVeN8v_tanh)
}
__attribute__((target("avx2"))) void tanh4(const double* x, double* y, int64_t n) {
  TNAD_LANES(4, _mm256_loadu_pd, _mm256_storeu_pd, _ZGVdN4v_tanh)
}
void tanh2(const double* x, double* y, int64_t n) { TNAD_LANES(2, _mm_loadu_pd, _mm_storeu_pd, _ZGVbN2v_tanh) }
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
