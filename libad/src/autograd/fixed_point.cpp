// Reusable pullbacks and the implicit (fixed-point) adjoint (fixed_point.hpp).
#include "tnad/ad/fixed_point.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/tensor_impl.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/node.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

// ---------------------------------------------------------------- list arithmetic (values)
namespace {

double sumsq(const TensorList& v) {
  double s = 0.0;
  for (const Tensor& t : v) {
    if (!t.defined()) continue;
    const double* p = t.data();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) s += p[i] * p[i];
  }
  return s;
}

double max_abs(const Tensor& t) {
  double m = 0.0;
  const double* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) m = std::max(m, std::abs(p[i]));
  return m;
}

}  // namespace

double list_norm(const TensorList& v) { return std::sqrt(sumsq(v)); }

TensorList list_axpy(double a, const TensorList& x, const TensorList& y) {
  NoGradGuard ng;
  if (x.size() != y.size()) throw_error("list_axpy: lists of ", x.size(), " and ", y.size(), " tensors");
  TensorList r;
  r.reserve(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) r.push_back(add(mul(x[k].detach(), a), y[k].detach()));
  return r;
}

// ---------------------------------------------------------------- Pullback
struct Pullback::State {
  TensorList leaves;     // fresh leaves holding the input values
  TensorList outputs;    // f(leaves), recorded
  TensorList values;     // the outputs, detached
  int64_t calls = 0;
  int64_t nodes = 0;
  bool released = false;
};

Pullback::Pullback(const MultiFn& f, const TensorList& inputs) : s_(std::make_shared<State>()) {
  const int64_t before = nodes_created();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw_error("pullback: input ", i, " is undefined");
    s_->leaves.emplace_back(inputs[i].value(), true);
  }
  {
    EnableGradGuard with_grad;
    s_->outputs = f(s_->leaves);
  }
  for (std::size_t k = 0; k < s_->outputs.size(); ++k) {
    if (!s_->outputs[k].defined()) throw_error("pullback: output ", k, " of the recorded function is undefined");
    s_->values.push_back(s_->outputs[k].detach());
  }
  s_->nodes = nodes_created() - before;
}

const TensorList& Pullback::outputs() const {
  if (!s_) throw_error("pullback: empty Pullback (default-constructed)");
  return s_->values;
}

TensorList Pullback::operator()(const TensorList& cotangents, const std::vector<int>& wrt) const {
  if (!s_) throw_error("pullback: empty Pullback (default-constructed)");
  if (s_->released) throw_error("pullback: called after release()");
  const auto& outs = s_->outputs;
  if (cotangents.size() != outs.size())
    throw_error("pullback: ", cotangents.size(), " cotangents for ", outs.size(), " outputs");
  TensorList ys, gs, wanted;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (!cotangents[k].defined()) continue;
    if (!(cotangents[k].shape() == outs[k].shape()))
      throw_error("pullback: cotangent ", k, " has shape ", cotangents[k].shape(), ", the output ", outs[k].shape());
    if (!outs[k].requires_grad()) continue;  // constant in the inputs
    ys.push_back(outs[k]);
    gs.push_back(cotangents[k].detach());
  }
  for (int i : wrt) {
    if (i < 0 || i >= int(s_->leaves.size()))
      throw_error("pullback: input index ", i, " out of range (", s_->leaves.size(), " inputs)");
    wanted.push_back(s_->leaves[i]);
  }
  ++s_->calls;
  TensorList g;
  if (!ys.empty() && !wanted.empty()) {
    NoGradGuard ng;  // a plain backward: its results are values
    GradOptions o;
    o.retain_graph = true;
    o.allow_unused = true;
    g = grad(ys, wanted, gs, o);
  } else {
    g.resize(wanted.size());
  }
  for (std::size_t j = 0; j < g.size(); ++j)
    g[j] = g[j].defined() ? g[j].detach() : zeros(wanted[j].shape());
  return g;
}

TensorList Pullback::operator()(const TensorList& cotangents) const {
  std::vector<int> all(s_ ? s_->leaves.size() : 0);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = int(i);
  return (*this)(cotangents, all);
}

int64_t Pullback::calls() const { return s_ ? s_->calls : 0; }
int64_t Pullback::nodes_recorded() const { return s_ ? s_->nodes : 0; }

void Pullback::release() {
  if (!s_) return;
  s_->outputs.clear();
  s_->leaves.clear();
  s_->released = true;
}

// ---------------------------------------------------------------- Neumann series
AdjointSolveResult neumann_solve(const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions& options) {
  AdjointSolveResult r;
  r.method = "neumann";
  const double bnorm = list_norm(b);
  TensorList y;
  {
    NoGradGuard ng;
    for (const Tensor& t : b) y.push_back(zeros(t.shape()));
  }
  if (bnorm == 0.0) {
    r.y = std::move(y);
    r.converged = true;
    return r;
  }
  TensorList term = b;
  double res = 1.0;
  while (true) {
    y = list_axpy(1.0, term, y);  // y_n = sum_{k<n} (J^T)^k b, n = iterations + 1
    term = jt(term);              // (J^T)^n b = b - (I - J^T) y_n, its exact residual
    ++r.iterations;
    res = list_norm(term) / bnorm;
    if (!std::isfinite(res) || res <= options.tol || r.iterations >= options.max_iter) break;
    if (res > 1e8) {
      r.note = "the series diverges (spectral radius of the step's Jacobian >= 1?)";
      break;
    }
  }
  r.residual = res;
  r.converged = std::isfinite(res) && res <= options.tol;
  if (!r.converged && r.note.empty() && r.iterations >= options.max_iter)
    r.note = "iteration cap reached (max_iter = " + std::to_string(options.max_iter) + ")";
  r.y = std::move(y);
  return r;
}

// ---------------------------------------------------------------- fixed_point
namespace {

// The node attaching x* to the params; its VJP is the implicit rule of fixed_point.hpp.
class FixedPointNode final : public Node {
 public:
  FixedPointNode(FixedPointStep f, TensorList x_star, FixedPointOptions options, std::shared_ptr<FixedPointInfo> info)
      : Node("fixed_point"), f_(std::move(f)), x_(std::move(x_star)), opt_(std::move(options)), info_(std::move(info)) {}

  std::vector<Tensor> vjp(const std::vector<Tensor>& gx) override {
    if (grad_enabled())
      throw_error("fixed_point: second derivatives through a fixed point (a backward with create_graph) are not implemented");
    const int nx = int(x_.size()), np = num_inputs();
    TensorList inputs = x_;
    for (int i = 0; i < np; ++i) inputs.push_back(saved_input(i).detach());
    const FixedPointStep f = f_;
    Pullback pb(
        [f, nx](const TensorList& in) {
          return f(TensorList(in.begin(), in.begin() + nx), TensorList(in.begin() + nx, in.end()));
        },
        inputs);
    const TensorList& fx = pb.outputs();
    if (int(fx.size()) != nx)
      throw_error("fixed_point: the step returned ", fx.size(), " tensors for ", nx, " iterates");
    double dmax = 0.0, xmax = 0.0;
    for (int k = 0; k < nx; ++k) {
      if (!(fx[k].shape() == x_[k].shape()))
        throw_error("fixed_point: the step maps iterate ", k, " of shape ", x_[k].shape(), " to shape ", fx[k].shape());
      NoGradGuard ng;
      dmax = std::max(dmax, max_abs(sub(fx[k], x_[k])));
      xmax = std::max(xmax, max_abs(x_[k]));
    }
    const double defect = xmax > 0 ? dmax / xmax : dmax;
    if (opt_.defect_tol >= 0 && !(defect <= opt_.defect_tol))
      throw_error("fixed_point: x* is not a fixed point of the step: max|f(x*) - x*| / max|x*| = ", defect,
                  " > defect_tol = ", opt_.defect_tol,
                  " (forward not converged, or converged only up to a gauge: fix the gauge inside the step)");

    TensorList b;
    for (int k = 0; k < nx; ++k) {
      NoGradGuard ng;
      b.push_back(gx[k].defined() ? gx[k].detach() : zeros(x_[k].shape()));
    }
    std::vector<int> x_idx(nx);
    for (int k = 0; k < nx; ++k) x_idx[k] = k;
    const int64_t nodes_before = nodes_created();
    TensorListMap jt = [&pb, &x_idx](const TensorList& v) { return pb(v, x_idx); };
    AdjointSolveResult s = opt_.solver ? opt_.solver(jt, b, opt_.solve) : neumann_solve(jt, b, opt_.solve);
    const int64_t nodes_solve = nodes_created() - nodes_before;

    if (info_) {
      info_->method = s.method;
      info_->iterations = s.iterations;
      info_->residual = s.residual;
      info_->converged = s.converged;
      info_->note = s.note;
      info_->defect = defect;
      info_->nodes_recorded = pb.nodes_recorded();
      info_->nodes_during_solve = nodes_solve;
    }
    if (!s.converged)
      throw_error("fixed_point: the adjoint solve (I - f_x^T) y = dL/dx* did not converge: solver '", s.method, "', ",
                  s.iterations, " iterations, relative residual ", s.residual, " > tol ", opt_.solve.tol,
                  s.note.empty() ? "" : " (" + s.note + ")", "; defect of x* ", defect);
    if (s.y.size() != std::size_t(nx)) throw_error("fixed_point: the solver returned ", s.y.size(), " tensors for ", nx);

    std::vector<int> p_idx;
    for (int i = 0; i < np; ++i)
      if (needs_input_grad(i)) p_idx.push_back(nx + i);
    TensorList gp = pb(s.y, p_idx);
    if (info_) info_->backward_calls = pb.calls();
    std::vector<Tensor> result(np);
    for (std::size_t j = 0; j < p_idx.size(); ++j) result[p_idx[j] - nx] = gp[j];
    return result;
  }

 private:
  FixedPointStep f_;
  TensorList x_;
  FixedPointOptions opt_;
  std::shared_ptr<FixedPointInfo> info_;
};

}  // namespace

TensorList fixed_point(const FixedPointStep& f, const TensorList& x_star, const TensorList& params,
                       const FixedPointOptions& options, std::shared_ptr<FixedPointInfo> info) {
  if (!f) throw_error("fixed_point: no step function");
  if (x_star.empty()) throw_error("fixed_point: no iterate (x_star is empty)");
  TensorList xs;
  for (std::size_t k = 0; k < x_star.size(); ++k) {
    if (!x_star[k].defined()) throw_error("fixed_point: x_star[", k, "] is undefined");
    xs.push_back(x_star[k].detach());
  }
  for (std::size_t i = 0; i < params.size(); ++i)
    if (!params[i].defined()) throw_error("fixed_point: params[", i, "] is undefined");
  if (!detail::should_record(params)) return xs;
  auto node = std::make_shared<FixedPointNode>(f, xs, options, std::move(info));
  std::vector<NDArray> vals;
  for (const Tensor& x : xs) vals.push_back(x.value());
  return detail::finish_node(node, params, std::move(vals), save::all_inputs, {});
}

}  // namespace tnad
