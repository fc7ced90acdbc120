// Forward mode and Hessian-vector products on top of the reverse-mode engine.
//
// J v is computed as the derivative of a VJP with respect to its (linear) cotangent:
// g(u) = J^T u is linear in u, so d<g(u), v>/du = J v ("double-VJP" identity). One forward
// and two reverse sweeps; exact, and available for every op whose VJP is differentiable
// (all of them). Cost: ~3x a forward per tangent set, plus one reverse sweep per extra set.
#pragma once
#include <utility>
#include <vector>

#include "tnad/ad/autograd.hpp"

namespace tnad {

// (f(x), J v), plain values (nothing recorded).
std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v);
std::pair<Tensor, Tensor> jvp(const FnN& f, const std::vector<Tensor>& x,
                              const std::vector<Tensor>& v);

// Several tangent sets at once, differentiable: for f: xs -> ys and tangent sets
// v[j] (one tensor per x), the outputs ys and J v[j] for every j
// (tangents[j][k] = dy_k along v[j]). When recording is on and an input or a tangent
// requires grad, both are recorded, so reverse mode over them gives second derivatives
// (reverse over forward: TRG's specific heat); otherwise they are plain values and the
// local graph is freed on return. One forward + one recorded reverse sweep, then one
// reverse sweep per tangent set.
struct JvpResult {
  std::vector<Tensor> outputs;
  std::vector<std::vector<Tensor>> tangents;  // tangents[j][k] = J_k v[j]
};
JvpResult jvp(const MultiFn& f, const std::vector<Tensor>& x,
              const std::vector<std::vector<Tensor>>& v);

// Hessian-vector product of a scalar f: (f(x), H v) = (f, d/dx <grad f(x), v>).
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v);
// Over several inputs: H v with H the Hessian with respect to all of x jointly, one
// block row per input: (H v)_i = sum_j d^2 f / dx_i dx_j v_j.
std::pair<Tensor, std::vector<Tensor>> hvp(const FnN& f, const std::vector<Tensor>& x,
                                           const std::vector<Tensor>& v);

}  // namespace tnad
