// Umbrella header of tnad::linalg — differentiable LAPACK-backed linear algebra:
// svd / svd_truncated (svd.hpp), eigh (eigh.hpp), qr / lq (qr.hpp),
// cholesky / solve / solve_triangular / inv / det / slogdet (solve.hpp),
// degeneracy regularisation settings (linalg/options.hpp), the one truncation rule
// (truncation.hpp), CG / GMRES / Lanczos / Arnoldi on linear maps of tensors (krylov.hpp).
#pragma once
#include <vector>

#include "tnad/linalg/eigh.hpp"
#include "tnad/linalg/krylov.hpp"
#include "tnad/linalg/options.hpp"
#include "tnad/ad/op_info.hpp"
#include "tnad/linalg/qr.hpp"
#include "tnad/linalg/solve.hpp"
#include "tnad/linalg/svd.hpp"
#include "tnad/linalg/truncation.hpp"

namespace tnad {

// The layer's op table: one row per differentiable function with its test cases
// (shapes incl. batches, tall/square/wide), input sampler, gauge-invariant readout and
// the derivative order it supports. tests/linalg runs gradcheck/gradgradcheck on it.
const std::vector<OpInfo>& linalg_op_table();

}  // namespace tnad
