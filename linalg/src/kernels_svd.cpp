// SVD kernels: LAPACK dgesdd (dgesvd fallback), randomized range finder (Halko,
// Martinsson, Tropp, SIAM Rev. 53, 217 (2011), Alg. 4.4 with QR re-orthonormalisation),
// and the CG solve of the truncated-SVD Sylvester system (linalg-adjoints.md 1.2, B).
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.hpp"

namespace tnad::linalg_detail {

static_assert(sizeof(lapack_int) == sizeof(int), "tnad expects LP64 LAPACKE");

namespace {

// Row-major C (rows x cols) = op(A) op(B).
void gemm(bool ta, bool tb, int64_t rows, int64_t cols, int64_t inner, const double* A, int64_t lda,
          const double* B, int64_t ldb, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(rows),
              int(cols), int(inner), 1.0, A, int(lda), B, int(ldb), 0.0, C, int(ldc));
}

// Row-major Y (rows x cols, rows >= cols) -> orthonormal basis of its columns, in place.
// The buffer is LAPACK's Y^T (cols x rows); its LQ factor's Q' has orthonormal rows,
// i.e. Y = Q'^T L^T is a QR of Y (linalg-adjoints.md 0).
void orthonormalize(double* Y, int64_t rows, int64_t cols, const char* op, int64_t index,
                    const Shape& shape) {
  std::vector<double> tau(cols);
  int info = LAPACKE_dgelqf(LAPACK_COL_MAJOR, int(cols), int(rows), Y, int(cols), tau.data());
  if (info != 0) lapack_error(op, "dgelqf", info, index, shape, "illegal argument");
  info = LAPACKE_dorglq(LAPACK_COL_MAJOR, int(cols), int(rows), int(cols), Y, int(cols), tau.data());
  if (info != 0) lapack_error(op, "dorglq", info, index, shape, "illegal argument");
}

// Thin/full SVD of one row-major m x n matrix `a` (destroyed). LAPACK sees A^T (n x m):
// A^T = U' S V'^T, hence A = V' S U'^T: U = V' and V = U'. Written with the leading
// dimensions below, LAPACK's U' lands in our Vh (row-major Vh = col-major V) and its
// V'^T in our U (row-major U = col-major U^T = V'^T): no copies.
void gesdd_rowmajor(double* a, int64_t m, int64_t n, bool full, double* U, double* S, double* Vh,
                    const char* op, int64_t index, const Shape& shape) {
  const int64_t K = std::min(m, n);
  const char job = full ? 'A' : 'S';
  const int64_t ldvt = full ? m : K;
  std::vector<double> backup(a, a + m * n);
  int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, job, int(n), int(m), a, int(n), S, Vh, int(n), U, int(ldvt));
  if (info > 0) {  // divide and conquer failed to converge: retry with QR iteration
    std::copy(backup.begin(), backup.end(), a);
    std::vector<double> superb(std::max<int64_t>(K, 2));
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, job, job, int(n), int(m), a, int(n), S, Vh, int(n), U,
                          int(ldvt), superb.data());
    if (info > 0) lapack_error(op, "dgesvd", info, index, shape, "the SVD did not converge");
  }
  if (info < 0) lapack_error(op, "dgesdd", info, index, shape, "illegal argument");
}

}  // namespace

SvdFactors svd_factors(const NDArray& A, bool full, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_finite(A, op);
  const int64_t m = b.m, n = b.n, K = std::min(m, n);
  const int64_t ucols = full ? m : K, vrows = full ? n : K;
  SvdFactors f{NDArray::empty(with_matrix(b.batch, m, ucols)), NDArray::empty(with_vector(b.batch, K)),
               NDArray::empty(with_matrix(b.batch, vrows, n))};
  const double* a = A.data();
  double* u = f.U.mutable_data();
  double* s = f.S.mutable_data();
  double* vh = f.Vh.mutable_data();
  for_each_matrix(b.count, m * n * K, [&](int64_t i) {
    std::vector<double> work(a + i * m * n, a + (i + 1) * m * n);
    double* Ui = u + i * m * ucols;
    double* Vi = vh + i * vrows * n;
    gesdd_rowmajor(work.data(), m, n, full, Ui, s + i * K, Vi, op, i, A.shape());
    fix_signs(Ui, m, ucols, K, Vi, n);
    if (full) {  // the extra columns of U and rows of Vh are independent of each other
      fix_signs(Ui + K, m, ucols, ucols - K, nullptr, 0);
      for (int64_t r = K; r < vrows; ++r) {
        double* row = Vi + r * n;
        int64_t best = 0;
        for (int64_t c = 1; c < n; ++c)
          if (std::abs(row[c]) > std::abs(row[best])) best = c;
        if (row[best] < 0)
          for (int64_t c = 0; c < n; ++c) row[c] = -row[c];
      }
    }
  });
  return f;
}

NDArray singular_values(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_finite(A, op);
  const int64_t m = b.m, n = b.n, K = std::min(m, n);
  NDArray S = NDArray::empty(with_vector(b.batch, K));
  const double* a = A.data();
  double* s = S.mutable_data();
  for_each_matrix(b.count, m * n * K, [&](int64_t i) {
    std::vector<double> work(a + i * m * n, a + (i + 1) * m * n);
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', int(n), int(m), work.data(), int(n), s + i * K,
                              nullptr, 1, nullptr, 1);
    if (info > 0) {
      std::copy(a + i * m * n, a + (i + 1) * m * n, work.begin());
      std::vector<double> superb(std::max<int64_t>(K, 2));
      info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', int(n), int(m), work.data(), int(n), s + i * K,
                            nullptr, 1, nullptr, 1, superb.data());
      if (info > 0) lapack_error(op, "dgesvd", info, i, A.shape(), "the SVD did not converge");
    }
    if (info < 0) lapack_error(op, "dgesdd", info, i, A.shape(), "illegal argument");
  });
  return S;
}

SvdFactors randomized_svd_factors(const NDArray& A, int64_t rank, int64_t oversampling,
                                  int power_iterations, uint64_t seed, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_finite(A, op);
  const int64_t m = b.m, n = b.n, K = std::min(m, n);
  if (rank < 1) throw_error(op, ": randomized SVD needs max_rank >= 1, got ", rank);
  if (oversampling < 0) throw_error(op, ": oversampling must be >= 0, got ", oversampling);
  if (power_iterations < 0) throw_error(op, ": power_iterations must be >= 0, got ", power_iterations);
  const int64_t l = std::min(rank + oversampling, K);
  SvdFactors f{NDArray::empty(with_matrix(b.batch, m, l)), NDArray::empty(with_vector(b.batch, l)),
               NDArray::empty(with_matrix(b.batch, l, n))};
  const NDArray omega = NDArray::randn(Shape{n, l}, seed);
  const double* a = A.data();
  const double* om = omega.data();
  double* u = f.U.mutable_data();
  double* s = f.S.mutable_data();
  double* vh = f.Vh.mutable_data();
  for_each_matrix(b.count, m * n * l * (2 * power_iterations + 2), [&](int64_t i) {
    const double* Ai = a + i * m * n;
    std::vector<double> Y(m * l), Z(n * l), B(l * n), Ub(l * l);
    gemm(false, false, m, l, n, Ai, n, om, l, Y.data(), l);  // Y = A Omega
    orthonormalize(Y.data(), m, l, op, i, A.shape());
    for (int q = 0; q < power_iterations; ++q) {
      gemm(true, false, n, l, m, Ai, n, Y.data(), l, Z.data(), l);  // Z = A^T Q
      orthonormalize(Z.data(), n, l, op, i, A.shape());
      gemm(false, false, m, l, n, Ai, n, Z.data(), l, Y.data(), l);  // Y = A Z
      orthonormalize(Y.data(), m, l, op, i, A.shape());
    }
    gemm(true, false, l, n, m, Y.data(), l, Ai, n, B.data(), n);  // B = Q^T A  (l x n)
    double* Ui = u + i * m * l;
    double* Vi = vh + i * l * n;
    gesdd_rowmajor(B.data(), l, n, false, Ub.data(), s + i * l, Vi, op, i, A.shape());
    gemm(false, false, m, l, l, Y.data(), l, Ub.data(), l, Ui, l);  // U = Q Ub
    fix_signs(Ui, m, l, l, Vi, n);
  });
  return f;
}

NDArray shifted_gram_solve(const NDArray& M, const NDArray& s, const NDArray& R, const char* op) {
  const MatrixBatch b = matrix_batch(M, op);
  const int64_t m = b.m, n = b.n, k = s.size(-1);
  if (R.shape() != with_matrix(b.batch, m, k) || s.shape() != with_vector(b.batch, k))
    throw_error(op, ": shifted Gram solve got M ", M.shape(), ", s ", s.shape(), ", R ", R.shape());
  NDArray X = NDArray::zeros(R.shape());
  const double* Mp = M.data();
  const double* sp = s.data();
  const double* Rp = R.data();
  double* Xp = X.mutable_data();
  // CG per column on (s_j^2 I - M M^T) x_j = r_j, all columns sharing the two GEMMs per
  // iteration. The rate is (sqrt(kappa)-1)/(sqrt(kappa)+1) with kappa = s_k^2/(s_k^2 -
  // s_{k+1}^2): ~16 iterations to 1e-15 at s_{k+1}/s_k = 0.6, where the plain fixed-point
  // sweep of linalg-adjoints.md 1.2 needs ~70. A column whose curvature p^T L p is not
  // positive (a cut through a multiplet) stops there, so the result stays finite.
  constexpr double tol = 1e-14;
  constexpr int max_iter = 2000;
  for_each_matrix(b.count, 4 * m * n * k * 20, [&](int64_t i) {
    const double* Mi = Mp + i * m * n;
    const double* si = sp + i * k;
    double* x = Xp + i * m * k;
    std::vector<double> r(Rp + i * m * k, Rp + (i + 1) * m * k), p(r), T(n * k), Lp(m * k);
    std::vector<double> rr(k, 0.0), target(k), alpha(k), beta(k), pLp(k);
    std::vector<char> active(k);
    for (int64_t row = 0; row < m; ++row)
      for (int64_t j = 0; j < k; ++j) rr[j] += r[row * k + j] * r[row * k + j];
    int64_t n_active = 0;
    for (int64_t j = 0; j < k; ++j) {
      target[j] = tol * tol * rr[j];
      active[j] = rr[j] > 0.0;
      n_active += active[j];
    }
    for (int it = 0; it < max_iter && n_active > 0; ++it) {
      gemm(true, false, n, k, m, Mi, n, p.data(), k, T.data(), k);   // T = M^T P
      gemm(false, false, m, k, n, Mi, n, T.data(), k, Lp.data(), k);  // Lp = M M^T P
      std::fill(pLp.begin(), pLp.end(), 0.0);
      for (int64_t row = 0; row < m; ++row)
        for (int64_t j = 0; j < k; ++j) {
          double& v = Lp[row * k + j];
          v = p[row * k + j] * si[j] * si[j] - v;
          pLp[j] += p[row * k + j] * v;
        }
      for (int64_t j = 0; j < k; ++j) {
        alpha[j] = 0.0;
        if (!active[j]) continue;
        // Curvature at rounding level (or negative): the system is singular or indefinite
        // along p (a cut through a multiplet, or s_j below a discarded value). Stop the
        // column with its current finite iterate rather than divide by ~0.
        double pp = 0.0;
        for (int64_t row = 0; row < m; ++row) pp += p[row * k + j] * p[row * k + j];
        if (!(pLp[j] > 64 * std::numeric_limits<double>::epsilon() * si[j] * si[j] * pp)) {
          active[j] = 0;
          --n_active;
          continue;
        }
        alpha[j] = rr[j] / pLp[j];
      }
      std::vector<double> rr_new(k, 0.0);
      for (int64_t row = 0; row < m; ++row)
        for (int64_t j = 0; j < k; ++j) {
          if (alpha[j] == 0.0) continue;
          x[row * k + j] += alpha[j] * p[row * k + j];
          r[row * k + j] -= alpha[j] * Lp[row * k + j];
          rr_new[j] += r[row * k + j] * r[row * k + j];
        }
      for (int64_t j = 0; j < k; ++j) {
        beta[j] = 0.0;
        if (!active[j] || alpha[j] == 0.0) continue;
        if (rr_new[j] <= target[j]) {
          active[j] = 0;
          --n_active;
          continue;
        }
        beta[j] = rr_new[j] / rr[j];
        rr[j] = rr_new[j];
      }
      for (int64_t row = 0; row < m; ++row)
        for (int64_t j = 0; j < k; ++j)
          if (active[j]) p[row * k + j] = r[row * k + j] + beta[j] * p[row * k + j];
    }
  });
  return X;
}

}  // namespace tnad::linalg_detail
