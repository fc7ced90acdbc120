#include "contract/pair_cost.hpp"

namespace tnad::tn {

namespace {
// Rounded from bench/tensornet/fit_pair_cost.py on bench_pair_cost, one thread of an AMD
// EPYC (Zen 5, AVX-512; 2 cores shared with other jobs), OpenBLAS 0.3.21: P 37.5 GFLOP/s,
// beta 0.42 ns, beta_c 0.24 ns, tau 0.58 ns; GEMMs of >= 50 us within 11% (median; up to
// 50% for m = 8). Only the ratios between layouts matter.
constexpr double kPeak = 37e9;          // flop/s
constexpr double kPerOperand = 0.4e-9;  // s per element of A and of B (packed per call)
constexpr double kPerResult = 0.25e-9;  // s per element of C
constexpr double kPerCall = 1e-6;       // s per call
constexpr double kPerPermuted = 0.6e-9;  // s per permuted element (read + write, strided)
}  // namespace

double gemm_cost(int64_t m, int64_t n, int64_t k) {
  const double fm = double(m), fn = double(n), fk = double(k);
  return 2.0 * fm * fn * fk / kPeak + (fm * fk + fk * fn) * kPerOperand + fm * fn * kPerResult + kPerCall;
}

double permute_cost(int64_t elements) { return double(elements) * kPerPermuted; }

}  // namespace tnad::tn
