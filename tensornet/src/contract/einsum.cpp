#include "tnad/tensornet/einsum.hpp"

#include <algorithm>

#include "contract/contract_ops.hpp"
#include "contract/kernels.hpp"
#include "contract/network.hpp"
#include "contract/plan.hpp"
#include "contract/run_plan.hpp"
#include "tnad/tensornet/ncon.hpp"

namespace tnad {

namespace tn {

bool will_record(const std::vector<Tensor>& ops) {
  if (!grad_enabled()) return false;
  return std::any_of(ops.begin(), ops.end(), [](const Tensor& t) { return t.requires_grad(); });
}

Tensor run_plan(const Plan& plan, const std::vector<Tensor>& ops) {
  const Network& net = plan.net;
  const int n = net.num_operands();
  std::vector<Tensor> vals;
  std::vector<std::vector<int>> labels;
  vals.reserve(n + plan.steps.size());
  labels.reserve(n + plan.steps.size());
  for (int i = 0; i < n; ++i) {
    vals.push_back(plan.needs_pre[i] ? einsum_reduce(ops[i], net.inputs[i], plan.pre[i]) : ops[i]);
    labels.push_back(plan.pre[i]);
  }
  if (n == 1) return vals[0];
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    const auto& s = plan.steps[k];
    std::vector<int> lc = (k + 1 == plan.steps.size())
                              ? net.output
                              : natural_result_order(labels[s.lhs], labels[s.rhs], s.result);
    vals.push_back(contract_pair(vals[s.lhs], labels[s.lhs], vals[s.rhs], labels[s.rhs], lc));
    labels.push_back(std::move(lc));
    // Drop our references early: an intermediate lives only as long as the graph needs it.
    vals[s.lhs] = Tensor();
    vals[s.rhs] = Tensor();
  }
  return vals.back();
}

std::vector<Shape> shapes_of(const std::vector<Tensor>& ops) {
  std::vector<Shape> s;
  s.reserve(ops.size());
  for (const auto& t : ops) {
    if (!t.defined()) throw_error("einsum: an operand is an undefined tensor");
    s.push_back(t.shape());
  }
  return s;
}

}  // namespace tn

Tensor einsum(const std::string& subscripts, const std::vector<Tensor>& operands,
              const PathOptions& options) {
  auto net = tn::parse_einsum(subscripts, tn::shapes_of(operands));
  auto plan = tn::make_plan(std::move(net), options, tn::will_record(operands));
  return tn::run_plan(*plan, operands);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes) {
  if (axes < 0 || axes > a.ndim() || axes > b.ndim())
    throw_error("tensordot: cannot contract ", axes, " axes of shapes ", to_string(a.shape()),
                " and ", to_string(b.shape()));
  std::vector<int64_t> xa, xb;
  for (int64_t i = 0; i < axes; ++i) {
    xa.push_back(a.ndim() - axes + i);
    xb.push_back(i);
  }
  return tensordot(a, b, xa, xb);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& axes_a,
                 const std::vector<int64_t>& axes_b) {
  auto net = tn::tensordot_network(a.shape(), b.shape(), axes_a, axes_b);
  return tn::contract_pair(a, net.inputs[0], b, net.inputs[1], net.output);
}

Tensor ncon(const std::vector<Tensor>& tensors, const std::vector<std::vector<int>>& labels,
            const PathOptions& options) {
  std::vector<Shape> shapes;
  for (const auto& t : tensors) {
    if (!t.defined()) throw_error("ncon: a tensor is undefined");
    shapes.push_back(t.shape());
  }
  auto plan = tn::make_plan(tn::ncon_network(labels, shapes), options, tn::will_record(tensors));
  return tn::run_plan(*plan, tensors);
}

ContractPath ncon_path(const std::vector<std::vector<int>>& labels, const std::vector<Shape>& shapes,
                       const PathOptions& options) {
  return tn::make_plan(tn::ncon_network(labels, shapes), options, false)->info;
}

}  // namespace tnad
