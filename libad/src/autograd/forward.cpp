// Forward mode (jvp) and Hessian-vector products (forward.hpp).
#include "autograd/tensor_impl.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/ad/forward.hpp"

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

// Several tangent sets, differentiable (forward.hpp). The local graph of f is recorded
// once; g(u) = J^T u is recorded as a function of the dummy cotangents u; each tangent
// set then costs one reverse sweep over <g(u), v_j>.
JvpResult jvp(const MultiFn& f, const std::vector<Tensor>& xs, const std::vector<std::vector<Tensor>>& vs) {
  for (std::size_t j = 0; j < vs.size(); ++j) {
    if (vs[j].size() != xs.size())
      throw_error("jvp: tangent set ", j, " has ", vs[j].size(), " tensors for ", xs.size(), " inputs");
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (!vs[j][i].defined() || !(vs[j][i].shape() == xs[i].shape()))
        throw_error("jvp: tangent ", i, " of set ", j, " has shape ", vs[j][i].defined() ? vs[j][i].shape() : Shape{},
                    " but input ", i, " has shape ", xs[i].shape());
  }
  bool outer = false;  // is the result itself to be recorded?
  if (grad_enabled()) {
    for (const Tensor& x : xs) outer = outer || x.requires_grad();
    for (const auto& v : vs)
      for (const Tensor& t : v) outer = outer || t.requires_grad();
  }
  EnableGradGuard with_grad;
  std::vector<Tensor> in;
  for (const Tensor& x : xs) in.push_back(outer && x.requires_grad() ? x : fresh_leaf(x));
  JvpResult r;
  r.outputs = f(in);
  // Dummy cotangents for the outputs that depend on an input; the others (constants)
  // have zero tangents.
  std::vector<Tensor> ys, us;
  std::vector<int> which;
  for (std::size_t k = 0; k < r.outputs.size(); ++k) {
    const Tensor& y = r.outputs[k];
    if (!y.defined()) throw_error("jvp: f returned an undefined output ", k);
    if (!y.requires_grad()) continue;
    ys.push_back(y);
    us.push_back(zeros(y.shape(), true));
    which.push_back(int(k));
  }
  auto zero_tangents = [&] {
    std::vector<Tensor> z;
    for (const Tensor& y : r.outputs) z.push_back(zeros(y.shape()));
    return z;
  };
  std::vector<Tensor> g;
  if (!ys.empty()) {
    GradOptions o1;
    o1.create_graph = true;
    o1.allow_unused = true;
    g = grad(ys, in, us, o1);  // J^T u, linear in u
  }
  for (std::size_t j = 0; j < vs.size(); ++j) {
    Tensor s;
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (!g[i].requires_grad()) continue;
      const Tensor t = vdot(g[i], outer ? vs[j][i] : vs[j][i].detach());
      s = s.defined() ? s + t : t;
    }
    std::vector<Tensor> tangent = zero_tangents();
    if (s.defined()) {
      GradOptions o2;
      o2.create_graph = outer;
      o2.retain_graph = outer || j + 1 < vs.size();
      o2.allow_unused = true;
      std::vector<Tensor> d = grad({s}, us, {}, o2);
      for (std::size_t q = 0; q < d.size(); ++q)
        if (d[q].defined()) tangent[which[q]] = std::move(d[q]);
    }
    r.tangents.push_back(std::move(tangent));
  }
  if (!outer)
    for (Tensor& y : r.outputs) y = y.detach();
  return r;
}

// H v = d/dx <grad f(x), v>, over all inputs jointly.
std::pair<Tensor, std::vector<Tensor>> hvp(const FnN& f, const std::vector<Tensor>& x, const std::vector<Tensor>& v) {
  if (x.size() != v.size()) throw_error("hvp: ", x.size(), " inputs but ", v.size(), " vectors");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!v[i].defined() || !(x[i].shape() == v[i].shape()))
      throw_error("hvp: vector ", i, " has shape ", v[i].defined() ? v[i].shape() : Shape{}, " but input ", i,
                  " has shape ", x[i].shape());
  EnableGradGuard eg;
  std::vector<Tensor> xs;
  for (const Tensor& t : x) xs.push_back(fresh_leaf(t));
  Tensor y = f(xs);
  if (y.numel() != 1) throw_error("hvp: f must return a scalar, got shape ", y.shape());
  auto zero_result = [&] {
    std::vector<Tensor> z;
    for (const Tensor& t : x) z.push_back(zeros(t.shape()));
    return z;
  };
  if (!y.requires_grad()) return {y, zero_result()};
  GradOptions o;
  o.create_graph = true;
  o.allow_unused = true;
  std::vector<Tensor> g = grad({y}, xs, {}, o);
  Tensor s;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!g[i].defined() || !g[i].requires_grad()) continue;
    const Tensor t = vdot(g[i], v[i].detach());
    s = s.defined() ? s + t : t;
  }
  if (!s.defined()) return {y.detach(), zero_result()};
  GradOptions o2;
  o2.allow_unused = true;
  std::vector<Tensor> Hv = grad({s}, xs, {}, o2);
  for (std::size_t i = 0; i < Hv.size(); ++i)
    if (!Hv[i].defined()) Hv[i] = zeros(x[i].shape());
  return {y.detach(), Hv};
}

std::pair<Tensor, Tensor> hvp(const Fn& f, const Tensor& x, const Tensor& v) {
  if (!(x.shape() == v.shape())) throw_error("hvp: vector has shape ", v.shape(), " but input has shape ", x.shape());
  auto [y, Hv] = hvp([&f](const std::vector<Tensor>& xs) { return f(xs[0]); }, std::vector<Tensor>{x},
                     std::vector<Tensor>{v});
  return {y, Hv[0]};
}

}  // namespace tnad
