// Checkpointing and rematerialization (checkpoint.hpp).
#include "autograd/tensor_impl.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/ad/checkpoint.hpp"

namespace tnad {

// ---------------------------------------------------------------- checkpoint
namespace {

thread_local bool t_rerun_values_unused = false;

// Sets rerun_values_unused() for the duration of a re-run.
class RerunScope {
 public:
  explicit RerunScope(bool unused) : prev_(t_rerun_values_unused) { t_rerun_values_unused = unused; }
  ~RerunScope() { t_rerun_values_unused = prev_; }
  RerunScope(const RerunScope&) = delete;
  RerunScope& operator=(const RerunScope&) = delete;

 private:
  bool prev_;
};

// Stands in for an input of a recomputed segment. It starts with no edges, so the
// nested backward inside CheckpointNode::vjp stops here and never walks into the outer
// graph; when that backward is itself recorded (create_graph), the alias is then linked
// to the real input, which makes the recorded gradient differentiable w.r.t. it.
class AliasNode final : public Node {
 public:
  AliasNode() : Node("checkpoint_input") {}
  std::vector<Tensor> vjp(const std::vector<Tensor>& g) override {
    return next_.empty() ? std::vector<Tensor>{} : std::vector<Tensor>{g[0]};
  }
  void release() override {}
};

class CheckpointNode final : public Node {
 public:
  CheckpointNode(MultiFn f, bool values_unused) : Node("checkpoint"), f_(std::move(f)), values_unused_(values_unused) {}

  std::vector<Tensor> vjp(const std::vector<Tensor>& gy) override {
    const bool create_graph = grad_enabled();  // the engine records vjps only under create_graph
    const int n = num_inputs();
    std::vector<Tensor> xs, aliases;
    std::vector<std::shared_ptr<AliasNode>> alias_nodes(n);
    std::vector<Tensor> wanted;
    std::vector<int> wanted_index;
    for (int i = 0; i < n; ++i) {
      Tensor x = saved_input(i);
      xs.push_back(x);
      if (needs_input_grad(i)) {
        alias_nodes[i] = std::make_shared<AliasNode>();
        alias_nodes[i]->mutable_output_shapes().push_back(x.shape());
        aliases.push_back(detail::make_output(x.value(), alias_nodes[i], 0));
        wanted.push_back(aliases.back());
        wanted_index.push_back(i);
      } else {
        aliases.push_back(x.detach());
      }
    }
    std::vector<Tensor> ys;
    {
      EnableGradGuard eg;
      NameScope scope("checkpoint recompute");
      RerunScope rerun(values_unused_);
      ys = f_(aliases);
    }
    if (int(ys.size()) != num_outputs())
      throw_error("checkpoint: the recomputation returned ", ys.size(), " outputs, the first run ", num_outputs());
    std::vector<Tensor> outs, gouts;
    for (int k = 0; k < num_outputs(); ++k) {
      if (!(ys[k].shape() == output_shape(k)))
        throw_error("checkpoint: recomputed output ", k, " has shape ", ys[k].shape(), ", the first run ", output_shape(k));
      if (gy[k].defined() && ys[k].requires_grad()) {
        outs.push_back(ys[k]);
        gouts.push_back(gy[k]);
      }
    }
    std::vector<Tensor> result(n);
    if (outs.empty() || wanted.empty()) return result;
    GradOptions o;
    o.create_graph = create_graph;
    o.allow_unused = true;
    std::vector<Tensor> gx = grad(outs, wanted, gouts, o);
    for (size_t k = 0; k < wanted_index.size(); ++k) {
      int i = wanted_index[k];
      if (create_graph) {
        alias_nodes[i]->mutable_next() = {detail::edge_of(xs[i])};
        alias_nodes[i]->mutable_input_shapes().push_back(xs[i].shape());
      }
      result[i] = gx[k];
    }
    return result;
  }

 private:
  MultiFn f_;
  bool values_unused_;
};

// in = (x_1..x_nx, gy_1..): the VJP of f at x applied to gy. Recorded (create_graph) when
// recording is on and an input requires grad, else plain values from a local graph.
std::vector<Tensor> vjp_of(const MultiFn& f, const std::vector<Tensor>& in, std::size_t nx, bool values_unused) {
  bool rec = false;
  if (grad_enabled())
    for (const Tensor& t : in) rec = rec || t.requires_grad();
  EnableGradGuard with_grad;
  std::vector<Tensor> xs;
  for (std::size_t i = 0; i < nx; ++i) xs.push_back(rec && in[i].requires_grad() ? in[i] : Tensor(in[i].value(), true));
  std::vector<Tensor> ys;
  {
    RerunScope rerun(values_unused);
    ys = f(xs);
  }
  std::vector<Tensor> outs, gouts;
  for (std::size_t k = 0; k < ys.size(); ++k)
    if (ys[k].requires_grad()) {
      outs.push_back(ys[k]);
      gouts.push_back(rec ? in[nx + k] : in[nx + k].detach());
    }
  if (outs.empty()) {
    std::vector<Tensor> z;
    for (const Tensor& x : xs) z.push_back(zeros(x.shape()));
    return z;
  }
  GradOptions o;
  o.create_graph = rec;
  o.allow_unused = true;
  std::vector<Tensor> gx = grad(outs, xs, gouts, o);
  if (!rec)
    for (Tensor& g : gx) g = g.detach();
  return gx;
}

// A node that keeps only its inputs and whose VJP is itself a checkpoint of the VJP
// computation (checkpoint_backward): under create_graph the recorded first backward holds
// (inputs, cotangents), and the second backward re-runs f's forward + backward at a time.
std::vector<Tensor> checkpoint_with_checkpointed_backward(const MultiFn& f, const std::vector<Tensor>& xs,
                                                          bool values_unused) {
  std::vector<Tensor> ys;
  {
    NoGradGuard no_grad;
    ys = f(xs);
  }
  std::vector<NDArray> vals;
  for (const Tensor& y : ys) vals.push_back(y.value());
  const std::size_t nx = xs.size();
  return record_multi("checkpoint", std::span<const Tensor>(xs), std::move(vals), save::all_inputs,
                      [f, nx, values_unused](OpContext& c, const std::vector<Tensor>& g) {
                        std::vector<Tensor> in;
                        for (std::size_t i = 0; i < nx; ++i) in.push_back(c.input(int(i)));
                        for (std::size_t k = 0; k < g.size(); ++k)
                          in.push_back(g[k].defined() ? g[k] : zeros(c.output_shape(int(k))));
                        return checkpoint(
                            [f, nx, values_unused](const std::vector<Tensor>& a) {
                              return vjp_of(f, a, nx, values_unused);
                            },
                            in);
                      });
}
}  // namespace

bool rerun_values_unused() { return t_rerun_values_unused; }

std::vector<Tensor> checkpoint(const MultiFn& f, const std::vector<Tensor>& inputs, CheckpointOptions options) {
  if (options.checkpoint_backward)
    return checkpoint_with_checkpointed_backward(f, inputs, options.values_unused_on_rerun);
  std::vector<Tensor> ys;
  {
    NoGradGuard ng;
    ys = f(inputs);
  }
  if (!detail::should_record(inputs)) return ys;
  auto node = std::make_shared<CheckpointNode>(f, options.values_unused_on_rerun);
  std::vector<NDArray> vals;
  for (auto& y : ys) vals.push_back(y.value());
  return detail::finish_node(node, inputs, std::move(vals), save::all_inputs, {});
}

Tensor checkpoint(const Fn& f, const Tensor& x) {
  return checkpoint([&f](const std::vector<Tensor>& xs) { return std::vector<Tensor>{f(xs[0])}; }, std::vector<Tensor>{x})[0];
}

// ---------------------------------------------------------------- rematerialize
namespace detail {
struct Recipe {
  FnN f;
  std::vector<Tensor> inputs;
  std::vector<uint64_t> versions;  // of the inputs when y was computed
  Shape shape;                     // y's
  uint64_t version = 0;            // y's: once y is modified in place, the recipe no longer makes it
};

bool is_rematerialized(const TensorImpl& impl) { return impl.recipe && !impl.value.defined(); }
bool saves_as_recipe(const TensorImpl& impl) {
  return impl.recipe && impl.value.defined() && impl.version == impl.recipe->version;
}

Tensor save_recipe(const TensorImpl& impl) {
  auto stand_in = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
  stand_in->recipe = impl.recipe;
  return Tensor(std::move(stand_in));
}

Tensor recompute(const TensorImpl& stand_in, const std::string& who) {
  const Recipe& r = *stand_in.recipe;
  for (std::size_t i = 0; i < r.inputs.size(); ++i)
    if (r.inputs[i].defined() && r.inputs[i].version() != r.versions[i])
      throw_error(who, ": input ", i, " (shape ", r.inputs[i].shape(), ") of a rematerialized tensor of shape ",
                  r.shape, " was modified in place before its recomputation");
  Tensor y = rematerialize(r.f, r.inputs);
  if (!(y.shape() == r.shape))
    throw_error(who, ": a rematerialized tensor was recomputed with shape ", y.shape(), ", first ", r.shape);
  return y;
}
}  // namespace detail

Tensor rematerialize(const FnN& f, const std::vector<Tensor>& inputs) {
  Tensor y = f(inputs);
  // Nothing saves y when nothing records; and y must be a new tensor, not an input (or a
  // view sharing an input's handle), lest the input itself be marked.
  if (!grad_enabled() || !y.defined()) return y;
  for (const Tensor& x : inputs)
    if (x.impl() == y.impl()) return y;
  auto r = std::make_shared<detail::Recipe>();
  r->f = f;
  r->inputs = inputs;
  for (const Tensor& x : inputs) r->versions.push_back(x.defined() ? x.version() : 0);
  r->shape = y.shape();
  r->version = y.version();
  y.impl()->recipe = std::move(r);
  return y;
}

}  // namespace tnad
