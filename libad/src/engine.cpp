// The backward engine: sum partial adjoints per node, walk the reverse topological order
// once, call each node's vjp once.
//
// 1. Discover the graph from the outputs (iterative DFS — no recursion, so a chain of
//    10^6 nodes is fine) and count each node's consumers.
// 2. Kahn's algorithm gives a topological order; walking it backwards marks the nodes
//    that lead to a wanted input ("needed"), so no vjp is wasted on branches that end
//    in constants.
// 3. Walk the order: each node's summed output gradients go through its vjp and are
//    added to its inputs' producers. Without create_graph the vjps run unrecorded.
//
// Per-node scratch lives in the node (run id + slot), saved and restored around each
// run, so a vjp may start a nested backward (checkpoint does) safely.
#include <atomic>
#include <cmath>

#include "engine.hpp"
#include "tensor_impl.hpp"
#include "tnad/nd.hpp"
#include "tnad/ops.hpp"

namespace tnad {
namespace {

std::atomic<uint64_t> g_run_counter{0};

struct Slot {
  Node* node;
  uint64_t prev_run;
  uint32_t prev_slot;
  int deps = 0;
  bool needed = false;
  bool is_target = false;
  SmallVec<Tensor, 1> grads;
};

class Run {
 public:
  Run() : id_(++g_run_counter) {}
  ~Run() {
    for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
      it->node->run_id_ = it->prev_run;
      it->node->slot_ = it->prev_slot;
    }
  }

  Slot& slot(Node* n) { return slots_[n->slot_]; }
  bool seen(Node* n) const { return n->run_id_ == id_; }

  void discover(const std::vector<Node*>& roots) {
    std::vector<Node*> stack;
    for (Node* r : roots) visit(r, stack);
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next()) {
        if (!e.node) continue;
        visit(e.node.get(), stack);
        ++slot(e.node.get()).deps;
      }
    }
  }

  // Kahn's algorithm: roots first, every node after all of its consumers.
  std::vector<Node*> topological_order() {
    std::vector<int> deps(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) deps[i] = slots_[i].deps;
    std::vector<Node*> ready, order;
    order.reserve(slots_.size());
    for (auto& s : slots_)
      if (s.deps == 0) ready.push_back(s.node);
    while (!ready.empty()) {
      Node* n = ready.back();
      ready.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next())
        if (e.node && --deps[e.node->slot_] == 0) ready.push_back(e.node.get());
    }
    return order;
  }

  void mark_needed(const std::vector<Node*>& order, bool accumulate_mode) {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Slot& s = slot(*it);
      bool need = s.is_target || (accumulate_mode && (*it)->is_accumulator());
      for (const Edge& e : (*it)->next())
        if (e.node && slot(e.node.get()).needed) need = true;
      s.needed = need;
    }
  }

  std::vector<Slot> slots_;

 private:
  void visit(Node* n, std::vector<Node*>& stack) {
    if (seen(n)) return;
    Slot s;
    s.node = n;
    s.prev_run = n->run_id_;
    s.prev_slot = n->slot_;
    s.grads.resize(std::max(1, n->num_outputs()));
    n->run_id_ = id_;
    n->slot_ = uint32_t(slots_.size());
    slots_.push_back(std::move(s));
    stack.push_back(n);
  }
  uint64_t id_;
};

void accumulate_into(Tensor& acc, const Tensor& g) { acc = acc.defined() ? acc + g : g; }

void check_finite(const Node& n, const std::vector<Tensor>& gs) {
  for (size_t i = 0; i < gs.size(); ++i) {
    if (gs[i].defined() && !nd::all_finite(gs[i].value()))
      throw_error("anomaly: the backward of ", n.describe(), " produced NaN or Inf in the gradient of input ", i,
                  " (shape ", gs[i].shape(), ")", n.creation_trace().empty() ? "" : "\n", n.creation_trace());
  }
}

struct Target {
  Node* node;
  int index;
};

// The shared core of grad() and backward().
std::vector<Tensor> run_engine(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                               const std::vector<Tensor>* inputs, GradOptions opt) {
  const bool accumulate_mode = inputs == nullptr;
  const bool create_graph = opt.create_graph;
  const bool retain = opt.retain_graph < 0 ? create_graph : opt.retain_graph != 0;
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw_error("grad: ", grad_outputs.size(), " grad_outputs for ", outputs.size(), " outputs");

  std::vector<Edge> roots;
  std::vector<Tensor> root_grads;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& y = outputs[k];
    if (!y.defined()) throw_error("grad: output ", k, " is undefined");
    if (!y.requires_grad())
      throw_error("grad: output ", k, " (shape ", y.shape(), ") does not require grad: no input that requires grad was used to compute it");
    Tensor g;
    if (grad_outputs.empty() || !grad_outputs[k].defined()) {
      if (y.numel() != 1)
        throw_error("grad: output ", k, " has shape ", y.shape(), "; backward of a non-scalar needs grad_outputs");
      g = Tensor(NDArray::ones(y.shape()));
    } else {
      g = grad_outputs[k];
      if (!(g.shape() == y.shape()))
        throw_error("grad: grad_output ", k, " has shape ", g.shape(), " but output has shape ", y.shape());
    }
    roots.push_back(detail::edge_of(y));
    root_grads.push_back(g);
  }

  std::vector<Edge> target_edges;
  if (inputs) {
    for (size_t k = 0; k < inputs->size(); ++k) {
      const Tensor& x = (*inputs)[k];
      if (!x.defined()) throw_error("grad: input ", k, " is undefined");
      if (!x.requires_grad())
        throw_error("grad: input ", k, " (shape ", x.shape(), ") does not require grad; call requires_grad_() on it before computing the outputs");
      target_edges.push_back(detail::edge_of(x));
    }
  }

  Run run;
  std::vector<Node*> root_nodes;
  for (auto& e : roots) root_nodes.push_back(e.node.get());
  for (auto& e : target_edges) root_nodes.push_back(e.node.get());  // seen even if unreachable
  run.discover(root_nodes);
  for (auto& e : target_edges) run.slot(e.node.get()).is_target = true;
  std::vector<Node*> order = run.topological_order();
  run.mark_needed(order, accumulate_mode);

  // Seed, under the mode the backward runs in.
  std::unique_ptr<NoGradGuard> no_grad;
  std::unique_ptr<EnableGradGuard> with_grad;
  if (create_graph) with_grad = std::make_unique<EnableGradGuard>();
  else no_grad = std::make_unique<NoGradGuard>();
  const bool anomaly = anomaly_enabled();

  for (size_t k = 0; k < roots.size(); ++k) accumulate_into(run.slot(roots[k].node.get()).grads[roots[k].index], root_grads[k]);

  std::vector<Tensor> captured(target_edges.size());
  std::vector<Tensor> gvec;  // reused across nodes: no allocation per vjp call
  for (Node* n : order) {
    Slot& s = run.slot(n);
    if (!s.needed) continue;
    bool any = false;
    for (auto& g : s.grads) any = any || g.defined();
    if (!any) continue;
    if (s.is_target) {
      for (size_t k = 0; k < target_edges.size(); ++k)
        if (target_edges[k].node.get() == n && s.grads[target_edges[k].index].defined())
          captured[k] = s.grads[target_edges[k].index];
    }
    if (n->is_accumulator()) {
      if (accumulate_mode) static_cast<AccumulateGrad*>(n)->accumulate(s.grads[0]);
      s.grads.clear();
      continue;
    }
    bool children_needed = false;
    for (const Edge& e : n->next())
      if (e.node && run.slot(e.node.get()).needed) children_needed = true;
    if (children_needed) {
      if (n->released())
        throw_error("backward through ", n->describe(),
                    " a second time: the graph was freed after the first backward; pass retain_graph=true to the first");
      gvec.clear();
      for (auto& g : s.grads) gvec.push_back(std::move(g));
      std::vector<Tensor> in_grads = n->vjp(gvec);
      if (int(in_grads.size()) != n->num_inputs())
        throw_error("internal: vjp of ", n->describe(), " returned ", in_grads.size(), " gradients for ", n->num_inputs(), " inputs");
      if (anomaly) check_finite(*n, in_grads);
      for (int i = 0; i < n->num_inputs(); ++i) {
        const Edge& e = n->next()[i];
        if (!e.node || !in_grads[i].defined()) continue;
        Slot& c = run.slot(e.node.get());
        if (!c.needed) continue;
        if (!(in_grads[i].shape() == n->input_shape(i)))
          throw_error("internal: vjp of ", n->describe(), " gave input ", i, " a gradient of shape ",
                      in_grads[i].shape(), " instead of ", n->input_shape(i));
        accumulate_into(c.grads[e.index], in_grads[i]);
      }
    }
    s.grads.clear();
    if (!retain) n->release();
  }

  if (!inputs) return {};
  for (size_t k = 0; k < captured.size(); ++k) {
    if (captured[k].defined()) continue;
    if (!opt.allow_unused)
      throw_error("grad: input ", k, " (shape ", (*inputs)[k].shape(), ") was not used to compute the outputs; pass allow_unused=true to get zeros");
    captured[k] = Tensor(NDArray::zeros((*inputs)[k].shape()));
  }
  return captured;
}

}  // namespace

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, GradOptions opt) {
  return run_engine(outputs, grad_outputs, &inputs, opt);
}

Tensor grad(const Tensor& output, const Tensor& input, GradOptions opt) {
  return grad(std::vector<Tensor>{output}, std::vector<Tensor>{input}, {}, opt)[0];
}

namespace detail {
void run_backward_accumulate(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                             GradOptions opt) {
  run_engine(outputs, grad_outputs, nullptr, opt);
}
}  // namespace detail

}  // namespace tnad
