#include <cmath>
#include <sstream>

#include "methods.hpp"
#include "tnad/ad/error.hpp"

namespace tnad::optim {

namespace detail {
double dot(const Vector& a, const Vector& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double norm(const Vector& a) { return std::sqrt(dot(a, a)); }
}  // namespace detail

const char* to_string(Method m) {
  switch (m) {
    case Method::gd: return "gd";
    case Method::adam: return "adam";
    case Method::lbfgs: return "lbfgs";
  }
  return "?";
}

Method method_from_string(const std::string& s) {
  if (s == "gd") return Method::gd;
  if (s == "adam") return Method::adam;
  if (s == "lbfgs") return Method::lbfgs;
  throw_error("unknown optimizer method '", s, "' (choose gd, adam or lbfgs)");
}

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::none: return "none";
    case StopReason::grad_tol: return "grad_tol";
    case StopReason::energy_tol: return "energy_tol";
    case StopReason::max_steps: return "max_steps";
    case StopReason::no_progress: return "no_progress";
  }
  return "?";
}

Optimizer::Optimizer(const Options& o) : opt_(o), rng_(o.seed) {
  if (!(o.lr > 0.0)) throw_error("optimizer: lr must be > 0, got ", o.lr);
  if (o.history < 1) throw_error("optimizer: history must be >= 1, got ", o.history);
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0)) throw_error("optimizer: beta1 must be in [0, 1), got ", o.beta1);
  if (!(o.beta2 >= 0.0 && o.beta2 < 1.0)) throw_error("optimizer: beta2 must be in [0, 1), got ", o.beta2);
  if (!(o.line.c1 > 0.0 && o.line.c1 < o.line.c2 && o.line.c2 < 1.0))
    throw_error("optimizer: line search needs 0 < c1 < c2 < 1, got c1 = ", o.line.c1, ", c2 = ", o.line.c2);
}

double Optimizer::grad_norm() const { return detail::norm(g_); }

namespace {
// The line search and the stopping test need g.g; beyond ~1e154 per component it overflows.
void check_gradient_scale(const Vector& g, const char* method, const std::string& where) {
  for (double gi : g)
    if (!std::isfinite(gi)) throw_error(method, ": the gradient is not finite ", where);
  if (!std::isfinite(detail::dot(g, g)))
    throw_error(method, ": the gradient ", where, " is too large for double precision (|g|^2 overflows); ",
                "rescale the objective");
}
}  // namespace

void Optimizer::start(const Objective& f, Vector x0) {
  Vector g(x0.size(), 0.0);
  double v = f(x0, g);
  if (!std::isfinite(v)) throw_error(to_string(opt_.method), ": objective is not finite at the starting point (", v, ")");
  check_gradient_scale(g, to_string(opt_.method), "at the starting point");
  x_ = std::move(x0);
  g_ = std::move(g);
  f_ = v;
  prev_f_ = 0.0;
  has_prev_ = stalled_ = false;
  steps_ = 0;
  evals_ = 1;
  rng_.seed(opt_.seed);
  started_ = true;
  reset();
}

void Optimizer::check_finite(const Proposal& p) const {
  if (!std::isfinite(p.f))
    throw_error(to_string(opt_.method), ": objective became ", p.f, " at step ", steps_ + 1,
                " (diverging: lower optimizer.lr)");
  for (double gi : p.g)
    if (!std::isfinite(gi))
      throw_error(to_string(opt_.method), ": gradient became non-finite at step ", steps_ + 1,
                  " (diverging: lower optimizer.lr)");
}

StepInfo Optimizer::step(const Objective& f) {
  if (!started_) throw_error(to_string(opt_.method), ": step() before start()");
  Proposal p = propose(f);  // may throw: nothing changed yet
  StepInfo info;
  if (!p.progress) {
    stalled_ = true;
    ++steps_;
    evals_ += p.evaluations;
    prev_f_ = f_;
    has_prev_ = true;
    info = {steps_, f_, grad_norm(), 0.0, p.evaluations};
    return info;
  }
  commit(p);  // the method's own state, while x_, g_ still hold the previous iterate
  double s2 = 0.0;
  for (std::size_t i = 0; i < x_.size(); ++i) s2 += (p.x[i] - x_[i]) * (p.x[i] - x_[i]);
  prev_f_ = f_;
  has_prev_ = true;
  stalled_ = false;
  x_ = p.x;
  g_ = p.g;
  f_ = p.f;
  ++steps_;
  evals_ += p.evaluations;
  return {steps_, f_, grad_norm(), std::sqrt(s2), p.evaluations};
}

StopReason Optimizer::should_stop(const StopCriteria& c) const {
  if (!started_) return StopReason::none;
  if (grad_norm() <= c.grad_tol) return StopReason::grad_tol;
  if (stalled_) return StopReason::no_progress;
  if (c.energy_tol > 0.0 && has_prev_ && std::abs(f_ - prev_f_) <= c.energy_tol)
    return StopReason::energy_tol;
  if (steps_ >= c.max_steps) return StopReason::max_steps;
  return StopReason::none;
}

void Optimizer::save(runs::Group& g) const {
  if (!started_) throw_error(to_string(opt_.method), ": save() before start()");
  g.set("method", to_string(opt_.method));
  g.set("steps", steps_);
  g.set("evaluations", evals_);
  g.set("value", f_);
  g.set("previous_value", prev_f_);
  g.set("has_previous", int64_t(has_prev_));
  g.set("stalled", int64_t(stalled_));
  g.put("x", runs::Dataset::of(x_));
  g.put("grad", runs::Dataset::of(g_));
  std::ostringstream rng;
  rng << rng_;
  g.put("rng", runs::Dataset::scalar(rng.str()));
  save_method(g);
}

void Optimizer::load(const runs::Group& g) {
  const std::string m = g.attr_string("method");
  if (m != to_string(opt_.method))
    throw_error("checkpoint ", g.path(), " holds optimizer '", m, "', the config asks for '",
                to_string(opt_.method), "'");
  Vector x = g.doubles("x"), gr = g.doubles("grad");
  if (x.size() != gr.size()) throw_error("checkpoint ", g.path(), ": x and grad differ in size");
  std::mt19937_64 rng;
  std::istringstream is(g.dataset("rng").string(g.path() + "/rng"));
  is >> rng;
  if (!is) throw_error("checkpoint ", g.path(), "/rng: not a valid random-generator state");
  x_ = std::move(x);
  g_ = std::move(gr);
  steps_ = g.attr_int("steps");
  evals_ = g.attr_int("evaluations");
  f_ = g.attr_double("value");
  prev_f_ = g.attr_double("previous_value");
  has_prev_ = g.attr_int("has_previous") != 0;
  stalled_ = g.attr_int("stalled") != 0;
  rng_ = rng;
  started_ = true;
  load_method(g);
}

std::unique_ptr<Optimizer> make_optimizer(const Options& o) {
  switch (o.method) {
    case Method::gd: return std::make_unique<detail::GradientDescent>(o);
    case Method::adam: return std::make_unique<detail::Adam>(o);
    case Method::lbfgs: return std::make_unique<detail::LBFGS>(o);
  }
  throw_error("make_optimizer: unknown method");
}

Result minimize(const Objective& f, Vector x0, Optimizer& opt, const StopCriteria& stop,
                const std::function<void(const StepInfo&)>& on_step) {
  opt.start(f, std::move(x0));
  StopReason r;
  while ((r = opt.should_stop(stop)) == StopReason::none) {
    StepInfo info = opt.step(f);
    if (on_step) on_step(info);
  }
  return {opt.x(), opt.value(), opt.grad_norm(), opt.steps(), opt.evaluations(), r};
}

}  // namespace tnad::optim
