#include <execinfo.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <unordered_map>

#include "autograd/tensor_impl.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {

namespace {
thread_local int64_t t_nodes_created = 0;
}  // namespace
int64_t nodes_created() { return t_nodes_created; }

Node::Node(std::string name) : name_(nullptr) {
  ++t_nodes_created;
  own_name(std::move(name));
}
Node::Node(const char* name) : name_(name) { ++t_nodes_created; }

void Node::own_name(std::string name) {
  if (!provenance_) provenance_ = std::make_unique<Provenance>();
  provenance_->owned_name = std::move(name);
  name_ = provenance_->owned_name.c_str();
}

namespace {
// The names of ops are literals, held as pointers; name() hands out one std::string per
// literal, made on first request (errors, DOT, printing), never while recording.
const std::string& interned(const char* literal) {
  static std::mutex mutex;
  static auto* table = new std::unordered_map<const char*, std::string>();  // never freed: usable at exit
  std::lock_guard<std::mutex> lock(mutex);
  auto it = table->find(literal);
  if (it == table->end()) it = table->emplace(literal, std::string(literal ? literal : "")).first;
  return it->second;
}
}  // namespace

const std::string& Node::name() const {
  if (provenance_ && name_ == provenance_->owned_name.c_str()) return provenance_->owned_name;
  return interned(name_);
}

Grads Node::apply_vjp(std::span<Tensor> grad_outputs) {
  std::vector<Tensor> g(std::make_move_iterator(grad_outputs.begin()), std::make_move_iterator(grad_outputs.end()));
  return Grads(vjp(g));
}

namespace {
const std::string& no_string() {
  static const std::string empty;
  return empty;
}
}  // namespace
const std::string& Node::scope() const { return provenance_ ? provenance_->scope : no_string(); }
const std::string& Node::creation_trace() const { return provenance_ ? provenance_->trace : no_string(); }

// Iterative teardown. A long chain (10^6 nodes) held only through shared_ptrs would
// otherwise be destroyed recursively and overflow the stack: each dying node hands its
// references to upstream nodes to a thread-local work list instead of dropping them here.
// Every reference is handed over, not only sole ones: a node reached twice (y * y, or the
// C and T outputs of one CTMRG step, both inputs of the next) has a use count of 2 at
// this point, and dropping it with the members after the body would recurse (an
// interrupted, never back-propagated CTMRG of 10^4 checkpointed steps overflowed).
Node::~Node() {
  static thread_local std::vector<std::shared_ptr<Node>> pending;
  static thread_local std::vector<Tensor> pending_tensors;  // saved values, dropped in the loop
  static thread_local bool draining = false;
  for (auto& e : next_)
    if (e.node) pending.push_back(std::move(e.node));
  // (a value saved twice, y * y, is held by two entries: only the last one to go may take
  // its producer, so the entries go through the list too)
  for (auto& s : saved_)
    if (s.tensor.defined()) pending_tensors.push_back(std::move(s.tensor));
  if (draining) return;
  draining = true;
  while (!pending.empty() || !pending_tensors.empty()) {
    if (!pending_tensors.empty()) {
      Tensor t = std::move(pending_tensors.back());
      pending_tensors.pop_back();
      const auto& impl = t.impl();
      // the last holder of the value: take its producer, then drop it (not recursive)
      if (impl && impl.use_count() == 1 && impl->grad_fn) pending.push_back(std::move(impl->grad_fn));
      continue;
    }
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // its destructor appends to the lists and returns
  }
  draining = false;
}

std::string Node::describe() const {
  std::string s = "op '" + name() + "' (inputs";
  for (size_t i = 0; i < in_shapes_.size(); ++i) s += (i ? ", " : " ") + to_string(in_shapes_[i]);
  s += ")";
  if (!scope().empty()) s += " in scope '" + scope() + "'";
  return s;
}

void Node::stamp_creation() {
  const auto& m = detail::mode();
  if (m.scope.empty() && !m.anomaly) return;
  if (!provenance_) provenance_ = std::make_unique<Provenance>();
  provenance_->scope = m.scope;
  if (m.anomaly) {
    void* frames[24];
    int n = backtrace(frames, 24);
    char** sym = backtrace_symbols(frames, n);
    if (sym) {
      std::string& trace = provenance_->trace;
      trace = "created at:\n";
      for (int i = 1; i < n; ++i) trace += std::string("  ") + sym[i] + "\n";
      std::free(sym);
    }
  }
}

Tensor Node::unpack(int slot) {
  if (released_)
    throw_error("backward through ", describe(),
                " a second time: its saved tensors were freed after the first backward; pass retain_graph=true to the first");
  if (slot < 0 || slot >= int(saved_.size()))
    throw_error("internal: ", describe(), " asked for saved tensor ", slot, " of ", saved_.size());
  SavedTensor& s = saved_[slot];
  if (s.kind == SavedTensor::Kind::output) {
    if (auto impl = s.output_impl.lock()) {
      if (impl->version != s.version)
        throw_error(describe(), ": its output ", s.index, " (shape ", impl->value.shape(),
                    ") was modified in place after being saved for backward (version ", s.version,
                    " -> ", impl->version, ")");
      return Tensor(impl);
    }
    auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>());
    impl->value = s.tensor.value();
    impl->grad_fn = s.producer.lock();  // alive: it is this node
    impl->output_index = s.index;
    return Tensor(std::move(impl));
  }
  if (s.tensor.defined() && detail::is_rematerialized(*s.tensor.impl())) return detail::recompute(*s.tensor.impl(), describe());
  if (s.tensor.defined() && s.tensor.version() != s.version)
    throw_error(describe(), ": an input of shape ", s.tensor.shape(),
                " saved for backward was modified in place (version ", s.version, " -> ",
                s.tensor.version(), ")");
  return s.tensor;
}

int Node::find_saved(SavedTensor::Kind kind, int index) const {
  auto before = [](const SavedTensor& s, std::pair<SavedTensor::Kind, int> key) {
    return s.kind != key.first ? s.kind < key.first : s.index < key.second;
  };
  const auto* it = std::lower_bound(saved_.begin(), saved_.end(), std::pair(kind, index), before);
  if (it == saved_.end() || it->kind != kind || it->index != index) {
    if (released_) return 0;  // unpack explains
    static const char* const what[] = {"input", "output", "extra tensor"};
    throw_error("internal: ", describe(), " did not save its ", what[int(kind)], " ", index,
                " for its vjp (name it in record()'s SaveSet)");
  }
  return int(it - saved_.begin());
}

void Node::release() {
  saved_.release_storage();
  released_ = true;
}

AccumulateGrad::AccumulateGrad(std::weak_ptr<TensorImpl> leaf)
    : Node("AccumulateGrad"), leaf_(std::move(leaf)) {
  is_accumulator_ = true;
  if (auto l = leaf_.lock()) {
    in_shapes_ = {l->value.shape()};
    out_shapes_ = {l->value.shape()};
  }
}

void AccumulateGrad::accumulate(const Tensor& g) {
  auto leaf = leaf_.lock();
  if (!leaf) return;
  if (!(g.shape() == leaf->value.shape()))
    throw_error("internal: gradient of shape ", g.shape(), " for a leaf of shape ", leaf->value.shape());
  leaf->grad = leaf->grad.defined() ? leaf->grad + g : g;
}

// ---------------------------------------------------------------- op builder support
namespace detail {

Edge edge_of(const Tensor& t) {
  const auto& impl = t.impl();
  if (!impl) return {};
  if (impl->grad_fn) return {impl->grad_fn, impl->output_index};
  if (!impl->requires_grad) return {};
  std::shared_ptr<Node> acc = impl->accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(impl);
    impl->accumulator = acc;
  }
  return {acc, 0};
}

Tensor make_output(NDArray value, const std::shared_ptr<Node>& fn, int index) {
  return make_output(std::move(value), std::shared_ptr<Node>(fn), index);
}

Tensor make_output(NDArray value, std::shared_ptr<Node>&& fn, int index) {
  auto impl = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
  impl->value = std::move(value);
  impl->grad_fn = std::move(fn);
  impl->output_index = index;
  return Tensor(std::move(impl));
}

SavedTensor save_input(const Tensor& in) {
  SavedTensor s;
  if (in.defined() && saves_as_recipe(*in.impl())) {
    s.tensor = save_recipe(*in.impl());  // no value: recomputed by unpack
    return s;
  }
  s.tensor = in;
  s.version = in.version();
  return s;
}

SavedTensor save_output(const Tensor& out) {
  SavedTensor s;
  s.tensor = Tensor(out.value());
  s.output_impl = out.impl();
  s.producer = out.grad_fn();
  s.index = out.output_index();
  s.kind = SavedTensor::Kind::output;
  s.version = out.version();
  return s;
}

bool inside_recording_backward() { return mode().recording_backwards > 0; }

bool should_record(std::span<const Tensor> inputs) {
  if (!mode().grad_enabled) return false;
  for (const auto& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

namespace {
void link_inputs(Node& node, std::span<const Tensor> inputs) {
  auto& next = node.mutable_next();
  auto& in_shapes = node.mutable_input_shapes();
  next.reserve(inputs.size());
  in_shapes.reserve(inputs.size());
  for (const auto& t : inputs) {
    next.push_back(t.requires_grad() ? edge_of(t) : Edge{});
    in_shapes.push_back(t.shape());
  }
}
}  // namespace

// Saves the inputs, then the outputs, that `save` names, then the extra tensors: the
// (kind, index) order Node::find_saved relies on.
void save_for_backward(Node& node, std::span<const Tensor> inputs, std::span<const Tensor> outputs,
                       const SaveSet& save, std::span<const Tensor> extra) {
  const int n_in = int(inputs.size()), n_out = int(outputs.size());
  if (save.input_end() > n_in)
    throw_error("internal: ", node.describe(), " asks to save input ", save.input_end() - 1, " of ", n_in);
  if (save.output_end() > n_out)
    throw_error("internal: ", node.describe(), " asks to save output ", save.output_end() - 1, " of ", n_out);
  for (int i = 0; i < n_in; ++i)
    if (save.has_input(i)) {
      SavedTensor s = save_input(inputs[i]);
      s.index = i;
      node.add_saved(std::move(s));
    }
  for (int k = 0; k < n_out; ++k)
    if (save.has_output(k)) node.add_saved(save_output(outputs[k]));
  for (int k = 0; k < int(extra.size()); ++k) {
    SavedTensor s = save_input(extra[k]);
    s.index = k;
    s.kind = SavedTensor::Kind::extra;
    node.add_saved(std::move(s));
  }
}

Tensor finish_node1(std::shared_ptr<Node>&& node_ref, std::span<const Tensor> inputs, NDArray output,
                    const SaveSet& save, std::span<const Tensor> extra) {
  Node& node = *node_ref;
  node.stamp_creation();
  link_inputs(node, inputs);
  node.mutable_output_shapes().push_back(output.shape());
  // The output takes over the caller's reference: no refcount traffic for the node.
  Tensor out = make_output(std::move(output), std::move(node_ref), 0);
  if (save.empty() && extra.empty()) return out;
  save_for_backward(node, inputs, std::span<const Tensor>(&out, 1), save, extra);
  return out;
}

std::vector<Tensor> finish_node(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs,
                                std::vector<NDArray> outputs, const SaveSet& save,
                                std::span<const Tensor> extra) {
  node->stamp_creation();
  link_inputs(*node, inputs);
  auto& out_shapes = node->mutable_output_shapes();
  out_shapes.reserve(outputs.size());
  for (const auto& o : outputs) out_shapes.push_back(o.shape());
  std::vector<Tensor> outs;
  outs.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) outs.push_back(make_output(std::move(outputs[i]), node, int(i)));
  save_for_backward(*node, inputs, outs, save, extra);
  return outs;
}

}  // namespace detail

// ---------------------------------------------------------------- SaveSet
void SaveSet::Bits::set_far(int i) {
  if (i < 0) throw_error("internal: save::in / save::out(", i, "): a negative index");
  const std::size_t w = std::size_t(i / 64 - 1);
  if (high_.size() <= w) high_.resize(w + 1, 0);
  high_[w] |= uint64_t(1) << (i % 64);
}
int SaveSet::Bits::end() const {
  for (std::size_t w = high_.size(); w-- > 0;)
    if (high_[w]) return int(64 * (w + 1)) + std::bit_width(high_[w]);
  return std::bit_width(low_);
}
void SaveSet::Bits::or_far(const Bits& o) {
  if (high_.size() < o.high_.size()) high_.resize(o.high_.size(), 0);
  for (std::size_t w = 0; w < o.high_.size(); ++w) high_[w] |= o.high_[w];
}

}  // namespace tnad
