// linalg's op table: one row per differentiable function, with inputs drawn so that the
// tested derivative exists (separated spectra, SPD or well-conditioned matrices) and a
// gauge-invariant readout of multi-output decompositions (docs/adjoints.md, "SVD"):
// singular/eigen vectors enter only through sign-invariant combinations (U o U,
// U diag(c) V^T, V diag(c) V^T), QR/LQ factors directly (diag(R) >= 0 makes them unique).
#include <cmath>
#include <functional>

#include "lapack/kernels.hpp"
#include "common/tensor_util.hpp"
#include "tnad/linalg.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {
namespace ld = linalg_detail;
using V = std::vector<Tensor>;
using Cases = std::vector<std::vector<Shape>>;
using Sampler = std::function<std::vector<NDArray>(const std::vector<Shape>&, uint64_t)>;

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// Random orthogonal matrices (..., n, n): Q of the QR of Gaussians.
NDArray random_orthogonal(const Shape& batch, int64_t n, uint64_t seed) {
  return ld::qr_factors(NDArray::randn(ld::with_matrix(batch, n, n), seed), "sample").Q;
}

// A = Q1 diag(s) Q2^T with s_i = spectrum(i), i < min(m, n).
NDArray with_singular_values(const Shape& shape, uint64_t seed, const std::function<double(int64_t)>& spectrum) {
  const Shape batch = batch_of(shape);
  const int64_t m = shape[shape.size() - 2], n = shape[shape.size() - 1], K = std::min(m, n);
  NDArray D = NDArray::zeros(shape);
  double* d = D.mutable_data();
  for (int64_t b = 0; b < numel(batch); ++b)
    for (int64_t i = 0; i < K; ++i) d[b * m * n + i * n + i] = spectrum(i);
  const NDArray Q1 = random_orthogonal(batch, m, seed), Q2 = random_orthogonal(batch, n, seed + 7);
  return nd::matmul(nd::matmul(Q1, D), Q2, false, true);
}

// Symmetric A = Q diag(w) Q^T.
NDArray with_eigenvalues(const Shape& shape, uint64_t seed, const std::function<double(int64_t)>& w) {
  const Shape batch = batch_of(shape);
  const int64_t n = shape[shape.size() - 1];
  NDArray D = NDArray::zeros(shape);
  double* d = D.mutable_data();
  for (int64_t b = 0; b < numel(batch); ++b)
    for (int64_t i = 0; i < n; ++i) d[b * n * n + i * n + i] = w(i);
  const NDArray Q = random_orthogonal(batch, n, seed);
  return nd::matmul(nd::matmul(Q, D), Q, false, true);
}

double separated(int64_t i) { return 3.0 - 0.4 * double(i); }  // gaps 0.4, all > 0.5
double geometric(int64_t i) { return 2.0 * std::pow(0.6, double(i)); }  // s_{k+1}/s_k = 0.6
double signed_spectrum(int64_t i) { return (i % 2 ? -1.0 : 1.0) * (3.2 - 0.45 * double(i)); }

// Well-conditioned general matrices of scale 1 (so that finite-difference noise,
// ~1e-16 |f| / eps, stays far below atol): 0.3 Gaussian plus I on the square part.
NDArray well_conditioned(const Shape& shape, uint64_t seed) {
  NDArray a = NDArray::randn(shape, seed, 0.0, 0.3);
  const int64_t m = shape[shape.size() - 2], n = shape[shape.size() - 1];
  double* p = a.mutable_data();
  for (int64_t b = 0; b < a.numel() / (m * n); ++b)
    for (int64_t i = 0; i < std::min(m, n); ++i) p[b * m * n + i * n + i] += 1.0;
  return a;
}

Sampler first_input(std::function<NDArray(const Shape&, uint64_t)> f) {
  return [f](const std::vector<Shape>& shapes, uint64_t seed) {
    std::vector<NDArray> out{f(shapes[0], seed)};
    for (size_t i = 1; i < shapes.size(); ++i) out.push_back(NDArray::randn(shapes[i], seed + 31 * i));
    return out;
  };
}

Tensor flat(const Tensor& x, int64_t keep) {
  Shape s(x.shape().begin(), x.shape().begin() + keep);
  s.push_back(-1);
  return reshape(x, s);
}
Tensor weights(int64_t k) {
  NDArray c = NDArray::empty(Shape{k});
  for (int64_t i = 0; i < k; ++i) c.mutable_data()[i] = 1.0 + 0.5 * double(i);
  return Tensor(c);
}

// Sign-invariant readout of (U, S, Vh): U o U, Vh o Vh, S, U diag(c) Vh.
Tensor svd_readout(const Tensor& U, const Tensor& S, const Tensor& Vh) {
  const int64_t nb = S.ndim() - 1;
  const Tensor W = matmul(ld::scale_columns(U, weights(S.size(-1))), Vh);
  return concatenate({flat(U * U, nb), flat(Vh * Vh, nb), S, flat(W, nb)}, -1);
}
Tensor eigh_readout(const Tensor& w, const Tensor& Vm) {
  const int64_t nb = w.ndim() - 1;
  const Tensor W = matmul(ld::scale_columns(Vm, weights(w.size(-1))), transpose(Vm));
  return concatenate({w, flat(Vm * Vm, nb), flat(W, nb)}, -1);
}

OpInfo row(std::string name, std::function<Tensor(const V&)> fn, Cases cases, Sampler sample) {
  OpInfo o;
  o.name = std::move(name);
  o.fn = std::move(fn);
  o.cases = std::move(cases);
  o.sample = std::move(sample);
  o.max_order = 2;
  // Central differences with eps = 1e-6 reach ~1e-9 relative on these well-conditioned
  // inputs; 1e-6 leaves a wide margin without hiding errors.
  o.tolerances.eps = 1e-6;
  o.tolerances.rtol = 1e-6;
  o.tolerances.atol = 1e-8;
  return o;
}

TruncationOptions trunc(int64_t k, SvdMethod method, SvdAdjoint adjoint) {
  TruncationOptions o;
  o.max_rank = k;
  o.method = method;
  o.adjoint = adjoint;
  return o;
}

std::vector<OpInfo> build() {
  std::vector<OpInfo> t;
  const Cases shapes = {{Shape{5, 3}}, {Shape{4, 4}}, {Shape{3, 5}}, {Shape{2, 4, 3}}};
  const auto svd_sample = first_input([](const Shape& s, uint64_t seed) {
    return with_singular_values(s, seed, separated);
  });

  t.push_back(row("svd", [](const V& x) { auto f = svd(x[0]); return svd_readout(f.U, f.S, f.Vh); },
                  shapes, svd_sample));
  t.push_back(row("svd_full_matrices",
                  [](const V& x) {
                    auto f = svd(x[0], {.full_matrices = true});
                    const int64_t K = f.S.size(-1);
                    return svd_readout(slice(f.U, -1, 0, K), f.S, slice(f.Vh, -2, 0, K));
                  },
                  {{Shape{5, 3}}, {Shape{3, 5}}, {Shape{2, 3, 4}}}, svd_sample));
  t.push_back(row("svdvals", [](const V& x) { return svdvals(x[0]); }, shapes, svd_sample));

  // Truncated: discarded/kept ratio 0.6 at the cut, where the old rule is 15-100% off.
  const Cases trunc_shapes = {{Shape{8, 6}}, {Shape{6, 8}}, {Shape{2, 7, 5}}};
  const auto trunc_sample = first_input([](const Shape& s, uint64_t seed) {
    return with_singular_values(s, seed, geometric);
  });
  auto trunc_row = [&](std::string name, TruncationOptions o) {
    return row(std::move(name),
               [o](const V& x) {
                 auto f = svd_truncated(x[0], o);
                 return concatenate({svd_readout(f.U, f.S, f.Vh), expand_dims(f.discarded_weight, -1)}, -1);
               },
               trunc_shapes, trunc_sample);
  };
  t.push_back(trunc_row("svd_truncated", trunc(3, SvdMethod::full, SvdAdjoint::automatic)));
  t.push_back(trunc_row("svd_truncated_sylvester", trunc(3, SvdMethod::full, SvdAdjoint::sylvester)));
  // k + oversampling >= K: the sketch spans the range exactly, so finite differences see
  // the exact truncated SVD (the approximate regime is tested in tests/linalg).
  TruncationOptions exact_sketch = trunc(3, SvdMethod::randomized, SvdAdjoint::automatic);
  exact_sketch.oversampling = 10;
  t.push_back(trunc_row("svd_truncated_randomized", exact_sketch));

  const Cases square = {{Shape{1, 1}}, {Shape{4, 4}}, {Shape{2, 3, 3}}};
  const auto eig_sample = first_input([](const Shape& s, uint64_t seed) {
    return with_eigenvalues(s, seed, signed_spectrum);
  });
  t.push_back(row("eigh", [](const V& x) { auto f = eigh(x[0]); return eigh_readout(f.w, f.V); }, square,
                  eig_sample));
  t.push_back(row("eigvalsh", [](const V& x) { return eigvalsh(x[0]); }, square, eig_sample));
  t.push_back(row("eigh_truncated",
                  [](const V& x) {
                    auto f = eigh_truncated(x[0], {.max_rank = 2});
                    return concatenate({eigh_readout(f.w, f.V), expand_dims(f.discarded_weight, -1)}, -1);
                  },
                  {{Shape{4, 4}}, {Shape{2, 5, 5}}}, eig_sample));
  // Cut by rel_cutoff (|w| > 0.6 * 3.2 keeps 3.2, -2.75, 2.3), multiplets kept (none here).
  t.push_back(row("eigh_truncated_cutoff",
                  [](const V& x) {
                    auto f = eigh_truncated(x[0], {.rel_cutoff = 0.6, .keep_multiplets = true});
                    return concatenate({eigh_readout(f.w, f.V), expand_dims(f.discarded_weight, -1)}, -1);
                  },
                  {{Shape{4, 4}}, {Shape{2, 5, 5}}}, eig_sample));

  const auto general = first_input(well_conditioned);
  const Cases qr_shapes = {{Shape{5, 3}}, {Shape{4, 4}}, {Shape{3, 5}}, {Shape{2, 4, 3}}, {Shape{2, 2, 4}}};
  t.push_back(row("qr", [](const V& x) { auto f = qr(x[0]); return concatenate({flat(f.Q, x[0].ndim() - 2), flat(f.R, x[0].ndim() - 2)}, -1); },
                  qr_shapes, general));
  t.push_back(row("lq", [](const V& x) { auto f = lq(x[0]); return concatenate({flat(f.L, x[0].ndim() - 2), flat(f.Q, x[0].ndim() - 2)}, -1); },
                  qr_shapes, general));

  t.push_back(row("cholesky", [](const V& x) { return cholesky(x[0]); }, square,
                  first_input([](const Shape& s, uint64_t seed) {
                    const NDArray b = NDArray::randn(s, seed);
                    NDArray a = nd::matmul(b, b, false, true);
                    const int64_t n = s[s.size() - 1];
                    double* p = a.mutable_data();
                    for (int64_t i = 0; i < a.numel() / (n * n); ++i)
                      for (int64_t j = 0; j < n; ++j) p[i * n * n + j * n + j] += double(n);
                    return a;
                  })));
  t.push_back(row("solve", [](const V& x) { return solve(x[0], x[1]); },
                  {{Shape{3, 3}, Shape{3, 2}}, {Shape{4, 4}, Shape{4}}, {Shape{2, 3, 3}, Shape{2, 3, 2}},
                   {Shape{2, 3, 3}, Shape{3, 1}}},
                  general));
  t.push_back(row("solve_triangular_upper_left", [](const V& x) { return solve_triangular(x[0], x[1], {.upper = true}); },
                  {{Shape{3, 3}, Shape{3, 2}}, {Shape{2, 4, 4}, Shape{2, 4, 3}}}, general));
  t.push_back(row("solve_triangular_lower_right_unit",
                  [](const V& x) { return solve_triangular(x[0], x[1], {.upper = false, .left = false, .unit_diagonal = true}); },
                  {{Shape{3, 3}, Shape{2, 3}}, {Shape{2, 4, 4}, Shape{2, 3, 4}}}, general));
  t.push_back(row("inv", [](const V& x) { return inv(x[0]); }, square, general));
  t.push_back(row("det", [](const V& x) { return det(x[0]); }, square, general));
  t.push_back(row("slogdet", [](const V& x) { return slogdet(x[0]).logabsdet; }, square, general));
  return t;
}

}  // namespace

const std::vector<OpInfo>& linalg_op_table() {
  static const std::vector<OpInfo> table = build();
  return table;
}

}  // namespace tnad
