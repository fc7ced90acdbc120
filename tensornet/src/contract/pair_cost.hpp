// Internal: the pair kernel's cost model, in seconds of one core. It prices the layouts that
// contract_pair_values can choose between (which operands to permute, which label, if any,
// to loop over) by shape alone, so a contraction always gets the same layout for the same
// shapes (a checkpointed re-run recomputes bit-identical values) and nothing is timed at run
// time.
//
//   one GEMM  C (m x n) = A (m x k) B (k x n):  t = 2 m n k / P + (m k + k n) beta + m n beta_c + gamma
//   one permutation of E elements:              t = E tau
//
// P is the large-GEMM peak of one core; beta prices every element of A and B that a GEMM
// call packs (so thin GEMMs, whose large operand is re-packed per call for little
// arithmetic, fall below peak: 24 x 576 x 576 at ~60% of it, as measured), beta_c every
// element of C read and written; gamma is the fixed cost of a call. All layouts are assumed
// to spread over the threads alike (a loop's GEMMs run side by side, a single GEMM is
// threaded by BLAS) — the model errs towards loops where a thin GEMM is threaded badly. Constants are fitted once by bench/tensornet/bench_pair_cost +
// fit_pair_cost.py (values and machine in pair_cost.cpp).
#pragma once
#include <cstdint>

namespace tnad::tn {

double gemm_cost(int64_t m, int64_t n, int64_t k);
double permute_cost(int64_t elements);

}  // namespace tnad::tn
