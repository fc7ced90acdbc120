// jvp, hvp, checkpoint, custom ops.
#include "tensor_impl.hpp"
#include "tnad/autograd.hpp"
#include "tnad/nd.hpp"
#include "tnad/op.hpp"
#include "tnad/ops.hpp"

namespace tnad {
namespace {
Tensor fresh_leaf(const Tensor& x) { return Tensor(x.value(), true); }
}  // namespace

// Forward mode by the "double VJP" identity: for a dummy cotangent u, g(u) = J^T u is
// linear in u, so d/du <g(u), v> = J v. One forward, two reverse sweeps; exact, and
// available for every op whose VJP is differentiable (all of them).
std::pair<Tensor, Tensor> jvp(const FnN& f, const std::vector<Tensor>& x, const std::vector<Tensor>& v) {
  if (x.size() != v.size()) throw_error("jvp: ", x.size(), " inputs but ", v.size(), " tangents");
  for (size_t i = 0; i < x.size(); ++i)
    if (!(x[i].shape() == v[i].shape()))
      throw_error("jvp: tangent ", i, " has shape ", v[i].shape(), " but input has shape ", x[i].shape());
  EnableGradGuard eg;
  std::vector<Tensor> xs;
  for (const auto& t : x) xs.push_back(fresh_leaf(t));
  Tensor y = f(xs);
  if (!y.requires_grad()) return {y, zeros(y.shape())};
  Tensor u = zeros(y.shape(), true);
  GradOptions o;
  o.create_graph = true;
  o.allow_unused = true;
  std::vector<Tensor> g = grad({y}, xs, {u}, o);
  Tensor s;
  for (size_t i = 0; i < g.size(); ++i) {
    if (!g[i].requires_grad()) continue;
    Tensor t = vdot(g[i], v[i].detach());
    s = s.defined() ? s + t : t;
  }
  if (!s.defined()) return {y.detach(), zeros(y.shape())};
  GradOptions o2;
  o2.allow_unused = true;
  Tensor Jv = grad({s}, {u}, {}, o2)[0];
  return {y.detach(), Jv};
}

std::pair<Tensor, Tensor> jvp(const Fn& f, const Tensor& x, const Tensor& v) {
  return jvp([&](const std::vector<Tensor>& xs) { return f(xs[0]); }, std::vector<Tensor>{x}, std::vector<Tensor>{v});
}

// H v = d/dx <grad f(x), v>
std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v) {
  if (!(x.shape() == v.shape())) throw_error("hvp: vector has shape ", v.shape(), " but input has shape ", x.shape());
  EnableGradGuard eg;
  Tensor xs = fresh_leaf(x);
  Tensor y = f(xs);
  if (y.numel() != 1) throw_error("hvp: f must return a scalar, got shape ", y.shape());
  if (!y.requires_grad()) return {y, zeros(x.shape())};
  GradOptions o;
  o.create_graph = true;
  o.allow_unused = true;
  Tensor g = grad({y}, {xs}, {}, o)[0];
  if (!g.requires_grad()) return {y.detach(), zeros(x.shape())};
  GradOptions o2;
  o2.allow_unused = true;
  Tensor Hv = grad({vdot(g, v.detach())}, {xs}, {}, o2)[0];
  return {y.detach(), Hv};
}

// ---------------------------------------------------------------- checkpoint
namespace {

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
  explicit CheckpointNode(MultiFn f) : Node("checkpoint"), f_(std::move(f)) {}

  std::vector<Tensor> vjp(const std::vector<Tensor>& gy) override {
    const bool create_graph = grad_enabled();  // the engine records vjps only under create_graph
    const int n = num_inputs();
    std::vector<Tensor> xs, aliases;
    std::vector<std::shared_ptr<AliasNode>> alias_nodes(n);
    std::vector<Tensor> wanted;
    std::vector<int> wanted_index;
    for (int i = 0; i < n; ++i) {
      Tensor x = unpack(i);
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
};
}  // namespace

std::vector<Tensor> checkpoint(const MultiFn& f, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> ys;
  {
    NoGradGuard ng;
    ys = f(inputs);
  }
  if (!detail::should_record(inputs)) return ys;
  auto node = std::make_shared<CheckpointNode>(f);
  std::vector<NDArray> vals;
  for (auto& y : ys) vals.push_back(y.value());
  return detail::finish_node(node, inputs, std::move(vals), inputs.size() >= 16 ? 0xFFFFu : (1u << inputs.size()) - 1u, {});
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

// ---------------------------------------------------------------- custom ops
std::vector<Tensor> CustomOp::operator()(const std::vector<Tensor>& inputs) const {
  const CustomOp& op = *this;
  if (!op.compute) throw_error("custom op '", op.name, "': no compute function");
  if (inputs.size() > 16) throw_error("custom op '", op.name, "': at most 16 inputs, got ", inputs.size());
  std::vector<NDArray> vals;
  for (const auto& t : inputs) vals.push_back(t.value());
  std::vector<NDArray> outs = op.compute(vals);
  if (outs.size() > 16) throw_error("custom op '", op.name, "': at most 16 outputs");
  if (!op.vjp && detail::should_record(inputs))
    throw_error("custom op '", op.name, "' has no vjp but an input requires grad");
  uint32_t mask = ((1u << inputs.size()) - 1u) | ((((1u << outs.size()) - 1u)) << 16);
  const int n_in = int(inputs.size()), n_out = int(outs.size());
  auto vjp = [vjp_fn = op.vjp, name = op.name, n_in, n_out](OpContext& c, const std::vector<Tensor>& g) {
    std::vector<Tensor> xs, ys;
    for (int i = 0; i < n_in; ++i) xs.push_back(c.input(i));
    for (int k = 0; k < n_out; ++k) ys.push_back(c.output(k));
    std::vector<Tensor> r = vjp_fn(xs, ys, g);
    if (int(r.size()) != n_in)
      throw_error("custom op '", name, "': vjp returned ", r.size(), " gradients for ", n_in, " inputs");
    for (int i = 0; i < n_in; ++i)
      if (r[i].defined() && !(r[i].shape() == c.input_shape(i)))
        throw_error("custom op '", name, "': vjp gave input ", i, " a gradient of shape ", r[i].shape(),
                    " but the input has shape ", c.input_shape(i));
    return r;
  };
  // The node is named by op.name, which need not outlive it: it keeps a copy.
  std::vector<Tensor> result =
      record_multi(op.name.c_str(), std::span<const Tensor>(inputs), std::move(outs), mask, std::move(vjp));
  if (!result.empty() && result[0].grad_fn()) result[0].grad_fn()->own_name(op.name);
  return result;
}

}  // namespace tnad
