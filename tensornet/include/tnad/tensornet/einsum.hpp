// einsum and tensordot: differentiable contractions of labelled tensors.
//
//   C = einsum("abc,cd->abd", {A, B});      // explicit output
//   s = einsum("ij,ij", A, B);              // implicit output: indices seen once, sorted
//   t = einsum("ii->", A);                  // trace; "ii->i" diagonal; "ij->" sum
//   H = einsum("bij,bjk->bik", X, Y);       // batch (Hadamard) index b
//   T = tensordot(A, B, 2);                 // last 2 axes of A with first 2 of B
//
// numpy.einsum subscripts: letters a-z A-Z (case-sensitive), ',' between operands, optional
// '->' and output; spaces ignored; no ellipsis. Any number of operands: the pairwise order
// comes from contract_path (contract_path.hpp; optimal up to 12 operands, cached per
// subscripts and shapes). Each operand is first reduced by itself (traces, indices no other
// operand and not the output has); then each pairwise step is one batched dgemm, with
// operands permuted only when GEMM strides and transpose flags cannot absorb the layout —
// or, where that would copy a large tensor and the GEMMs stay efficient, a loop of GEMMs
// over one of its labels (chosen by a cost model of the shapes, never by timing).
//
// Derivatives: the adjoint of C = sum A B is dA = sum dC B, again a contraction
// (docs/adjoints.md, "Contractions"); the recorded graph holds one node per pairwise step, so the
// backward reuses the forward's order, and second derivatives work.
// Cost trap: the backward keeps every intermediate of the chosen path; when recording, the
// default objective adds 64 x (elements written) to the flops (cotengra's combo).
#pragma once
#include <string>
#include <type_traits>
#include <vector>

#include "tnad/tensornet/contract_path.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

Tensor einsum(const std::string& subscripts, const std::vector<Tensor>& operands,
              const PathOptions& options = {});

template <class... T>
  requires(std::is_convertible_v<const T&, const Tensor&> && ...)
Tensor einsum(const std::string& subscripts, const Tensor& first, const T&... rest) {
  return einsum(subscripts, std::vector<Tensor>{first, Tensor(rest)...});
}

// sum over the last `axes` axes of a and the first `axes` axes of b; the result has a's
// remaining axes then b's (numpy.tensordot).
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes = 2);
// sum over the axes pairs (axes_a[i], axes_b[i]); negative axes count from the end.
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& axes_a,
                 const std::vector<int64_t>& axes_b);

}  // namespace tnad
