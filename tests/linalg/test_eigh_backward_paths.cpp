// eigh_truncated's exact adjoint has two forms (eigh.cpp): a thin one from the tridiagonal
// factors, O(n^2 k) (first-order backwards), and the full rule on every column (recorded
// backwards, i.e. second derivatives, and a cotangent on the discarded eigenvalues). They
// are one rule with one regularised F, so they must agree to rounding on every spectrum the
// CTMRG meets (graded over many decades, +-w pairs, exact multiplets inside the kept block),
// for any subset of the cotangents and batched; and the thin form must match eigh's own
// (independent) rule with the cotangents zero-padded, and finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

struct Terms {
  bool w, V;
};

Tensor loss_of(const Tensor& w, const Tensor& V, const Terms& terms) {
  Tensor L;
  auto add = [&](const Tensor& t, uint64_t seed) {
    const Tensor term = vdot(Tensor(NDArray::randn(t.shape(), seed)), t);
    L = L.defined() ? L + term : term;
  };
  if (terms.w) add(w, 21);
  if (terms.V) add(V, 22);
  return L;
}

NDArray truncated_grad(const NDArray& A, const Truncation& t, const Terms& terms, const DegeneracyOptions& deg,
                       bool create_graph) {
  const Tensor x(A, true);
  const auto f = eigh_truncated(x, t, deg);
  GradOptions o;
  o.create_graph = create_graph;
  const Tensor g = grad({loss_of(f.w, f.V, terms)}, {x}, {}, o)[0];
  EXPECT_EQ(g.requires_grad(), create_graph);
  return g.value();
}

// A loss of the kept pairs that does not depend on the basis chosen inside a degenerate
// kept eigenspace (nor on the vectors' signs): eigh and eigh_truncated factor A by different
// LAPACK paths, so only such a loss is comparable between them.
Tensor invariant_loss(const Tensor& w, const Tensor& V) {
  const int64_t n = V.size(-2);
  const Tensor G1(NDArray::randn(Shape{n, n}, 31)), G2(NDArray::randn(Shape{n, n}, 32));
  return sum(w * w * w) + vdot(G1, matmul(V * expand_dims(w, -2), transpose(V))) + vdot(G2, matmul(V, transpose(V)));
}

// That loss through eigh (every pair recorded) and a constant selection of the columns
// eigh_truncated keeps: eigh's full rule with zero-padded cotangents.
NDArray reference_grad(const NDArray& A, const Truncation& t) {
  const int64_t n = A.size(-1);
  const int64_t k = eigh_truncated(Tensor(A), t).w.size(-1);
  const Tensor x(A, true);
  const Eigh e = eigh(x);
  const double* w = e.w.value().data();
  std::vector<int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    if (std::abs(w[a]) != std::abs(w[b])) return std::abs(w[a]) > std::abs(w[b]);
    return w[a] > w[b];
  });
  NDArray E = NDArray::zeros(Shape{n, k});
  for (int64_t j = 0; j < k; ++j) E.mutable_data()[order[std::size_t(j)] * k + j] = 1.0;
  const Tensor sel(E);
  const Tensor wk = reshape(matmul(reshape(e.w, Shape{1, n}), sel), Shape{k});
  return grad(invariant_loss(wk, matmul(e.V, sel)), x).value();
}

NDArray truncated_invariant_grad(const NDArray& A, const Truncation& t) {
  const Tensor x(A, true);
  const auto f = eigh_truncated(x, t);
  return grad(invariant_loss(f.w, f.V), x).value();
}

double max_rel_diff(const NDArray& a, const NDArray& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double d = 0.0, s = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    d = std::max(d, std::abs(a.data()[i] - b.data()[i]));
    s = std::max(s, std::abs(b.data()[i]));
  }
  EXPECT_TRUE(std::isfinite(d));
  return s > 0 ? d / s : d;
}

// A CTMRG-like spectrum: |w| graded over ~12 decades, signs mixed.
std::vector<double> graded(int64_t n) {
  std::vector<double> w(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) w[std::size_t(i)] = (i % 3 == 1 ? -1.0 : 1.0) * std::exp(-0.45 * double(i));
  return w;
}

struct Case {
  std::string name;
  NDArray A;
  Truncation t;
};

std::vector<Case> cases() {
  std::vector<double> pair = graded(12);
  pair[2] = -pair[1];  // a +-w pair inside the kept block
  std::vector<double> multiplet = graded(10);
  multiplet[1] = multiplet[2] = multiplet[3] = 0.5;  // an exact triplet inside the kept block
  return {
      {"graded 60, k 12", arr(with_eigenvalues(graded(60), 1)), {.max_rank = 12}},
      {"graded 30, k 30", arr(with_eigenvalues(graded(30), 2)), {.max_rank = 30}},
      {"+-w pair, k 5", arr(with_eigenvalues(pair, 3)), {.max_rank = 5}},
      {"triplet, k 6", arr(with_eigenvalues(multiplet, 4)), {.max_rank = 6}},
      {"gaussian 25, k 1", NDArray::randn(Shape{25, 25}, 5), {.max_rank = 1}},
      {"batch 3x20x20, k 4", NDArray::randn(Shape{3, 20, 20}, 6), {.max_rank = 4}},
  };
}

TEST(EighTruncatedBackwardPaths, ThinAndFullRuleAgree) {
  DegeneracyOptions cutoff;
  cutoff.rule = Broadening::cutoff;
  for (const Case& c : cases())
    for (const DegeneracyOptions& deg : {DegeneracyOptions{}, cutoff})
      for (const Terms& terms : {Terms{true, true}, Terms{true, false}, Terms{false, true}}) {
        const std::string what = c.name + (deg.rule == Broadening::cutoff ? " cutoff" : " lorentzian") + " w" +
                                 std::to_string(terms.w) + " V" + std::to_string(terms.V);
        EXPECT_LT(max_rel_diff(truncated_grad(c.A, c.t, terms, deg, false), truncated_grad(c.A, c.t, terms, deg, true)),
                  1e-12)
            << what;
      }
}

// Against eigh, whose dsyevd rounds differently: the two gradients can differ by the
// rounding of w amplified by F, ~eps max|w| / (smallest gap); allowed 100 times that. An exact
// multiplet is left out: there both rules drop the within-multiplet terms (F = 0 where the
// gap is below its width, docs/linalg.md "Degeneracy options"), and for a loss like
// <G, V diag(w) V^T> those are finite in the limit (a_ij ~ (w_j - w_i)), so the two
// factorisations' different rounding of the "equal" values gives different gradients.
TEST(EighTruncatedBackwardPaths, ThinEqualsEighsRuleWithZeroPaddedCotangents) {
  int compared = 0;
  for (const Case& c : cases()) {
    if (c.A.ndim() != 2) continue;
    // the smallest gap F sees: a kept value against any other
    const NDArray wa = eigh(Tensor(c.A)).w.value(), wk = eigh_truncated(Tensor(c.A), c.t).w.value();
    double gap = 1e300, scale = 0.0;
    bool multiplet = false;
    for (int64_t i = 0; i < wa.numel(); ++i) scale = std::max(scale, std::abs(wa.data()[i]));
    for (int64_t j = 0; j < wk.numel(); ++j) {
      int near = 0;  // values within 1e-6 scale of kept value j: itself, and a multiplet's others
      for (int64_t i = 0; i < wa.numel(); ++i) {
        const double d = std::abs(wk.data()[j] - wa.data()[i]);
        if (d <= 1e-6 * scale) ++near;
        else gap = std::min(gap, d);
      }
      multiplet = multiplet || near > 1;
    }
    if (multiplet) continue;  // see above
    ++compared;
    EXPECT_LT(max_rel_diff(truncated_invariant_grad(c.A, c.t), reference_grad(c.A, c.t)), 100 * 2.2e-16 * scale / gap)
        << c.name;
  }
  EXPECT_GE(compared, 3);
}

// A loss invariant under the vectors' signs; no discarded-weight term, so the thin form runs.
TEST(EighTruncatedBackwardPaths, ThinGradientMatchesFiniteDifferences) {
  const int64_t n = 30;
  const NDArray A = arr(with_eigenvalues(graded(n), 8));
  const Tensor G1(NDArray::randn(Shape{n, n}, 9)), G2(NDArray::randn(Shape{n, n}, 10));
  auto loss = [&](const Tensor& x) {
    const auto f = eigh_truncated(x, {.max_rank = 7});
    return sum(f.w * f.w * f.w) + vdot(G1, matmul(f.V * expand_dims(f.w, -2), transpose(f.V))) +
           vdot(G2, matmul(f.V, transpose(f.V)));
  };
  const auto r = directional_check(loss, A, 1e-4, 4, 11, /*five_point=*/true);
  EXPECT_TRUE(r.finite);
  EXPECT_LT(r.max_rel, 1e-8);
}

}  // namespace
