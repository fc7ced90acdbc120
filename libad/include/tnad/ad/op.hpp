// Recording an op: forward value and VJP side by side, in one place.
//
//   Tensor exp(const Tensor& x) {
//     return record("exp", {x}, nd::exp(x.value()), save::out(0),
//                   [](OpContext& c, const Tensor& g) { return grads(g * c.output(0)); });
//   }
//
// The VJP is written with Tensor ops, so every rule is differentiable again (grad of grad
// needs no extra code). The name is a string literal: the node keeps the pointer. If recording is off or no input requires grad, no node is made.
// This header is the extension point for the other layers (linalg, tensornet) and for
// users' own ops; see also custom_op in autograd.hpp.
#pragma once
#include <bit>
#include <iterator>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "tnad/ad/node.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {

// Which tensors the VJP needs, as a bit mask: inputs in bits 0..15, outputs in 16..31.
namespace save {
constexpr uint32_t none = 0;
constexpr uint32_t in(int i) { return 1u << i; }
constexpr uint32_t out(int i) { return 1u << (16 + i); }
constexpr uint32_t all_inputs = 0xFFFFu;
}  // namespace save

class OpContext {
 public:
  OpContext(Node& node, uint32_t mask) : node_(node), mask_(mask) {}
  // Saved input i / output i (raises if it was not saved, modified in place, or freed).
  Tensor input(int i) const;
  Tensor output(int i) const;
  // Extra tensors passed to record(..., extra) in order.
  Tensor extra(int k) const;
  bool needs_grad(int i) const { return node_.needs_input_grad(i); }
  const Shape& input_shape(int i) const { return node_.input_shape(i); }
  const Shape& output_shape(int i) const { return node_.output_shape(i); }
  const Node& node() const { return node_; }

 private:
  Node& node_;
  uint32_t mask_;
};

// grads(a, b): the Grads of a VJP. Temporaries are moved in, not copied (a braced list
// would copy every handle once more).
template <class... T>
Grads grads(T&&... t) {
  Grads g;
  g.reserve(sizeof...(T));
  (g.emplace_back(std::forward<T>(t)), ...);
  return g;
}

namespace detail {
bool should_record(std::span<const Tensor> inputs);
// True while some enclosing grad()/backward() runs with create_graph, even where that run
// computes a value unrecorded (a checkpoint's first pass): the backward being computed
// will be differentiated, and a checkpointed part of it re-run, later. Ops may keep what
// such a re-run would recompute (svd_truncated's Sylvester solutions).
bool inside_recording_backward();
// Links a freshly made node to its inputs, saves what the mask asks for, makes outputs.
std::vector<Tensor> finish_node(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs,
                                std::vector<NDArray> outputs, uint32_t mask,
                                std::span<const Tensor> extra);

template <class F>
class LambdaNode final : public Node {
  static constexpr bool kSingle = std::is_invocable_v<F&, OpContext&, const Tensor&>;

 public:
  LambdaNode(const char* name, uint32_t mask, F f) : Node(name), mask_(mask), f_(std::move(f)) {}
  std::vector<Tensor> vjp(const std::vector<Tensor>& g) override {
    OpContext c(*this, mask_);
    if constexpr (kSingle) return std::vector<Tensor>(as_grads(f_(c, g[0])));
    else return std::vector<Tensor>(as_grads(f_(c, g)));
  }
  Grads apply_vjp(std::span<Tensor> g) override {
    OpContext c(*this, mask_);
    if constexpr (kSingle) {
      return as_grads(f_(c, static_cast<const Tensor&>(g[0])));
    } else {
      return as_grads(f_(c, std::vector<Tensor>(std::make_move_iterator(g.begin()), std::make_move_iterator(g.end()))));
    }
  }

 private:
  // A VJP may return Grads (grads(...), Grads{...}) or a std::vector<Tensor>.
  template <class R>
  static Grads as_grads(R&& r) {
    if constexpr (std::is_same_v<std::decay_t<R>, Grads>) return std::forward<R>(r);
    else return Grads(std::vector<Tensor>(std::forward<R>(r)));
  }
  uint32_t mask_;
  F f_;
};
}  // namespace detail

// Multi-output form: the VJP takes (OpContext&, const std::vector<Tensor>& grads).
template <class F>
std::vector<Tensor> record_multi(const char* name, std::span<const Tensor> inputs,
                                 std::vector<NDArray> outputs, uint32_t mask, F vjp,
                                 std::span<const Tensor> extra = {}) {
  if (!detail::should_record(inputs)) {
    std::vector<Tensor> out;
    out.reserve(outputs.size());
    for (auto& o : outputs) out.emplace_back(std::move(o));
    return out;
  }
  auto node = std::allocate_shared<detail::LambdaNode<F>>(detail::PoolAllocator<detail::LambdaNode<F>>(), name,
                                                              mask, std::move(vjp));
  return detail::finish_node(node, inputs, std::move(outputs), mask, extra);
}

// Single-output form: the VJP takes (OpContext&, const Tensor& grad).
template <class F>
Tensor record(const char* name, std::span<const Tensor> inputs, NDArray output, uint32_t mask,
              F vjp, std::span<const Tensor> extra = {}) {
  if (!detail::should_record(inputs)) return Tensor(std::move(output));
  auto node = std::allocate_shared<detail::LambdaNode<F>>(detail::PoolAllocator<detail::LambdaNode<F>>(), name,
                                                              mask, std::move(vjp));
  return detail::finish_node1(std::move(node), inputs, std::move(output), mask, extra);
}
template <class F>
Tensor record(const char* name, std::initializer_list<Tensor> inputs, NDArray output,
              uint32_t mask, F vjp) {
  return record(name, std::span<const Tensor>(inputs.begin(), inputs.size()), std::move(output),
                mask, std::move(vjp));
}

}  // namespace tnad
