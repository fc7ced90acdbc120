// Custom ops defined outside the library (CustomOp, autograd.hpp).
#include "autograd/tensor_impl.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

// ---------------------------------------------------------------- custom ops
std::vector<Tensor> CustomOp::operator()(const std::vector<Tensor>& inputs) const {
  const CustomOp& op = *this;
  if (!op.compute) throw_error("custom op '", op.name, "': no compute function");
  std::vector<NDArray> vals;
  for (const auto& t : inputs) vals.push_back(t.value());
  std::vector<NDArray> outs = op.compute(vals);
  if (outs.empty()) throw_error("custom op '", op.name, "': compute returned no outputs");
  if (!op.vjp && detail::should_record(inputs))
    throw_error("custom op '", op.name, "' has no vjp but an input requires grad");
  const int n_in = int(inputs.size()), n_out = int(outs.size());
  auto vjp = [vjp_fn = op.vjp, name = op.name, n_in, n_out](OpContext& c, const std::vector<Tensor>& g) {
    std::vector<Tensor> xs, ys;
    for (int i = 0; i < n_in; ++i) xs.push_back(c.input(i));
    for (int k = 0; k < n_out; ++k) ys.push_back(c.output(k));
    std::vector<Tensor> r = vjp_fn(xs, ys, g);
    if (int(r.size()) != n_in)
      throw_error("custom op '", name, "': vjp returned ", r.size(), " gradients for ", n_in, " inputs");
    for (int i = 0; i < n_in; ++i)
      if (r[i].defined() && !(r[i].shape() == c.input_shape(i)))
        throw_error("custom op '", name, "': vjp gave input ", i, " a gradient of shape ", r[i].shape(),
                    " but the input has shape ", c.input_shape(i));
    return r;
  };
  // The node is named by op.name, which need not outlive it: it keeps a copy.
  std::vector<Tensor> result =
      record_multi(op.name.c_str(), std::span<const Tensor>(inputs), std::move(outs),
                   save::all_inputs | save::all_outputs, std::move(vjp));
  if (!result.empty() && result[0].grad_fn()) result[0].grad_fn()->own_name(op.name);
  return result;
}

}  // namespace tnad
