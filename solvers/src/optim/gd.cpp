#include <cmath>

#include "methods.hpp"
#include "tnad/ad/error.hpp"

namespace tnad::optim::detail {

void GradientDescent::reset() { prev_alpha_ = prev_slope_ = pending_alpha_ = pending_slope_ = 0.0; }

Optimizer::Proposal GradientDescent::propose(const Objective& f) {
  const std::size_t n = x_.size();
  Proposal p;
  if (!opt_.line_search) {
    p.x.resize(n);
    for (std::size_t i = 0; i < n; ++i) p.x[i] = x_[i] - opt_.lr * g_[i];
    p.g.assign(n, 0.0);
    p.f = f(p.x, p.g);
    p.evaluations = 1;
    check_finite(p);
    return p;
  }
  // Steepest descent with a strong-Wolfe search; the first trial reuses the last step's
  // first-order change a_(k-1) g_(k-1).d_(k-1) (N&W eq. 3.60), lr on the first step.
  Vector d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = -g_[i];
  const double slope = dot(g_, d);
  if (!(slope < 0.0)) {  // zero gradient: nowhere to go
    p.progress = false;
    return p;
  }
  double alpha0 = prev_alpha_ > 0.0 ? prev_alpha_ * prev_slope_ / slope : opt_.lr;
  if (!(alpha0 > 0.0) || !std::isfinite(alpha0)) alpha0 = opt_.lr;
  LineSearchResult ls = strong_wolfe(f, x_, f_, g_, d, alpha0, opt_.line);
  p.evaluations = ls.evaluations;
  if (!ls.decreased) {
    p.progress = false;
    return p;
  }
  p.x.resize(n);
  for (std::size_t i = 0; i < n; ++i) p.x[i] = x_[i] + ls.alpha * d[i];
  p.g = std::move(ls.grad);
  p.f = ls.value;
  pending_alpha_ = ls.alpha;
  pending_slope_ = slope;
  return p;
}

void GradientDescent::commit(const Proposal&) {
  if (opt_.line_search) {
    prev_alpha_ = pending_alpha_;
    prev_slope_ = pending_slope_;
  }
}

void GradientDescent::save_method(runs::Group& g) const {
  g.set("lr", opt_.lr);
  g.set("line_search", int64_t(opt_.line_search));
  g.set("previous_alpha", prev_alpha_);
  g.set("previous_slope", prev_slope_);
}

void GradientDescent::load_method(const runs::Group& g) {
  prev_alpha_ = g.attr_double("previous_alpha");
  prev_slope_ = g.attr_double("previous_slope");
}

}  // namespace tnad::optim::detail
