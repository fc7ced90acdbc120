// The functional autograd API: grad, custom ops and the DOT export of a graph. Forward
// mode and Hessian-vector products: forward.hpp; checkpointing and rematerialization:
// checkpoint.hpp.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

struct GradOptions {
  bool create_graph = false;  // record the backward itself: gives grad of grad
  // Keep the saved tensors for another backward through the same graph (true) or free
  // them (false). Unset: the same as create_graph.
  std::optional<bool> retain_graph = std::nullopt;
  bool allow_unused = false;  // an input the outputs do not depend on gets zeros, not an error
};

// d(outputs)/d(inputs) contracted with grad_outputs (default: 1 for each scalar output).
// Partial adjoints are summed per node; the graph is walked once in reverse topological
// order, iteratively (a chain of 10^6 nodes is fine).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, GradOptions opt = {});
Tensor grad(const Tensor& output, const Tensor& input, GradOptions opt = {});

using Fn = std::function<Tensor(const Tensor&)>;
using FnN = std::function<Tensor(const std::vector<Tensor>&)>;
using MultiFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// A user-defined op, without touching the library (like torch.autograd.Function):
// compute works on values; vjp gets the op's inputs and outputs as tensors and the
// gradients of the outputs (undefined = zero), and returns one gradient per input.
struct CustomOp {
  std::string name;
  std::function<std::vector<NDArray>(const std::vector<NDArray>&)> compute;
  std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs,
                                    const std::vector<Tensor>& outputs,
                                    const std::vector<Tensor>& grad_outputs)>
      vjp;
  // Applies the op: its outputs, recorded as one node named `name`.
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;
};

// Graphviz DOT text of the graph behind the given tensors (op names, shapes, scopes).
std::string to_dot(const std::vector<Tensor>& roots);
inline std::string to_dot(const Tensor& root) { return to_dot(std::vector<Tensor>{root}); }

}  // namespace tnad
