// Recording an op: forward value and VJP side by side, in one place.
//
//   Tensor exp(const Tensor& x) {
//     return record("exp", {x}, nd::exp(x.value()), save::out(0),
//                   [](OpContext& c, const Tensor& g) { return grads(g * c.output(0)); });
//   }
//
// The VJP is written with Tensor ops, so every rule is differentiable again (grad of grad
// needs no extra code). The name is a string literal: the node keeps the pointer. If
// recording is off or no input requires grad, no node is made.
//
// What the VJP reads is said with a SaveSet: save::in(i), save::out(k), save::none,
// save::all_inputs, save::all_outputs, joined with `|` (save::in(0) | save::out(0)). Any
// number of inputs and outputs; sets of indices below 64 are held without allocating.
// The VJP unpacks them with c.input(i) / c.output(k), which check the version counter.
//
// This header is the extension point for the other layers (linalg, tensornet) and for
// users' own ops; see also custom_op in autograd.hpp.
#pragma once
#include <cstdint>
#include <iterator>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "tnad/ad/node.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {

// Which inputs and outputs of an op its VJP needs saved.
class SaveSet {
 public:
  constexpr SaveSet() = default;
  static SaveSet input(int i) {
    SaveSet s;
    s.in_.set(i);
    return s;
  }
  static SaveSet output(int k) {
    SaveSet s;
    s.out_.set(k);
    return s;
  }
  static constexpr SaveSet every_input() {
    SaveSet s;
    s.all_inputs_ = true;
    return s;
  }
  static constexpr SaveSet every_output() {
    SaveSet s;
    s.all_outputs_ = true;
    return s;
  }

  bool has_input(int i) const { return i >= 0 && (all_inputs_ || in_.test(i)); }
  bool has_output(int k) const { return k >= 0 && (all_outputs_ || out_.test(k)); }
  bool empty() const { return !all_inputs_ && !all_outputs_ && in_.empty() && out_.empty(); }
  // 1 + the largest input / output index named one by one (0 if none): an op with fewer
  // inputs or outputs than that is a bug in the op.
  int input_end() const { return in_.end(); }
  int output_end() const { return out_.end(); }

  SaveSet& operator|=(const SaveSet& o) {
    in_ |= o.in_;
    out_ |= o.out_;
    all_inputs_ = all_inputs_ || o.all_inputs_;
    all_outputs_ = all_outputs_ || o.all_outputs_;
    return *this;
  }
  friend SaveSet operator|(SaveSet a, const SaveSet& b) { return a |= b; }

 private:
  // A set of non-negative integers: 0..63 in one word, larger ones in words on the heap.
  class Bits {
   public:
    constexpr Bits() = default;
    void set(int i) {
      if (i >= 0 && i < 64) low_ |= uint64_t(1) << i;
      else set_far(i);
    }
    bool test(int i) const {
      if (i < 64) return (low_ >> i) & 1u;
      const std::size_t w = std::size_t(i / 64 - 1);
      return w < high_.size() && ((high_[w] >> (i % 64)) & 1u);
    }
    bool empty() const {
      if (low_) return false;
      for (uint64_t w : high_)
        if (w) return false;
      return true;
    }
    int end() const;
    Bits& operator|=(const Bits& o) {
      low_ |= o.low_;
      if (!o.high_.empty()) or_far(o);
      return *this;
    }

   private:
    void set_far(int i);  // i >= 64 (raises for i < 0)
    void or_far(const Bits& o);
    uint64_t low_ = 0;
    std::vector<uint64_t> high_;  // words 1, 2, ...: indices 64..127, 128..191, ...
  };
  Bits in_, out_;
  bool all_inputs_ = false, all_outputs_ = false;
};

namespace save {
inline constexpr SaveSet none{};
inline SaveSet in(int i) { return SaveSet::input(i); }
inline SaveSet out(int k) { return SaveSet::output(k); }
inline constexpr SaveSet all_inputs = SaveSet::every_input();
inline constexpr SaveSet all_outputs = SaveSet::every_output();
}  // namespace save

class OpContext {
 public:
  explicit OpContext(Node& node) : node_(node) {}
  // Saved input i / output i (raises if it was not saved, modified in place, or freed).
  Tensor input(int i) const { return node_.saved_input(i); }
  Tensor output(int i) const { return node_.saved_output(i); }
  // Extra tensors passed to record(..., extra) in order.
  Tensor extra(int k) const { return node_.saved_extra(k); }
  bool needs_grad(int i) const { return node_.needs_input_grad(i); }
  const Shape& input_shape(int i) const { return node_.input_shape(i); }
  const Shape& output_shape(int i) const { return node_.output_shape(i); }
  const Node& node() const { return node_; }

 private:
  Node& node_;
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
// Links a freshly made node to its inputs, saves what `save` names (then `extra`), makes
// the outputs.
std::vector<Tensor> finish_node(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs,
                                std::vector<NDArray> outputs, const SaveSet& save,
                                std::span<const Tensor> extra);
// Single-output fast path of finish_node; takes over the caller's reference.
Tensor finish_node1(std::shared_ptr<Node>&& node, std::span<const Tensor> inputs, NDArray output,
                    const SaveSet& save, std::span<const Tensor> extra);

template <class F>
class LambdaNode final : public Node {
  static constexpr bool kSingle = std::is_invocable_v<F&, OpContext&, const Tensor&>;

 public:
  LambdaNode(const char* name, F f) : Node(name), f_(std::move(f)) {}
  std::vector<Tensor> vjp(const std::vector<Tensor>& g) override {
    OpContext c(*this);
    if constexpr (kSingle) return std::vector<Tensor>(as_grads(f_(c, g[0])));
    else return std::vector<Tensor>(as_grads(f_(c, g)));
  }
  Grads apply_vjp(std::span<Tensor> g) override {
    OpContext c(*this);
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
  F f_;
};
}  // namespace detail

// Multi-output form: the VJP takes (OpContext&, const std::vector<Tensor>& grads).
template <class F>
std::vector<Tensor> record_multi(const char* name, std::span<const Tensor> inputs,
                                 std::vector<NDArray> outputs, const SaveSet& save, F vjp,
                                 std::span<const Tensor> extra = {}) {
  if (!detail::should_record(inputs)) {
    std::vector<Tensor> out;
    out.reserve(outputs.size());
    for (auto& o : outputs) out.emplace_back(std::move(o));
    return out;
  }
  auto node = std::allocate_shared<detail::LambdaNode<F>>(detail::PoolAllocator<detail::LambdaNode<F>>(), name,
                                                              std::move(vjp));
  return detail::finish_node(node, inputs, std::move(outputs), save, extra);
}

// Single-output form: the VJP takes (OpContext&, const Tensor& grad).
template <class F>
Tensor record(const char* name, std::span<const Tensor> inputs, NDArray output, const SaveSet& save,
              F vjp, std::span<const Tensor> extra = {}) {
  if (!detail::should_record(inputs)) return Tensor(std::move(output));
  auto node = std::allocate_shared<detail::LambdaNode<F>>(detail::PoolAllocator<detail::LambdaNode<F>>(), name,
                                                              std::move(vjp));
  return detail::finish_node1(std::move(node), inputs, std::move(output), save, extra);
}
template <class F>
Tensor record(const char* name, std::initializer_list<Tensor> inputs, NDArray output,
              const SaveSet& save, F vjp) {
  return record(name, std::span<const Tensor>(inputs.begin(), inputs.size()), std::move(output),
                save, std::move(vjp));
}

}  // namespace tnad
