// eigh, QR and Cholesky kernels (LAPACK on the row-major buffer; see kernels.hpp).
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lapack/kernels.hpp"

namespace tnad::linalg_detail {

namespace {
// (A + A^T)/2 of one row-major n x n matrix: symmetric, so row- and column-major agree.
void symmetrized(const double* a, int64_t n, double* out) {
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c) out[r * n + c] = 0.5 * (a[r * n + c] + a[c * n + r]);
}
}  // namespace

EighFactors eigh_factors(const NDArray& A, bool vectors, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const int64_t n = b.n;
  EighFactors f;
  f.w = NDArray::empty(with_vector(b.batch, n));
  if (vectors) f.V = NDArray::empty(A.shape());
  const double* a = A.data();
  double* w = f.w.mutable_data();
  double* v = vectors ? f.V.mutable_data() : nullptr;
  const char job = vectors ? 'V' : 'N';
  for_each_matrix(b.count, 4 * n * n * n, [&](int64_t i) {
    std::vector<double> work(n * n);
    symmetrized(a + i * n * n, n, work.data());
    double* wi = w + i * n;
    int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, job, 'L', int(n), work.data(), int(n), wi);
    if (info > 0) {  // divide and conquer failed: retry with the QL/QR iteration
      symmetrized(a + i * n * n, n, work.data());
      info = LAPACKE_dsyev(LAPACK_COL_MAJOR, job, 'L', int(n), work.data(), int(n), wi);
      if (info > 0) lapack_error(op, "dsyev", info, i, A.shape(), "the eigensolver did not converge");
    }
    if (info < 0) lapack_error(op, "dsyevd", info, i, A.shape(), "illegal argument");
    if (vectors) {
      // Column-major eigenvectors: vector j is work[j*n .. j*n+n); V[r][j] = work[j*n + r].
      double* Vi = v + i * n * n;
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < n; ++j) Vi[r * n + j] = work[j * n + r];
      fix_signs(Vi, n, n, n, nullptr, 0);
    }
  });
  return f;
}

TridiagonalEigh tridiagonal_eigh(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const int64_t n = b.n, packed = n * (n - 1) / 2, nt = std::max<int64_t>(n - 1, 1);
  TridiagonalEigh f;
  f.count = b.count;
  f.n = n;
  f.w = NDArray::empty(Shape{b.count, n});
  f.Z = NDArray::empty(Shape{b.count, n, n});
  f.reflectors = NDArray::empty(Shape{b.count, std::max<int64_t>(packed, 1)});
  f.tau = NDArray::empty(Shape{b.count, nt});
  const double* a = A.data();
  double *w = f.w.mutable_data(), *Z = f.Z.mutable_data(), *R = f.reflectors.mutable_data(),
         *tau = f.tau.mutable_data();
  for_each_matrix(b.count, 4 * n * n * n, [&](int64_t i) {
    Scratch work(n * n), e(nt);
    symmetrized(a + i * n * n, n, work.data());
    double* wi = w + i * n;
    int info;
    {
      const SerialBlas serial(n <= kSerialLapackMaxN);  // dsytrd is half BLAS-2 (dsymv)
      info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', int(n), work.data(), int(n), wi, e.data(), tau + i * nt);
    }
    if (info != 0) lapack_error(op, "dsytrd", info, i, A.shape(), "illegal argument");
    // Column c's reflector lies in rows c+2..n-1 (row c+1 holds e, read as 1 by dormtr).
    double* Ri = R + i * std::max<int64_t>(packed, 1);
    for (int64_t c = 0, o = 0; c + 1 < n; o += n - 1 - c, ++c)
      std::copy(work.data() + c * n + c + 1, work.data() + (c + 1) * n, Ri + o);
    Scratch d(wi, n), ee(e.data(), nt);
    double* Zi = Z + i * n * n;
    {
      // dstedc's merges are GEMMs of at most n/2 x n/2 x n/2: up to n = 512 one thread is
      // faster (n = 512: 2.6 ms against 3.2 with two threads, 3.2 against 4.1 under
      // OMP_WAIT_POLICY=passive; n = 1024: 52 against 47 ms, so larger n keep the threads).
      const SerialBlas serial(n <= kSerialStedcMaxN);
      info = LAPACKE_dstedc(LAPACK_COL_MAJOR, 'I', int(n), wi, e.data(), Zi, int(n));
      if (info > 0) {  // divide and conquer failed: the implicit QL/QR iteration
        std::copy(d.data(), d.data() + n, wi);
        info = LAPACKE_dsteqr(LAPACK_COL_MAJOR, 'I', int(n), wi, ee.data(), Zi, int(n));
        if (info > 0) lapack_error(op, "dsteqr", info, i, A.shape(), "the eigensolver did not converge");
      }
    }
    if (info < 0) lapack_error(op, "dstedc", info, i, A.shape(), "illegal argument");
  });
  return f;
}

void apply_q(const TridiagonalEigh& f, int64_t i, bool transpose, double* X, int64_t k) {
  const int64_t n = f.n, packed = std::max<int64_t>(n * (n - 1) / 2, 1);
  if (n < 2 || k < 1) return;  // Q = I
  // dormtr reads the reflectors below the diagonal of an n x n array (and writes its
  // subdiagonal, restored on return): unpack them into one.
  Scratch q(n * n);
  q.fill(0.0);
  const double* Ri = f.reflectors.data() + i * packed;
  for (int64_t c = 0, o = 0; c + 1 < n; o += n - 1 - c, ++c)
    std::copy(Ri + o, Ri + o + (n - 1 - c), q.data() + c * n + c + 1);
  // Trap: LAPACK (3.11) dormtr answers a workspace query with NW * NB, without the TSIZE =
  // (NBMAX + 1) NBMAX of block-reflector T factors that dormqr's blocked path needs on top;
  // given the queried size (LAPACKE_dormtr), dormqr silently takes the unblocked dorm2r
  // (dlarf, BLAS-2): 1.50 ms instead of 0.94 at n = 512, k = 32, same values. So the
  // workspace is sized for the blocked path here (NB <= NBMAX = 64).
  constexpr int64_t kNbMax = 64;
  const int64_t lwork = k * kNbMax + (kNbMax + 1) * kNbMax;
  Scratch work(lwork);
  const SerialBlas serial(n <= kSerialLapackMaxN);
  const int info = LAPACKE_dormtr_work(LAPACK_COL_MAJOR, 'L', 'L', transpose ? 'T' : 'N', int(n), int(k), q.data(),
                                       int(n), f.tau.data() + i * std::max<int64_t>(n - 1, 1), X, int(n), work.data(),
                                       int(lwork));
  if (info != 0) lapack_error("eigh_truncated", "dormtr", info, i, Shape{n, n}, "illegal argument");
}

void eigenvectors(const TridiagonalEigh& f, int64_t i, const int64_t* cols, int64_t k, double* V) {
  const int64_t n = f.n;
  const double* Zi = f.Z.data() + i * n * n;  // row j = eigenvector j of T
  Scratch X(n * k);                           // column-major n x k
  for (int64_t j = 0; j < k; ++j) {
    const double* z = Zi + (cols ? cols[j] : j) * n;
    std::copy(z, z + n, X.data() + j * n);
  }
  apply_q(f, i, false, X.data(), k);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j) V[r * k + j] = X[j * n + r];
}

QrFactors qr_factors(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_finite(A, op);
  const int64_t m = b.m, n = b.n, K = std::min(m, n);
  QrFactors f{NDArray::empty(with_matrix(b.batch, m, K)), NDArray::empty(with_matrix(b.batch, K, n))};
  const double* a = A.data();
  double* q = f.Q.mutable_data();
  double* rr = f.R.mutable_data();
  for_each_matrix(b.count, 2 * m * n * K, [&](int64_t i) {
    // LAPACK sees A^T (n x m, ld n). Its LQ, A^T = L' Q', is A's QR: A = Q'^T L'^T.
    std::vector<double> work(a + i * m * n, a + (i + 1) * m * n), tau(K);
    int info = LAPACKE_dgelqf(LAPACK_COL_MAJOR, int(n), int(m), work.data(), int(n), tau.data());
    if (info != 0) lapack_error(op, "dgelqf", info, i, A.shape(), "illegal argument");
    // R = L'^T: R[r][c] = L'(c, r) = work[c + r*n] for c >= r, i.e. the row-major upper part.
    double* Ri = rr + i * K * n;
    for (int64_t r = 0; r < K; ++r)
      for (int64_t c = 0; c < n; ++c) Ri[r * n + c] = c >= r ? work[r * n + c] : 0.0;
    // Q' (K x m) from the top K rows of the reflectors; as a row-major m x K buffer it is Q.
    double* Qi = q + i * m * K;
    for (int64_t c = 0; c < m; ++c)
      for (int64_t r = 0; r < K; ++r) Qi[c * K + r] = work[c * n + r];
    info = LAPACKE_dorglq(LAPACK_COL_MAJOR, int(K), int(m), int(K), Qi, int(K), tau.data());
    if (info != 0) lapack_error(op, "dorglq", info, i, A.shape(), "illegal argument");
    // diag(R) >= 0: flip row r of R and column r of Q together.
    for (int64_t r = 0; r < K; ++r) {
      if (Ri[r * n + r] >= 0.0) continue;
      for (int64_t c = r; c < n; ++c) Ri[r * n + c] = -Ri[r * n + c];
      for (int64_t row = 0; row < m; ++row) Qi[row * K + r] = -Qi[row * K + r];
    }
  });
  return f;
}

NDArray cholesky_factor(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const int64_t n = b.n;
  NDArray L = NDArray::empty(A.shape());
  const double* a = A.data();
  double* l = L.mutable_data();
  for_each_matrix(b.count, n * n * n / 3, [&](int64_t i) {
    double* Li = l + i * n * n;
    symmetrized(a + i * n * n, n, Li);
    // Column-major 'U' is the row-major lower triangle: A = U'^T U' = L L^T with L = U'^T.
    const int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', int(n), Li, int(n));
    if (info > 0)
      throw_error(op, ": matrix ", i, " of input ", A.shape(),
                  " is not positive definite (LAPACK dpotrf info = ", info, ": leading minor of order ",
                  info, " is not positive)");
    if (info < 0) lapack_error(op, "dpotrf", info, i, A.shape(), "illegal argument");
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = r + 1; c < n; ++c) Li[r * n + c] = 0.0;
  });
  return L;
}

}  // namespace tnad::linalg_detail
