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
// nested backward inside a checkpoint's VJP stops here and never walks into the outer
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

// The core of both kinds of checkpoint VJP: re-runs f, recorded, at the stand-ins xs and
// pulls the cotangents gy (undefined = zero) back to the stand-ins listed in `wanted`
// (recorded under create_graph). Checks that the re-run reproduces the first run's
// output shapes.
std::vector<Tensor> rerun_pullback(const MultiFn& f, const std::vector<Tensor>& xs, const std::vector<Tensor>& gy,
                                   const std::vector<Tensor>& wanted, bool create_graph, bool values_unused,
                                   const std::vector<Shape>& first_run_shapes) {
  std::vector<Tensor> ys;
  {
    EnableGradGuard with_grad;
    NameScope scope("checkpoint recompute");
    RerunScope rerun(values_unused);
    ys = f(xs);
  }
  if (ys.size() != first_run_shapes.size())
    throw_error("checkpoint: the recomputation returned ", ys.size(), " outputs, the first run ", first_run_shapes.size());
  std::vector<Tensor> outs, gouts;
  for (std::size_t k = 0; k < ys.size(); ++k) {
    if (!ys[k].defined() || !(ys[k].shape() == first_run_shapes[k]))
      throw_error("checkpoint: recomputed output ", k, " has shape ", ys[k].defined() ? to_string(ys[k].shape()) : "(undefined)",
                  ", the first run ", first_run_shapes[k]);
    if (gy[k].defined() && ys[k].requires_grad()) {
      outs.push_back(ys[k]);
      gouts.push_back(gy[k]);
    }
  }
  if (outs.empty() || wanted.empty()) return std::vector<Tensor>(wanted.size());
  GradOptions o;
  o.create_graph = create_graph;
  o.allow_unused = true;
  return grad(outs, wanted, gouts, o);
}

// checkpoint_backward: the VJP of f at a[0..nx) applied to the cotangents a[nx..), as a
// function of all of a; this is what the checkpoint's VJP checkpoints in turn. Recorded
// when recording is on and some a requires grad (the re-run of that inner checkpoint: a
// are then its aliases); plain values otherwise. Gradients only for the inputs in `need`
// (zeros elsewhere: the outer engine ignores them).
std::vector<Tensor> vjp_at(const MultiFn& f, const std::vector<Tensor>& a, const std::vector<bool>& need,
                           bool values_unused, const std::vector<Shape>& first_run_shapes) {
  const std::size_t nx = need.size();
  bool rec = false;
  if (grad_enabled())
    for (const Tensor& t : a) rec = rec || t.requires_grad();
  std::vector<Tensor> xs, gy, wanted;
  for (std::size_t i = 0; i < nx; ++i) {
    xs.push_back(rec && a[i].requires_grad() ? a[i] : Tensor(a[i].value(), true));
    if (need[i]) wanted.push_back(xs.back());
  }
  for (std::size_t k = nx; k < a.size(); ++k) gy.push_back(rec ? a[k] : a[k].detach());
  std::vector<Tensor> gw = rerun_pullback(f, xs, gy, wanted, rec, values_unused, first_run_shapes);
  std::vector<Tensor> gx;
  for (std::size_t i = 0, k = 0; i < nx; ++i) {
    Tensor g = need[i] ? gw[k++] : Tensor();
    gx.push_back(g.defined() ? g : zeros(xs[i].shape()));
  }
  return gx;
}

// One node for both kinds of checkpoint. It keeps f and the inputs; its VJP re-runs f
// (plain), or is itself a checkpoint of f's VJP (checkpoint_backward): under create_graph
// the recorded first backward then holds (inputs, cotangents) instead of f's forward and
// backward tapes, and the second backward re-runs f's forward + backward once.
class CheckpointNode final : public Node {
 public:
  CheckpointNode(MultiFn f, CheckpointOptions options) : Node("checkpoint"), f_(std::move(f)), opt_(options) {}

  std::vector<Tensor> vjp(const std::vector<Tensor>& gy) override {
    return opt_.checkpoint_backward ? checkpointed_vjp(gy) : rerun_vjp(gy);
  }

 private:
  std::vector<Shape> output_shapes() const {
    std::vector<Shape> s;
    for (int k = 0; k < num_outputs(); ++k) s.push_back(output_shape(k));
    return s;
  }

  std::vector<Tensor> rerun_vjp(const std::vector<Tensor>& gy) {
    const bool create_graph = grad_enabled();  // the engine records vjps only under create_graph
    const int n = num_inputs();
    std::vector<Tensor> xs, aliases, wanted;
    std::vector<std::shared_ptr<AliasNode>> alias_nodes(n);
    for (int i = 0; i < n; ++i) {
      Tensor x = saved_input(i);
      xs.push_back(x);
      if (needs_input_grad(i)) {
        alias_nodes[i] = std::make_shared<AliasNode>();
        alias_nodes[i]->mutable_output_shapes().push_back(x.shape());
        aliases.push_back(detail::make_output(x.value(), alias_nodes[i], 0));
        wanted.push_back(aliases.back());
      } else {
        aliases.push_back(x.detach());
      }
    }
    std::vector<Tensor> gw = rerun_pullback(f_, aliases, gy, wanted, create_graph, opt_.values_unused_on_rerun,
                                            output_shapes());
    std::vector<Tensor> result(n);
    for (int i = 0, k = 0; i < n; ++i) {
      if (!needs_input_grad(i)) continue;
      if (create_graph) {
        alias_nodes[i]->mutable_next() = {detail::edge_of(xs[i])};
        alias_nodes[i]->mutable_input_shapes().push_back(xs[i].shape());
      }
      result[i] = gw[k++];
    }
    return result;
  }

  std::vector<Tensor> checkpointed_vjp(const std::vector<Tensor>& gy) {
    std::vector<Tensor> in;
    std::vector<bool> need;
    for (int i = 0; i < num_inputs(); ++i) {
      in.push_back(saved_input(i));
      need.push_back(needs_input_grad(i));
    }
    for (int k = 0; k < num_outputs(); ++k) in.push_back(gy[k].defined() ? gy[k] : zeros(output_shape(k)));
    return checkpoint(
        [f = f_, need, unused = opt_.values_unused_on_rerun, shapes = output_shapes()](const std::vector<Tensor>& a) {
          return vjp_at(f, a, need, unused, shapes);
        },
        in);
  }

  MultiFn f_;
  CheckpointOptions opt_;
};
}  // namespace

bool rerun_values_unused() { return t_rerun_values_unused; }

std::vector<Tensor> checkpoint(const MultiFn& f, const std::vector<Tensor>& inputs, CheckpointOptions options) {
  std::vector<Tensor> ys;
  {
    NoGradGuard ng;
    ys = f(inputs);
  }
  if (!detail::should_record(inputs)) return ys;
  auto node = std::make_shared<CheckpointNode>(f, options);
  std::vector<NDArray> vals;
  for (auto& y : ys) vals.push_back(y.value());
  return detail::finish_node(node, inputs, std::move(vals), save::all_inputs, {});
}

Tensor checkpoint(const Fn& f, const Tensor& x, CheckpointOptions options) {
  return checkpoint([f](const std::vector<Tensor>& xs) { return std::vector<Tensor>{f(xs[0])}; },
                    std::vector<Tensor>{x}, options)[0];
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
