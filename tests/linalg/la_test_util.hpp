// Helpers for the linalg tests: NDArray <-> Eigen views, random matrices with a chosen
// spectrum, and a directional central-difference check of a scalar loss.
#pragma once
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>

#include "tnad/ad.hpp"
#include "tnad/linalg.hpp"

namespace la_test {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

// Matrix b of a (..., m, n) array as an Eigen row-major matrix (a copy).
inline Mat mat(const tnad::NDArray& a, int64_t b = 0) {
  const int64_t m = a.size(-2), n = a.size(-1);
  return Eigen::Map<const Mat>(a.data() + b * m * n, m, n);
}
inline Mat mat(const tnad::Tensor& t, int64_t b = 0) { return mat(t.value(), b); }
inline Vec vec(const tnad::NDArray& a, int64_t b = 0) {
  const int64_t k = a.size(-1);
  return Eigen::Map<const Vec>(a.data() + b * k, k);
}
inline Vec vec(const tnad::Tensor& t, int64_t b = 0) { return vec(t.value(), b); }
inline tnad::NDArray arr(const Mat& m) {
  return tnad::NDArray::from(tnad::Shape{m.rows(), m.cols()}, m.data());
}

// Orthogonal n x n from the QR of a Gaussian (Eigen, independent of the code under test).
inline Mat random_orthogonal(int64_t n, uint64_t seed) {
  const Mat g = mat(tnad::NDArray::randn(tnad::Shape{n, n}, seed));
  Eigen::HouseholderQR<Mat> qr(g);
  return qr.householderQ();
}
// A = Q1 diag(s) Q2^T, m x n with min(m, n) = s.size().
inline Mat with_singular_values(int64_t m, int64_t n, const std::vector<double>& s, uint64_t seed) {
  Mat d = Mat::Zero(m, n);
  for (size_t i = 0; i < s.size(); ++i) d(i, i) = s[i];
  return random_orthogonal(m, seed) * d * random_orthogonal(n, seed + 1).transpose();
}
inline Mat with_eigenvalues(const std::vector<double>& w, uint64_t seed) {
  const int64_t n = int64_t(w.size());
  const Mat q = random_orthogonal(n, seed);
  return q * Eigen::Map<const Vec>(w.data(), n).asDiagonal() * q.transpose();
}

struct FdReport {
  double max_rel = 0.0;  // max over directions of |fd - ad| / max(|fd|, |ad|)
  bool finite = true;    // the analytic gradient has no NaN/Inf
};

// Central differences of a scalar loss along `directions` random unit directions:
// 2-point (error ~h^2 + 1e-16 |L| / h), or with five_point the 4th-order stencil
// (-L(2h) + 8 L(h) - 8 L(-h) + L(-2h)) / 12h, whose truncation error ~h^4 allows a larger
// h and so less rounding noise: a sharper reference for losses of size O(10).
inline FdReport directional_check(const std::function<tnad::Tensor(const tnad::Tensor&)>& loss,
                                  const tnad::NDArray& x, double h = 1e-6, int directions = 3,
                                  uint64_t seed = 77, bool five_point = false) {
  using namespace tnad;
  FdReport r;
  const Tensor X(x, true);
  const Tensor g = grad(loss(X), X);
  r.finite = nd::all_finite(g.value());
  for (int k = 0; k < directions; ++k) {
    NDArray d = NDArray::randn(x.shape(), seed + 13 * k);
    d = nd::mul(d, 1.0 / nd::norm(d));
    const double ad = nd::dot(g.value(), d);
    auto at = [&](double t) {
      NoGradGuard ng;
      return loss(Tensor(nd::axpby(1.0, x, t, d))).item();
    };
    const double fd = five_point ? (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
                                 : (at(h) - at(-h)) / (2 * h);
    const double scale = std::max(std::abs(fd), std::abs(ad));
    r.max_rel = std::max(r.max_rel, scale > 0 ? std::abs(fd - ad) / scale : 0.0);
  }
  return r;
}

// The largest-|.| entry of every column is positive (the gauge convention of svd/eigh).
inline bool columns_sign_fixed(const Mat& u) {
  for (int64_t j = 0; j < u.cols(); ++j) {
    Eigen::Index i;
    u.col(j).cwiseAbs().maxCoeff(&i);
    if (u(i, j) < 0) return false;
  }
  return true;
}

}  // namespace la_test
