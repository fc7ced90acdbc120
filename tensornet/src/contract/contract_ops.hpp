// Internal: the differentiable primitives every contraction is built from. Each is one op
// with its forward kernel and VJP side by side (contract_ops.cpp); the VJPs are written with
// these same ops, so derivatives of any order work.
#pragma once
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad::tn {

// C[lc] = sum A[la] B[lb] (preconditions of contract_pair_values in kernels.hpp).
// VJP (docs/adjoints.md, "Contractions"): dA = contract(dC[lc], B[lb] -> la), dB = contract(A[la], dC[lc] -> lb).
Tensor contract_pair(const Tensor& a, const std::vector<int>& la, const Tensor& b,
                     const std::vector<int>& lb, const std::vector<int>& lc);
// The same node with its value left at zero, not computed: for a caller that only needs
// the VJP (which reads the inputs, never the output), e.g. a checkpointed step re-run in
// the backward. Reading its value is a bug.
Tensor contract_pair_unevaluated(const Tensor& a, const std::vector<int>& la, const Tensor& b,
                                 const std::vector<int>& lb, const std::vector<int>& lc);

// y[ly] = sum of x[lx] over dropped labels, on the diagonal of repeated ones. VJP: embed.
Tensor einsum_reduce(const Tensor& x, const std::vector<int>& lx, const std::vector<int>& ly);

// The adjoint of einsum_reduce (broadcast + diagonal embedding). VJP: einsum_reduce.
Tensor einsum_embed(const Tensor& g, const std::vector<int>& ly, const std::vector<int>& lx,
                    const Shape& x_shape);

}  // namespace tnad::tn
