// SVD kernels: LAPACK dgesdd (dgesvd fallback), randomized range finder (Halko,
// Martinsson, Tropp, SIAM Rev. 53, 217 (2011), Alg. 4.4 with CholeskyQR2 re-orthonormalisation),
// and the truncated-SVD Sylvester solve (docs/adjoints.md, "truncated SVD", option B) on
// krylov.hpp's batched_cg.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lapack/kernels.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/linalg/krylov.hpp"

namespace tnad::linalg_detail {

static_assert(sizeof(lapack_int) == sizeof(int), "tnad expects LP64 LAPACKE");

namespace {

// Row-major C (rows x cols) = op(A) op(B): libad's dgemm wrapper.
using nd::gemm;

// Row-major Y (rows x cols, rows >= cols) -> orthonormal basis of its columns, in place.
// CholeskyQR2 (Fukaya et al., SIAM J. Sci. Comput. 42, A477 (2020)): twice
// G = Y^T Y = R^T R (dsyrk + dpotrf), Y <- Y R^-1 (dtrsm) — all level 3, ~4x faster than
// Householder for the tall-skinny sketches of the range finder, whose LAPACK panel
// factorization is level 2 and threads badly. Trap: one pass loses orthogonality like
// kappa(Y)^2 eps, so the second pass is only trusted when the first left Q1^T Q1 within
// 0.1 of I (then the result is orthonormal to rounding); otherwise (rank-deficient or
// ill-conditioned sketches: power iterations square the spectrum's decay) Householder LQ
// of the untouched input: the buffer is LAPACK's Y^T (cols x rows); its LQ factor's Q'
// has orthonormal rows, i.e. Y = Q'^T L^T is a QR of Y.
void orthonormalize(double* Y, int64_t rows, int64_t cols, const char* op, int64_t index,
                    const Shape& shape) {
  Scratch backup(Y, rows * cols);
  std::vector<double> G(cols * cols);
  auto cholesky_pass = [&](bool check_orthogonality) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, int(cols), int(rows), 1.0, Y, int(cols), 0.0,
                G.data(), int(cols));
    if (check_orthogonality) {  // |Q1^T Q1 - I|_F <= 0.1 (upper triangle counted twice)
      double dev = 0.0;
      for (int64_t a = 0; a < cols; ++a)
        for (int64_t c = a; c < cols; ++c) {
          const double d = G[a * cols + c] - (a == c ? 1.0 : 0.0);
          dev += (a == c ? 1.0 : 2.0) * d * d;
        }
      if (!(dev <= 0.01)) return false;
    }
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', int(cols), G.data(), int(cols)) != 0) return false;
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, int(rows), int(cols),
                1.0, G.data(), int(cols), Y, int(cols));
    return true;
  };
  if (cholesky_pass(false) && cholesky_pass(true)) return;
  std::copy(backup.data(), backup.data() + rows * cols, Y);
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
  Scratch backup(a, m * n);
  int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, job, int(n), int(m), a, int(n), S, Vh, int(n), U, int(ldvt));
  if (info > 0) {  // divide and conquer failed to converge: retry with QR iteration
    std::copy(backup.data(), backup.data() + m * n, a);
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
    Scratch work(a + i * m * n, m * n);
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
    Scratch work(a + i * m * n, m * n);
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', int(n), int(m), work.data(), int(n), s + i * K,
                              nullptr, 1, nullptr, 1);
    if (info > 0) {
      std::copy(a + i * m * n, a + (i + 1) * m * n, work.data());
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
    Scratch Y(m * l), Z(n * l), B(l * n), Ub(l * l);
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

namespace {
// Rows of Y (r x len, row-major) projected off the span of a basis of q orthonormal vectors,
// given as the columns of U (len x q): Y <- Y - (Y U) U^T, or as the rows of Vh (q x len):
// Y <- Y - (Y Vh^T) Vh. YB: r x q scratch.
inline std::size_t sz(int64_t n) { return static_cast<std::size_t>(n); }

void project_rows(double* Y, int64_t r, int64_t len, const double* B, int64_t q, bool basis_in_rows, double* YB) {
  const auto t = basis_in_rows ? CblasTrans : CblasNoTrans, nt = basis_in_rows ? CblasNoTrans : CblasTrans;
  const int ldb = int(basis_in_rows ? len : q);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, t, int(r), int(q), int(len), 1.0, Y, int(len), B, ldb, 0.0, YB, int(q));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, nt, int(r), int(len), int(q), -1.0, YB, int(q), B, ldb, 1.0, Y, int(len));
}
}  // namespace

NDArray shifted_gram_solve(const NDArray& M, const NDArray& s, const NDArray& R, const char* op,
                           const GramDeflation& deflation, const GramProjectors& projectors) {
  const MatrixBatch b = matrix_batch(M, op);
  const int64_t m = b.m, n = b.n, k = s.size(-1);
  if (R.shape() != with_matrix(b.batch, m, k) || s.shape() != with_vector(b.batch, k))
    throw_error(op, ": shifted Gram solve got M ", M.shape(), ", s ", s.shape(), ", R ", R.shape());
  const int64_t pw = deflation.W.defined() ? deflation.W.size(-1) : 0;
  if (pw > 0 && (deflation.W.shape() != with_matrix(b.batch, m, pw) ||
                 deflation.sw.shape() != with_vector(b.batch, pw)))
    throw_error(op, ": shifted Gram solve got deflation W ", deflation.W.shape(), ", sw ",
                deflation.sw.shape(), " for M ", M.shape());
  const int64_t q = projectors.U.defined() ? projectors.U.size(-1) : 0;
  if (projectors.U.defined() && (projectors.U.shape() != with_matrix(b.batch, m, q) ||
                                 !projectors.Vh.defined() || projectors.Vh.shape() != with_matrix(b.batch, q, n)))
    throw_error(op, ": shifted Gram solve got projectors U ", projectors.U.shape(), ", Vh ",
                projectors.Vh.defined() ? projectors.Vh.shape() : Shape{}, " for A ", M.shape());
  if (!nd::all_finite(R))
    throw_error(op, ": the right-hand side of the adjoint's Sylvester solve contains NaN or Inf (a non-finite cotangent)");
  const double* Up = q > 0 ? projectors.U.data() : nullptr;
  const double* Vhp = q > 0 ? projectors.Vh.data() : nullptr;
  NDArray X = NDArray::empty(R.shape());
  const double* Mp = M.data();
  const double* sp = s.data();
  const double* Rp = R.data();
  const double* Wp = pw > 0 ? deflation.W.data() : nullptr;
  const double* swp = pw > 0 ? deflation.sw.data() : nullptr;
  double* Xp = X.mutable_data();
  // Column j solves L_j x_j = r_j, L_j = s_j^2 I - M M^T: k independent SPD systems sharing
  // M M^T, solved side by side by batched_cg (krylov.hpp) with one pair of GEMMs per
  // iteration on the columns still iterating. Unpreconditioned, the rate is
  // (sqrt(kappa)-1)/(sqrt(kappa)+1) with kappa = s_j^2/(s_j^2 - s_{k+1}^2): ~16 iterations to
  // 1e-15 at s_{k+1}/s_k = 0.6 (the plain fixed-point sweep of docs/adjoints.md, "truncated
  // SVD", needs ~70). The slow directions are the discarded singular vectors just below the
  // cut. Given approximations W of them (the randomized sketch's oversampled columns, or the
  // next exact triplets), the preconditioner
  //   P_j^-1 = I / s_j^2 + W diag(1/(s_j^2 - sw^2) - 1/s_j^2) W^T
  // inverts L_j exactly on span(W) and is SPD (denominators clamped away from 0), so
  // P_j^-1 L_j has its spectrum clustered at 1 up to the error of W and the tail below sw:
  // a few iterations. A column that meets a direction of non-positive curvature (a cut
  // through a multiplet, where the true gradient diverges) or misses the tolerance keeps its
  // last finite iterate: that is this caller's decision (keep_multiplets avoids the case).
  // The systems are rows of (k x m) blocks: the per-column dot products are contiguous and
  // the two GEMMs are k x m x n shaped, which OpenBLAS runs ~1.4x faster than m x k x n for
  // k << m.
  SolveOptions cg_options;
  cg_options.tol = 1e-14;
  cg_options.max_iter = 2000;
  for_each_matrix(b.count, 4 * m * n * k * 20, [&](int64_t i) {
    const double* Mi = Mp + i * m * n;
    const double* si = sp + i * k;
    const double* Wi = pw > 0 ? Wp + i * m * pw : nullptr;
    const double* Ri = Rp + i * m * k;
    const double* Ui = q > 0 ? Up + i * m * q : nullptr;
    const double* Vhi = q > 0 ? Vhp + i * q * n : nullptr;
    std::vector<double> s2(sz(k)), C(sz(k * pw));
    for (int64_t j = 0; j < k; ++j) {
      s2[sz(j)] = si[j] * si[j];
      if (!(s2[sz(j)] > 0.0)) continue;  // s_j = 0: P = I for this column (C stays 0)
      for (int64_t w = 0; w < pw; ++w) {
        const double sw = swp[i * pw + w];
        C[sz(j * pw + w)] = 1.0 / std::max(s2[sz(j)] - sw * sw, 1e-3 * s2[sz(j)]) - 1.0 / s2[sz(j)];
      }
    }
    // Rows j of P (kk x m) are the vectors of the systems cols[j]: L P = P diag(s^2) - (M M^T P^T)^T.
    const RowsMap L = [&](const Tensor& rows, std::span<const int64_t> cols) {
      const int64_t kk = rows.size(0);
      const double* P = rows.data();
      NDArray out = NDArray::empty(Shape{kk, m});
      double* Lp = out.mutable_data();
      Scratch T(kk * n);
      if (q > 0) {
        // Rows are vectors: M^T p = P_V A^T P_U p, M t = P_U A t. P_U on p is exact
        // arithmetic on an iterate that lies in range(P_U) up to rounding; keeping it makes
        // the operator the one the dense A_perp defines.
        Scratch Z(P, kk * m), small(kk * q);
        project_rows(Z.data(), kk, m, Ui, q, false, small.data());
        gemm(false, false, kk, n, m, Z.data(), m, Mi, n, T.data(), n);  // T = (A^T P_U P)^T
        project_rows(T.data(), kk, n, Vhi, q, true, small.data());      // T = (P_V A^T P_U P)^T
        gemm(false, true, kk, m, n, T.data(), n, Mi, n, Lp, m);         // Lp = (A T)^T
        project_rows(Lp, kk, m, Ui, q, false, small.data());            // Lp = (M M^T P)^T
      } else {
        gemm(false, false, kk, n, m, P, m, Mi, n, T.data(), n);  // T = (M^T P)^T
        gemm(false, true, kk, m, n, T.data(), n, Mi, n, Lp, m);  // Lp = (M M^T P)^T
      }
      for (int64_t j = 0; j < kk; ++j) {
        const double sj = s2[sz(cols[sz(j)])];
        for (int64_t r = 0; r < m; ++r) Lp[j * m + r] = P[j * m + r] * sj - Lp[j * m + r];
      }
      return Tensor(out);
    };
    // z = P^-1 r (P = I where s_j = 0: then L_j = -M M^T, and CG stops the column at once).
    const RowsMap precondition = [&](const Tensor& rows, std::span<const int64_t> cols) {
      const int64_t kk = rows.size(0);
      const double* r = rows.data();
      NDArray out = NDArray::empty(Shape{kk, m});
      double* z = out.mutable_data();
      for (int64_t j = 0; j < kk; ++j) {
        const double sj = s2[sz(cols[sz(j)])];
        const double f = sj > 0.0 ? 1.0 / sj : 1.0;
        for (int64_t e = 0; e < m; ++e) z[j * m + e] = f * r[j * m + e];
      }
      if (pw == 0) return Tensor(out);
      Scratch RW(kk * pw);
      gemm(false, false, kk, pw, m, r, m, Wi, pw, RW.data(), pw);  // (W^T r)^T
      for (int64_t j = 0; j < kk; ++j)
        for (int64_t w = 0; w < pw; ++w) RW[j * pw + w] *= C[sz(cols[sz(j)] * pw + w)];
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(kk), int(m), int(pw), 1.0, RW.data(), int(pw), Wi,
                  int(pw), 1.0, z, int(m));  // z += W (C o W^T r)
      return Tensor(out);
    };
    NDArray Rt = NDArray::empty(Shape{k, m});
    double* rt = Rt.mutable_data();
    for (int64_t row = 0; row < m; ++row)
      for (int64_t j = 0; j < k; ++j) rt[j * m + row] = Ri[row * k + j];
    const BatchedSolveResult res = batched_cg(L, Tensor(Rt), cg_options, precondition);
    const double* xt = res.x.data();
    double* Xi = Xp + i * m * k;
    for (int64_t row = 0; row < m; ++row)
      for (int64_t j = 0; j < k; ++j) Xi[row * k + j] = xt[j * m + row];
  });
  return X;
}

}  // namespace tnad::linalg_detail
