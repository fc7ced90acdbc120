#include <cmath>

#include "methods.hpp"
#include "tnad/ad/error.hpp"

namespace tnad::optim::detail {

void LBFGS::reset() {
  pairs_.clear();
  pending_reset_ = false;
}

// Two-loop recursion (N&W Algorithm 7.4): d = -H_k g with H_k^0 = gamma I,
// gamma = s.y / y.y of the newest pair (N&W eq. 7.20).
Vector LBFGS::direction() const {
  const std::size_t n = g_.size(), m = pairs_.size();
  Vector q = g_;
  std::vector<double> a(m);
  for (std::size_t k = m; k-- > 0;) {
    const Pair& p = pairs_[k];
    a[k] = p.rho * dot(p.s, q);
    for (std::size_t i = 0; i < n; ++i) q[i] -= a[k] * p.y[i];
  }
  double gamma = 1.0;
  if (m > 0) gamma = 1.0 / (pairs_.back().rho * dot(pairs_.back().y, pairs_.back().y));
  for (std::size_t i = 0; i < n; ++i) q[i] *= gamma;
  for (std::size_t k = 0; k < m; ++k) {
    const Pair& p = pairs_[k];
    double b = p.rho * dot(p.y, q);
    for (std::size_t i = 0; i < n; ++i) q[i] += (a[k] - b) * p.s[i];
  }
  for (double& v : q) v = -v;
  return q;
}

Optimizer::Proposal LBFGS::propose(const Objective& f) {
  const std::size_t n = x_.size();
  Proposal p;
  const double gnorm = norm(g_);
  if (!(gnorm > 0.0)) {
    p.progress = false;
    return p;
  }
  // Try the quasi-Newton direction; on a non-descent direction or a failed search restart
  // once from steepest descent (the history may hold stale curvature).
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool steepest = attempt == 1 || pairs_.empty();
    Vector d;
    if (steepest) {
      d.resize(n);
      for (std::size_t i = 0; i < n; ++i) d[i] = -g_[i];
    } else {
      d = direction();
    }
    const double slope = dot(g_, d);
    if (!(slope < 0.0)) {
      if (steepest) break;
      continue;
    }
    // A restart keeps the newest curvature scale s.y / y.y (N&W eq. 7.20) as first trial;
    // without any curvature information the first trial moves x by at most 1.
    double alpha0 = 1.0;
    if (steepest) {
      alpha0 = std::min(1.0, 1.0 / gnorm);
      if (!pairs_.empty()) {
        const Pair& p = pairs_.back();
        alpha0 = 1.0 / (p.rho * dot(p.y, p.y));
      }
    }
    LineSearchResult ls = strong_wolfe(f, x_, f_, g_, d, alpha0, opt_.line);
    p.evaluations += ls.evaluations;
    if (ls.decreased) {
      p.x.resize(n);
      for (std::size_t i = 0; i < n; ++i) p.x[i] = x_[i] + ls.alpha * d[i];
      p.g = std::move(ls.grad);
      p.f = ls.value;
      pending_reset_ = steepest && !pairs_.empty();
      return p;
    }
    if (steepest) break;
  }
  p.progress = false;
  return p;
}

void LBFGS::commit(const Proposal& p) {
  if (pending_reset_) pairs_.clear();
  const std::size_t n = x_.size();
  Pair pr{Vector(n), Vector(n), 0.0};
  for (std::size_t i = 0; i < n; ++i) {
    pr.s[i] = p.x[i] - x_[i];
    pr.y[i] = p.g[i] - g_[i];
  }
  const double sy = dot(pr.s, pr.y);
  // Skip pairs without positive curvature: H would lose positive definiteness.
  if (sy > 1e-12 * norm(pr.s) * norm(pr.y)) {
    pr.rho = 1.0 / sy;
    pairs_.push_back(std::move(pr));
    while (int(pairs_.size()) > opt_.history) pairs_.pop_front();
  }
  pending_reset_ = false;
}

void LBFGS::save_method(runs::Group& g) const {
  const std::size_t n = x_.size(), m = pairs_.size();
  g.set("history", int64_t(opt_.history));
  std::vector<double> s(m * n), y(m * n), rho(m);
  for (std::size_t k = 0; k < m; ++k) {
    std::copy(pairs_[k].s.begin(), pairs_[k].s.end(), s.begin() + k * n);
    std::copy(pairs_[k].y.begin(), pairs_[k].y.end(), y.begin() + k * n);
    rho[k] = pairs_[k].rho;
  }
  // (pairs, n), oldest first
  g.put("s", runs::Dataset::of(std::move(s), {int64_t(m), int64_t(n)}));
  g.put("y", runs::Dataset::of(std::move(y), {int64_t(m), int64_t(n)}));
  g.put("rho", runs::Dataset::of(std::move(rho), {int64_t(m)}));
}

void LBFGS::load_method(const runs::Group& g) {
  const std::size_t n = x_.size();
  const auto& sd = g.dataset("s");
  const auto& yd = g.dataset("y");
  std::vector<double> s = sd.as_doubles(g.path() + "/s"), y = yd.as_doubles(g.path() + "/y"),
                      rho = g.doubles("rho");
  const std::size_t m = rho.size();
  if (s.size() != m * n || y.size() != m * n)
    throw_error("checkpoint ", g.path(), ": L-BFGS history does not match ", m, " pairs of size ", n);
  if (int(m) > opt_.history)
    throw_error("checkpoint ", g.path(), " holds ", m, " L-BFGS pairs, more than optimizer.history = ",
                opt_.history);
  pairs_.clear();
  for (std::size_t k = 0; k < m; ++k) {
    Pair p{Vector(s.begin() + k * n, s.begin() + (k + 1) * n),
           Vector(y.begin() + k * n, y.begin() + (k + 1) * n), rho[k]};
    pairs_.push_back(std::move(p));
  }
  pending_reset_ = false;
}

}  // namespace tnad::optim::detail
