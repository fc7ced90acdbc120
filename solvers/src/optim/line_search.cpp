#include "tnad/solvers/line_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tnad/ad/error.hpp"

namespace tnad::optim {

namespace {

double dot(const Vector& a, const Vector& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi];
// the midpoint when the cubic has no minimizer or the data are not finite.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         double lo, double hi) {
  double d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
  double d2sq = d1 * d1 - g1 * g2;
  if (std::isfinite(d2sq) && d2sq >= 0.0) {
    double d2 = std::sqrt(d2sq);
    double pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
                          : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2));
    if (std::isfinite(pos)) return std::min(std::max(pos, lo), hi);
  }
  return 0.5 * (lo + hi);
}

struct Point {
  double t = 0.0, f = 0.0, slope = 0.0;
  Vector g;
};

}  // namespace

LineSearchResult strong_wolfe(const Objective& fn, const Vector& x, double f0, const Vector& g0,
                              const Vector& d, double alpha0, const LineSearchOptions& opt) {
  const double slope0 = dot(g0, d);
  if (!(slope0 < 0.0)) throw_error("strong_wolfe: not a descent direction (g.d = ", slope0, ")");
  if (!(alpha0 > 0.0)) throw_error("strong_wolfe: initial step must be > 0, got ", alpha0);
  const std::size_t n = x.size();
  double d_inf = 0.0, x_inf = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    d_inf = std::max(d_inf, std::abs(d[i]));
    x_inf = std::max(x_inf, std::abs(x[i]));
  }
  // Below this bracket width the trial points no longer differ in x (round-off).
  const double min_width = 4.0 * std::numeric_limits<double>::epsilon() * (1.0 + x_inf) / d_inf;

  LineSearchResult res;
  Vector xt(n);
  auto eval = [&](double t) {
    Point p;
    p.t = t;
    p.g.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) xt[i] = x[i] + t * d[i];
    p.f = fn(xt, p.g);
    ++res.evaluations;
    if (!std::isfinite(p.f)) {  // overflow far along d: "too far", shrink
      p.f = std::numeric_limits<double>::infinity();
      p.slope = std::numeric_limits<double>::infinity();
    } else {
      p.slope = dot(p.g, d);
      if (!std::isfinite(p.slope)) { p.f = p.slope = std::numeric_limits<double>::infinity(); }
    }
    return p;
  };
  // Sufficient decrease, or its derivative form where f's change is below round-off.
  const double f_noise = opt.approx_eps * std::abs(f0);
  auto armijo_fails = [&](const Point& p) {
    if (p.f <= f0 + opt.c1 * p.t * slope0) return false;
    return !(std::abs(p.f - f0) <= f_noise && p.slope <= (2.0 * opt.c1 - 1.0) * slope0);
  };
  // "a is not lower than b"; inside the round-off band of f the derivative decides (the
  // sign tests below then bracket the minimizer).
  auto not_lower = [&](const Point& a, const Point& b) {
    return a.f >= b.f && !(std::abs(a.f - b.f) <= f_noise && std::isfinite(a.f));
  };
  auto curvature_ok = [&](const Point& p) { return std::abs(p.slope) <= -opt.c2 * slope0; };

  Point prev{0.0, f0, slope0, g0};
  Point lo, hi;  // the bracket: lo has the lowest f so far and satisfies Armijo
  bool have_bracket = false, done = false;
  Point best = prev;
  double t = alpha0;

  // ---- bracketing (N&W Algorithm 3.5)
  int iter = 0;
  while (res.evaluations < opt.max_evaluations) {
    Point cur = eval(t);
    if (cur.f < best.f) best = cur;
    if (armijo_fails(cur) || (iter > 0 && not_lower(cur, prev))) {
      lo = prev; hi = cur; have_bracket = true;
      break;
    }
    if (curvature_ok(cur)) {
      best = cur; done = true;
      break;
    }
    if (cur.slope >= 0.0) {
      lo = cur; hi = prev; have_bracket = true;
      break;
    }
    // extrapolate: at least a bit beyond t, at most 10x
    double t_next = cubic_interpolate(prev.t, prev.f, prev.slope, cur.t, cur.f, cur.slope,
                                      cur.t + 0.01 * (cur.t - prev.t), cur.t * 10.0);
    prev = std::move(cur);
    t = t_next;
    ++iter;
  }

  // ---- zoom (N&W Algorithm 3.6)
  bool insufficient_progress = false;
  while (have_bracket && !done && res.evaluations < opt.max_evaluations) {
    double a = std::min(lo.t, hi.t), b = std::max(lo.t, hi.t);
    if (b - a < min_width) break;
    double tz;
    if (!std::isfinite(hi.f)) {
      tz = 0.5 * (a + b);
    } else if (std::abs(hi.f - lo.f) <= f_noise && hi.slope != lo.slope) {
      // f differences are round-off: a cubic fitted to them is noise, the derivatives
      // are not. The secant root of the slope is exact for a quadratic.
      tz = lo.t - lo.slope * (hi.t - lo.t) / (hi.slope - lo.slope);
      tz = std::isfinite(tz) ? std::min(std::max(tz, a), b) : 0.5 * (a + b);
    } else {
      tz = cubic_interpolate(lo.t, lo.f, lo.slope, hi.t, hi.f, hi.slope, a, b);
    }
    // Keep trial points away from the ends, else the bracket may shrink by a hair per step.
    double margin = 0.1 * (b - a);
    if (std::min(b - tz, tz - a) < margin) {
      if (insufficient_progress || tz >= b || tz <= a) {
        tz = std::abs(tz - b) < std::abs(tz - a) ? b - margin : a + margin;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    Point cur = eval(tz);
    if (cur.f < best.f) best = cur;
    if (armijo_fails(cur) || not_lower(cur, lo)) {
      hi = std::move(cur);
    } else {
      if (curvature_ok(cur)) {
        best = cur; done = true;
        break;
      }
      if (cur.slope * (hi.t - lo.t) >= 0.0) hi = lo;
      lo = std::move(cur);
    }
  }

  // Accept the best point that satisfies sufficient decrease (the bracket's lo end or the
  // Wolfe point); otherwise report no decrease.
  const Point& acc = done ? best : (have_bracket && lo.t > 0.0 ? lo : best);
  if (acc.t > 0.0 && !armijo_fails(acc) && (acc.f < f0 || (done && acc.f <= f0 + f_noise))) {
    res.alpha = acc.t;
    res.value = acc.f;
    res.grad = acc.g;
    res.wolfe = done;
    res.decreased = true;
  } else {
    res.alpha = 0.0;
    res.value = f0;
    res.grad = g0;
  }
  return res;
}

}  // namespace tnad::optim
