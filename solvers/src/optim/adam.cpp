#include <cmath>

#include "methods.hpp"
#include "tnad/ad/error.hpp"

namespace tnad::optim::detail {

void Adam::reset() {
  m_.assign(x_.size(), 0.0);
  v_.assign(x_.size(), 0.0);
}

// Kingma & Ba 2015, Algorithm 1: m, v are exponential averages of g and g^2; dividing by
// (1 - beta^t) removes their bias towards the zero initialization.
Optimizer::Proposal Adam::propose(const Objective& f) {
  const std::size_t n = x_.size();
  const double t = double(steps_ + 1);
  const double c1 = 1.0 - std::pow(opt_.beta1, t), c2 = 1.0 - std::pow(opt_.beta2, t);
  Proposal p;
  pending_m_.resize(n);
  pending_v_.resize(n);
  p.x.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    pending_m_[i] = opt_.beta1 * m_[i] + (1.0 - opt_.beta1) * g_[i];
    pending_v_[i] = opt_.beta2 * v_[i] + (1.0 - opt_.beta2) * g_[i] * g_[i];
    double mhat = pending_m_[i] / c1, vhat = pending_v_[i] / c2;
    p.x[i] = x_[i] - opt_.lr * mhat / (std::sqrt(vhat) + opt_.eps);
  }
  p.g.assign(n, 0.0);
  p.f = f(p.x, p.g);
  p.evaluations = 1;
  check_finite(p);
  return p;
}

void Adam::commit(const Proposal&) {
  m_.swap(pending_m_);
  v_.swap(pending_v_);
}

void Adam::save_method(runs::Group& g) const {
  g.set("lr", opt_.lr);
  g.set("beta1", opt_.beta1);
  g.set("beta2", opt_.beta2);
  g.set("eps", opt_.eps);
  g.put("m", runs::Dataset::of(m_));
  g.put("v", runs::Dataset::of(v_));
}

void Adam::load_method(const runs::Group& g) {
  Vector m = g.doubles("m"), v = g.doubles("v");
  if (m.size() != x_.size() || v.size() != x_.size())
    throw_error("checkpoint ", g.path(), ": Adam moments have ", m.size(), "/", v.size(),
                " entries, x has ", x_.size());
  m_ = std::move(m);
  v_ = std::move(v);
}

}  // namespace tnad::optim::detail
