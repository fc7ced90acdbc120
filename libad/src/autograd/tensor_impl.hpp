// Internal: what a Tensor handle points to.
#pragma once
#include <memory>

#include "tnad/ad/node.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

namespace detail {
struct Recipe;  // rematerialize(): how to recompute a value (checkpoint.cpp)
}

struct TensorImpl {
  NDArray value;
  bool requires_grad = false;        // leaves: set by the user; non-leaves: grad_fn != null
  std::shared_ptr<Node> grad_fn;     // the node that produced this tensor (null for leaves)
  int output_index = 0;
  std::weak_ptr<Node> accumulator;   // leaves: their AccumulateGrad, made on first use
  Tensor grad;                       // accumulated by backward()
  uint64_t version = 0;              // bumped by in-place ops
  // rematerialize(): set on its result, and on the value-less stand-in that a node saves
  // in its place (detail::save_input, Node::unpack).
  std::shared_ptr<const detail::Recipe> recipe;
};

namespace detail {
// Thread-local recording state.
struct ModeState {
  bool grad_enabled = true;
  bool anomaly = false;
  int recording_backwards = 0;  // enclosing grad()/backward() runs with create_graph
  std::string scope;
};
// Inline: every recorded op asks it twice, so it is a TLS load, not a call.
inline ModeState& mode() {
  static thread_local ModeState m;
  return m;
}
// The stand-in a node saves for a rematerialized input, and its recomputation.
bool is_rematerialized(const TensorImpl& impl);
bool saves_as_recipe(const TensorImpl& impl);  // a rematerialize() result, not modified since
Tensor save_recipe(const TensorImpl& impl);
Tensor recompute(const TensorImpl& stand_in, const std::string& who);
}  // namespace detail

}  // namespace tnad
