// The functional autograd API: grad, forward mode (jvp), Hessian-vector products,
// checkpointing, custom ops and the DOT export of a graph.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tnad/tensor.hpp"

namespace tnad {

struct GradOptions {
  bool create_graph = false;  // record the backward itself: gives grad of grad
  int retain_graph = -1;      // -1: same as create_graph; 0/1: free / keep saved tensors
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

// Forward mode: (f(x), J v). Computed as the derivative of a VJP with respect to its
// (linear) cotangent, so it works for every op that has a differentiable VJP.
std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v);
std::pair<Tensor, Tensor> jvp(const FnN& f, const std::vector<Tensor>& x,
                              const std::vector<Tensor>& v);
// Hessian-vector product of a scalar f: (f(x), H v) = (f, d/dx <grad f(x), v>).
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v);

// Runs f without recording and keeps only its inputs; backward re-runs f with recording
// and backpropagates through it (trades one extra forward for the memory of f's tape).
// Works under create_graph (higher order through the checkpoint). f must be
// deterministic (e.g. a fixed SVD gauge), since it is recomputed.
std::vector<Tensor> checkpoint(const MultiFn& f, const std::vector<Tensor>& inputs);
Tensor checkpoint(const Fn& f, const Tensor& x);

// y = f(inputs), rematerialized instead of kept for backward: an op that saves y for its
// VJP keeps f and the inputs rather than y's value, and recomputes y when that VJP runs
// (recorded under create_graph, and rematerializable again there). Selective
// checkpointing for a cheap producer of a large tensor that its consumers save: TRG's
// chi^5 half-plaquettes, read by the VJPs of the chi^6 product and of its VJP. Memory per
// saving consumer drops from y's size to nothing (the inputs are held anyway); time grows
// by one f per VJP that reads y. f must be deterministic; an input modified in place
// before the recomputation is an error.
Tensor rematerialize(const FnN& f, const std::vector<Tensor>& inputs);

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
