// Umbrella header of tnad::linalg — differentiable LAPACK-backed linear algebra:
// svd / svd_truncated (svd.hpp), eigh (eigh.hpp), qr / lq (qr.hpp),
// cholesky / solve / solve_triangular / inv / det / slogdet (solve.hpp),
// degeneracy regularisation settings (linalg_options.hpp).
#pragma once
#include <vector>

#include "tnad/eigh.hpp"
#include "tnad/linalg_options.hpp"
#include "tnad/op_info.hpp"
#include "tnad/qr.hpp"
#include "tnad/solve.hpp"
#include "tnad/svd.hpp"

namespace tnad {

// The layer's op table: one row per differentiable function with its test cases
// (shapes incl. batches, tall/square/wide), input sampler, gauge-invariant readout and
// the derivative order it supports. tests/linalg runs gradcheck/gradgradcheck on it.
const std::vector<OpInfo>& linalg_op_table();

}  // namespace tnad
