#include "contract/contract_ops.hpp"

#include "contract/kernels.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad::tn {

namespace {
Tensor record_contract(const Tensor& a, const std::vector<int>& la, const Tensor& b, const std::vector<int>& lb,
                       const std::vector<int>& lc, NDArray value) {
  // dA needs B and dB needs A: save only what a needed gradient uses.
  const SaveSet saved = (b.requires_grad() ? save::in(0) : save::none) | (a.requires_grad() ? save::in(1) : save::none);
  return record("contract", {a, b}, std::move(value), saved, [la, lb, lc](OpContext& c, const Tensor& g) {
    Tensor ga, gb;
    if (c.needs_grad(0)) ga = contract_pair(g, lc, c.input(1), lb, la);
    if (c.needs_grad(1)) gb = contract_pair(c.input(0), la, g, lc, lb);
    return grads(ga, gb);
  });
}
}  // namespace

Tensor contract_pair(const Tensor& a, const std::vector<int>& la, const Tensor& b,
                     const std::vector<int>& lb, const std::vector<int>& lc) {
  check_pair_labels("contract", a.shape(), la, b.shape(), lb, lc);
  return record_contract(a, la, b, lb, lc, contract_pair_values(a.value(), la, b.value(), lb, lc));
}

Tensor contract_pair_unevaluated(const Tensor& a, const std::vector<int>& la, const Tensor& b,
                                 const std::vector<int>& lb, const std::vector<int>& lc) {
  check_pair_labels("contract", a.shape(), la, b.shape(), lb, lc);
  Shape out;
  for (int l : lc) {
    int64_t d = -1;
    for (std::size_t i = 0; i < la.size() && d < 0; ++i)
      if (la[i] == l) d = a.size(int(i));
    for (std::size_t i = 0; i < lb.size() && d < 0; ++i)
      if (lb[i] == l) d = b.size(int(i));
    out.push_back(d);
  }
  // One shared zero array per shape and thread (copy-on-write, never written): re-runs
  // neither allocate nor clear a chi^4 buffer for a value nobody reads.
  thread_local NDArray zero;
  if (!zero.defined() || !(zero.shape() == out)) zero = NDArray::zeros(out);
  return record_contract(a, la, b, lb, lc, zero);
}

Tensor einsum_reduce(const Tensor& x, const std::vector<int>& lx, const std::vector<int>& ly) {
  if (lx == ly) return x;
  const Shape xs = x.shape();
  return record("einsum_reduce", {x}, reduce_values(x.value(), lx, ly), save::none,
                [lx, ly, xs](OpContext&, const Tensor& g) {
                  return grads(einsum_embed(g, ly, lx, xs));
                });
}

Tensor einsum_embed(const Tensor& g, const std::vector<int>& ly, const std::vector<int>& lx,
                    const Shape& x_shape) {
  if (lx == ly) return g;
  return record("einsum_embed", {g}, embed_values(g.value(), ly, lx, x_shape), save::none,
                [lx, ly](OpContext&, const Tensor& gg) { return grads(einsum_reduce(gg, lx, ly)); });
}

}  // namespace tnad::tn
