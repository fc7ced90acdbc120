// Node: one recorded op in the graph. It holds the edges to the nodes that produced its
// inputs, the tensors it saved for its vjp, and the shapes of its outputs. A multi-output
// op (svd -> U, S, Vh) is one node; an output nobody used gets an absent (undefined)
// gradient, never a materialized array of zeros.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tnad/ad/small_vector.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

class Node;

// Where a gradient goes: output `index` of `node`. A null node means "no gradient needed".
struct Edge {
  std::shared_ptr<Node> node;
  int index = 0;
};

// A tensor saved for backward. Inputs are kept as handles (their version is checked when
// unpacked); outputs are kept as a value-only handle plus weak links to the output and to
// the node, to avoid a node -> output -> node reference cycle, and re-linked to the node
// when unpacked. A node holds them ordered by (kind, index): the saved inputs, the saved
// outputs, then the extra tensors. 64 bytes: a node keeps two inline without growing much.
struct SavedTensor {
  enum class Kind : uint8_t { input, output, extra };
  Tensor tensor;                         // an input or extra tensor; for an output, its value
  std::weak_ptr<TensorImpl> output_impl; // an output of this node, while someone holds it
  std::weak_ptr<Node> producer;          // this node (outputs only), to re-link the value
  uint64_t version = 0;
  int32_t index = 0;                     // which input / output / extra tensor
  Kind kind = Kind::input;
};
static_assert(sizeof(SavedTensor) <= 64);

// The gradients a VJP returns, one per input (undefined = zero). Inline for up to two
// inputs, so a backward step of a typical op allocates nothing for its bookkeeping.
using Grads = SmallVec<Tensor, 2>;

class Node {
 public:
  explicit Node(std::string name);  // keeps a copy of the name
  // `name` is not copied: a string literal, or a string that outlives the node (every
  // op made by record() is named by a literal; see CustomOp for a name that is not).
  explicit Node(const char* name);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The vector-Jacobian product: given one gradient per output (undefined = zero), the
  // gradient for each input (undefined = zero). Written with Tensor ops, so it records a
  // graph itself when backward runs with create_graph.
  virtual std::vector<Tensor> vjp(const std::vector<Tensor>& grad_outputs) = 0;
  // What the engine calls: the same product, with the output gradients handed over (they
  // may be moved from) and the result in a Grads. The default forwards to vjp(); ops made
  // by record() override it so that a backward step builds no std::vector.
  virtual Grads apply_vjp(std::span<Tensor> grad_outputs);

  const std::string& name() const;
  int num_inputs() const { return static_cast<int>(next_.size()); }
  int num_outputs() const { return static_cast<int>(out_shapes_.size()); }
  const SmallVec<Edge, 2>& next() const { return next_; }
  const Shape& output_shape(int i) const { return out_shapes_.at(i); }
  const Shape& input_shape(int i) const { return in_shapes_.at(i); }
  bool needs_input_grad(int i) const { return next_[i].node != nullptr; }
  // Where it was created: the NameScope, plus a backtrace when AnomalyGuard was on.
  const std::string& scope() const;
  const std::string& creation_trace() const;
  std::string describe() const;  // "op 'exp' (inputs [3, 4]) in scope 'trg/step 2'"

  // ---- saved tensors: input i, output k, extra tensor k (see op.hpp's SaveSet). Each
  // checks the freed state and the version counter, and raises if it was not saved.
  Tensor saved_input(int i) { return unpack(find_saved(SavedTensor::Kind::input, i)); }
  Tensor saved_output(int k) { return unpack(find_saved(SavedTensor::Kind::output, k)); }
  Tensor saved_extra(int k) { return unpack(find_saved(SavedTensor::Kind::extra, k)); }
  Tensor unpack(int slot);                // by position in the saved list
  int num_saved() const { return static_cast<int>(saved_.size()); }
  bool released() const { return released_; }
  virtual void release();                 // frees saved tensors after backward

  // internal (op builder, engine)
  SmallVec<Edge, 2>& mutable_next() { return next_; }
  void set_shapes(SmallVec<Shape, 2> in, SmallVec<Shape, 1> out) {
    in_shapes_ = std::move(in);
    out_shapes_ = std::move(out);
  }
  SmallVec<Shape, 2>& mutable_input_shapes() { return in_shapes_; }
  SmallVec<Shape, 1>& mutable_output_shapes() { return out_shapes_; }
  bool is_accumulator() const { return is_accumulator_; }
  // Appends; callers keep the (kind, index) order (finish_node does).
  void add_saved(SavedTensor s) { saved_.push_back(std::move(s)); }
  void stamp_creation();  // records scope (and backtrace under anomaly mode)
  void own_name(std::string name);  // from now on, named by this copy

  // engine scratch: which backward run owns this node and its slot there
  uint64_t run_id_ = 0;
  uint32_t slot_ = 0;

 protected:
  // Hot fields first (the engine and the teardown touch them); the inline storage of the
  // saved tensors, untouched by ops that save nothing, last.
  bool released_ = false;
  bool is_accumulator_ = false;
  SmallVec<Edge, 2> next_;
  SmallVec<Shape, 1> out_shapes_;
  SmallVec<Shape, 2> in_shapes_;
  const char* name_;
  // Scope, creation trace and an owned name: absent for almost every node, so they live
  // out of line and cost one pointer unless a NameScope or AnomalyGuard is active or the
  // name is not a literal.
  struct Provenance {
    std::string scope, trace, owned_name;
  };
  std::unique_ptr<Provenance> provenance_;
  SmallVec<SavedTensor, 2> saved_;

 private:
  int find_saved(SavedTensor::Kind kind, int index) const;
};

// The node at the end of a leaf that requires grad: backward() accumulates into the
// leaf's .grad(); grad() captures what arrives here instead.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::weak_ptr<TensorImpl> leaf);
  std::vector<Tensor> vjp(const std::vector<Tensor>&) override { return {}; }
  Grads apply_vjp(std::span<Tensor>) override { return {}; }
  void accumulate(const Tensor& g);
  void release() override {}
 private:
  std::weak_ptr<TensorImpl> leaf_;
};

namespace detail {
Edge edge_of(const Tensor& t);  // where a gradient for t must be sent
Tensor make_output(NDArray value, const std::shared_ptr<Node>& fn, int index);
Tensor make_output(NDArray value, std::shared_ptr<Node>&& fn, int index);
SavedTensor save_output(const Tensor& out);
SavedTensor save_input(const Tensor& in);
}  // namespace detail

}  // namespace tnad
