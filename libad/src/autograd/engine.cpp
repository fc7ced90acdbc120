// The backward engine: sum partial adjoints per node, walk the reverse topological order
// once, call each node's vjp once.
//
// 1. One iterative depth-first search from the outputs (no recursion, so a chain of 10^6
//    nodes is fine). A node finishes after all of its inputs, so the finishing order
//    gives both results at once: reversed, it is a topological order (every node after
//    all of its consumers), and at its finish a node knows whether it leads to a wanted
//    input ("needed"), so no vjp is wasted on branches that end in constants.
// 2. Walk that order: each node's summed output gradients go through its vjp and are
//    added to its inputs' producers. Without create_graph the vjps run unrecorded.
//
// Two passes over the nodes in all: on a long tape of tiny ops the walk is bound by the
// cache misses on the nodes, not by arithmetic.
//
// Per-node scratch lives in the node (run id + slot). A run started while another is
// active on the thread (a vjp that runs backward, as checkpoint does) restores what it
// overwrote, so the outer run is unaffected; the outermost run need not (its id is
// never reused).
#include <atomic>
#include <cmath>
#include <memory>
#include <span>

#include "autograd/engine.hpp"
#include "autograd/tensor_impl.hpp"
#include "tnad/ad/interrupt.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {

std::atomic<uint64_t> g_run_counter{0};

// Per-node bookkeeping of one run. Plain data, so the table grows by memcpy; the node's
// output gradients live in Scratch::grads from grad_begin on.
struct Slot {
  Node* node;
  uint64_t prev_run;
  uint32_t prev_slot;
  uint32_t grad_begin;
  uint32_t num_grads;
  uint8_t state;  // 0: not entered by the search, 1: on its stack, 2: finished
  bool needed;
  bool is_target;
};

struct Frame {
  Node* node;
  uint32_t slot;
  uint32_t edge;  // next input edge to follow
};

// The vectors of one run. Kept per thread and reused, so that a backward over a long
// tape does not regrow (and page-fault in) its tables every time; a nested run takes a
// scratch of its own.
struct Scratch {
  std::vector<Slot> slots;
  std::vector<Tensor> grads;
  std::vector<Frame> stack;
  std::vector<uint32_t> finished;  // slots in the order the search finished them
};
// Tables bigger than this (entries) are not kept between runs: a one-off huge graph
// should not pin its bookkeeping memory for the life of the thread.
constexpr std::size_t kKeepScratch = std::size_t(1) << 19;

struct ThreadRuns {
  std::vector<std::unique_ptr<Scratch>> spare;
  int active = 0;
};
thread_local ThreadRuns t_runs;

class Run {
 public:
  Run() : id_(++g_run_counter), nested_(t_runs.active > 0) {
    if (!t_runs.spare.empty()) {
      s_ = std::move(t_runs.spare.back());
      t_runs.spare.pop_back();
    } else {
      s_ = std::make_unique<Scratch>();
    }
    ++t_runs.active;
  }
  ~Run() {
    --t_runs.active;
    auto& slots = s_->slots;
    if (nested_) {
      for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
        it->node->run_id_ = it->prev_run;
        it->node->slot_ = it->prev_slot;
      }
    }
    slots.clear();
    s_->grads.clear();
    s_->stack.clear();
    s_->finished.clear();
    if (slots.capacity() <= kKeepScratch && s_->grads.capacity() <= kKeepScratch &&
        s_->stack.capacity() <= kKeepScratch && s_->finished.capacity() <= kKeepScratch) {
      try {
        t_runs.spare.push_back(std::move(s_));
      } catch (...) {
      }
    }
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  Slot& slot(const Node* n) { return s_->slots[n->slot_]; }
  Slot& slot_at(uint32_t i) { return s_->slots[i]; }
  Tensor* grads(const Slot& s) { return s_->grads.data() + s.grad_begin; }
  // The node's slot, made on first sight.
  uint32_t enter(Node* n) {
    if (n->run_id_ == id_) return n->slot_;
    const uint32_t ng = uint32_t(std::max(1, n->num_outputs()));
    const uint32_t k = uint32_t(s_->slots.size());
    s_->slots.push_back(Slot{n, n->run_id_, n->slot_, uint32_t(s_->grads.size()), ng, 0, false, false});
    n->run_id_ = id_;
    n->slot_ = k;
    s_->grads.resize(s_->grads.size() + ng);
    return k;
  }

  // The depth-first search (see the top of the file). Targets must have been entered
  // and flagged before, so that finishing nodes can see them.
  void search(std::span<Node* const> roots, bool accumulate_mode) {
    auto& stack = s_->stack;
    auto& slots = s_->slots;
    for (Node* r : roots) {
      const uint32_t k = enter(r);
      if (slots[k].state != 0) continue;
      slots[k].state = 1;
      stack.push_back(Frame{r, k, 0});
      while (!stack.empty()) {
        Frame& f = stack.back();
        Node* n = f.node;
        const auto& next = n->next();
        if (f.edge < next.size()) {
          Node* c = next[f.edge++].node.get();
          if (!c) continue;
          const uint32_t kc = enter(c);  // may grow `slots`; `f` stays valid until a push
          if (slots[kc].state == 0) {
            slots[kc].state = 1;
            stack.push_back(Frame{c, kc, 0});
          }
          continue;
        }
        // Finished: every input is finished too (the graph is acyclic).
        Slot& s = slots[f.slot];
        bool need = s.is_target || (accumulate_mode && n->is_accumulator());
        if (!need)
          for (const Edge& e : next)
            if (e.node && slot(e.node.get()).needed) {
              need = true;
              break;
            }
        s.needed = need;
        s.state = 2;
        s_->finished.push_back(f.slot);
        stack.pop_back();
      }
    }
  }
  const std::vector<uint32_t>& finished() const { return s_->finished; }

 private:
  uint64_t id_;
  bool nested_;
  std::unique_ptr<Scratch> s_;
};

// Sums a partial adjoint into acc; the first one is moved in, not copied. Unrecorded sums
// (no create_graph) go in place when this is acc's only handle: no new buffer per partial
// adjoint and a third less memory traffic (4% of a TRG second derivative was these adds).
// A buffer that acc shares with someone else (a VJP may return a reshape of a saved value)
// is copied first by NDArray's copy on write.
void accumulate_into(Tensor& acc, Tensor&& g) {
  if (!acc.defined()) {
    acc = std::move(g);
  } else if (!acc.requires_grad() && !g.requires_grad() && acc.impl().use_count() == 1 &&
             acc.shape() == g.shape()) {
    nd::add_into(acc.impl()->value, g.value());
  } else {
    acc = acc + g;
  }
}

void check_finite(const Node& n, const Grads& gs) {
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
  const bool retain = opt.retain_graph.value_or(create_graph);
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
  root_nodes.reserve(roots.size());
  for (auto& e : roots) root_nodes.push_back(e.node.get());
  for (auto& e : target_edges) run.slot_at(run.enter(e.node.get())).is_target = true;
  run.search(root_nodes, accumulate_mode);

  // Seed, under the mode the backward runs in.
  std::unique_ptr<NoGradGuard> no_grad;
  std::unique_ptr<EnableGradGuard> with_grad;
  if (create_graph) with_grad = std::make_unique<EnableGradGuard>();
  else no_grad = std::make_unique<NoGradGuard>();
  struct RecordingBackward {
    bool on;
    explicit RecordingBackward(bool b) : on(b) { if (on) ++detail::mode().recording_backwards; }
    ~RecordingBackward() { if (on) --detail::mode().recording_backwards; }
  } recording_backward(create_graph);
  const bool anomaly = anomaly_enabled();

  for (size_t k = 0; k < roots.size(); ++k) {
    Slot& s = run.slot(roots[k].node.get());
    accumulate_into(run.grads(s)[roots[k].index], std::move(root_grads[k]));
  }

  std::vector<Tensor> captured(target_edges.size());
  const std::vector<uint32_t>& finished = run.finished();
  for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
    Slot& s = run.slot_at(*it);
    if (!s.needed) continue;
    Node* n = s.node;
    const std::span<Tensor> gs(run.grads(s), s.num_grads);
    bool any = false;
    for (auto& g : gs) any = any || g.defined();
    if (!any) continue;
    if (s.is_target) {
      for (size_t k = 0; k < target_edges.size(); ++k)
        if (target_edges[k].node.get() == n && gs[target_edges[k].index].defined())
          captured[k] = gs[target_edges[k].index];
    }
    if (n->is_accumulator()) {
      if (accumulate_mode) static_cast<AccumulateGrad*>(n)->accumulate(gs[0]);
      for (auto& g : gs) g = Tensor();
      continue;
    }
    bool children_needed = false;
    for (const Edge& e : n->next())
      if (e.node && run.slot(e.node.get()).needed) {
        children_needed = true;
        break;
      }
    if (children_needed) {
      if (n->released())
        throw_error("backward through ", n->describe(),
                    " a second time: the graph was freed after the first backward; pass retain_graph=true to the first");
      interruption_point();  // a backward through hundreds of CTMRG iterations takes minutes
      Grads in_grads = n->apply_vjp(gs);
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
        accumulate_into(run.grads(c)[e.index], std::move(in_grads[i]));
      }
    }
    for (auto& g : gs) g = Tensor();
    if (!retain) n->release();
  }

  if (!inputs) return {};
  for (size_t k = 0; k < captured.size(); ++k) {
    if (captured[k].defined()) continue;
    if (!opt.allow_unused)
      throw_error("grad: input ", k, " (shape ", (*inputs)[k].shape(), ") was not used to compute the outputs; pass allow_unused=true to get zeros");
    captured[k] = Tensor(NDArray::zeros((*inputs)[k].shape(), "grad"));
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
