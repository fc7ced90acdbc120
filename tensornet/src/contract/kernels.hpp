// Internal: the value kernels behind the contraction ops (no AD).
#pragma once
#include <cstdint>
#include <vector>

#include "tnad/ad/ndarray.hpp"

namespace tnad::tn {

// C[lc] = sum A[la] B[lb] over the labels not in lc. Labels are small non-negative ints,
// unique within each operand; every label of A is in B or lc, every label of B in A or lc,
// and lc is a subset of la + lb. A label in A, B and lc is a batch (Hadamard) index.
// Executed as one (batched) dgemm over strided views; an operand or the result is permuted
// only when its layout cannot be expressed with GEMM strides and transpose flags.
NDArray contract_pair_values(const NDArray& a, const std::vector<int>& la, const NDArray& b,
                             const std::vector<int>& lb, const std::vector<int>& lc);

// The result order for which contract_pair_values writes C without a permutation:
// batch labels (in A's order), then A's free labels (A's order), then B's (B's order).
// `keep` lists the result labels in any order.
std::vector<int> natural_result_order(const std::vector<int>& la, const std::vector<int>& lb,
                                      const std::vector<int>& keep);

// y[ly] = sum over the labels of lx not in ly of x restricted to the diagonal of its repeated
// labels (einsum with one operand: traces, diagonals, sums, permutation). ly is unique and
// a subset of lx.
NDArray reduce_values(const NDArray& x, const std::vector<int>& lx, const std::vector<int>& ly);

// The adjoint of reduce_values: an array of x_shape (labels lx) that holds g[ly] broadcast
// along the labels not in ly, on the diagonal of repeated labels and zero elsewhere.
NDArray embed_values(const NDArray& g, const std::vector<int>& ly, const std::vector<int>& lx,
                     const Shape& x_shape);

// Counters of contract_pair_values (all threads, since the start or the last reset), to
// check that a network's layouts avoid copies: pairwise contractions run, those that
// looped over a label instead of permuting, elements copied by permutations. Read by
// tests/tensornet/contract/test_pair_loops.cpp and bench/physics (private include path).
struct PairKernelStats {
  int64_t contractions = 0, looped = 0, permuted_elements = 0;
};
PairKernelStats pair_kernel_stats();
void reset_pair_kernel_stats();

// Preconditions of contract_pair_values; throws tnad::Error naming `op` if violated.
void check_pair_labels(const char* op, const Shape& sa, const std::vector<int>& la,
                       const Shape& sb, const std::vector<int>& lb, const std::vector<int>& lc);

}  // namespace tnad::tn
