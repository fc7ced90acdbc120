// Krylov solvers on linear maps of tensors (krylov.hpp): CG (one system and a batch of
// independent rows), restarted GMRES, thick-restart Lanczos and Krylov-Schur Arnoldi.
// Vectors are the flat float64 buffers of tensors; the small projected problems go to
// LAPACK (dgels, dsyev, dgeev, dgees, dtrsen).
#include "tnad/linalg/krylov.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include "tnad/ad/error.hpp"
#include "tnad/ad/interrupt.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

inline std::size_t sz(int64_t n) { return static_cast<std::size_t>(n); }

void check_solve_options(const SolveOptions& o, const char* who) {
  if (!(o.tol > 0.0) || !std::isfinite(o.tol)) throw_error(who, ": tol must be finite and > 0, got ", o.tol);
  if (o.max_iter < 1) throw_error(who, ": max_iter must be >= 1, got ", o.max_iter);
  if (o.restart < 1) throw_error(who, ": restart must be >= 1, got ", o.restart);
}

// The float64 value of a defined tensor, named in errors as `what`.
NDArray value_of(const Tensor& t, const char* who, const char* what) {
  if (!t.defined()) throw_error(who, ": ", what, " is undefined");
  if (t.value().dtype() != DType::f64)
    throw_error(who, ": ", what, " of shape ", t.shape(), " has dtype ", dtype_name(t.value().dtype()),
                "; only float64 is implemented");
  return t.value();
}

// A map's output, checked: same shape as its input, float64, and (if `finite`) finite.
NDArray checked_output(const Tensor& y, const Shape& in, const char* who, const char* what, bool finite = true) {
  if (!y.defined()) throw_error(who, ": the ", what, " returned an undefined tensor for an input of shape ", in);
  if (y.shape() != in)
    throw_error(who, ": the ", what, " returned shape ", y.shape(), " for an input of shape ", in,
                " (a linear map must keep the shape)");
  if (y.value().dtype() != DType::f64) throw_error(who, ": the ", what, " returned dtype ", dtype_name(y.value().dtype()));
  if (finite && !nd::all_finite(y.value()))
    throw_error(who, ": the ", what, " returned NaN or Inf for an input of shape ", in);
  return y.value();
}

// Every Krylov method applies its map here (or in apply_rows below): the interruption point
// of a long solve (interrupt.hpp).
NDArray apply(const LinearMap& A, const NDArray& x, const char* who, const char* what = "linear map") {
  interruption_point();
  return checked_output(A(Tensor(x)), x.shape(), who, what);
}

double dot(int64_t n, const double* a, const double* b) { return cblas_ddot(int(n), a, 1, b, 1); }

// w <- w - Q^T (Q w) twice (classical Gram-Schmidt, reorthogonalized: orthogonal to
// rounding), Q the first `rows` rows (length N) of a row-major basis. h (rows) receives the
// summed coefficients. Returns |w|.
double orthogonalize(const double* Q, int64_t rows, int64_t N, double* w, double* h) {
  if (rows == 0) return cblas_dnrm2(int(N), w, 1);
  std::vector<double> h2(sz(rows), 0.0);
  std::fill(h, h + rows, 0.0);
  for (int pass = 0; pass < 2; ++pass) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, int(rows), int(N), 1.0, Q, int(N), w, 1, 0.0, h2.data(), 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, int(rows), int(N), -1.0, Q, int(N), h2.data(), 1, 1.0, w, 1);
    for (int64_t i = 0; i < rows; ++i) h[i] += h2[sz(i)];
  }
  return cblas_dnrm2(int(N), w, 1);
}

// Rows [first, first + count) of a (k, ...) array, as a (count, ...) array.
NDArray take_rows(const NDArray& a, const std::vector<int64_t>& rows, int64_t row_len) {
  Shape s = a.shape();
  s[0] = int64_t(rows.size());
  NDArray out = NDArray::empty(s);
  const double* pa = a.data();
  double* po = out.mutable_data();
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::copy(pa + rows[i] * row_len, pa + (rows[i] + 1) * row_len, po + int64_t(i) * row_len);
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------- CG

BatchedSolveResult batched_cg(const RowsMap& A, const Tensor& B_in, const SolveOptions& o, const RowsMap& M) {
  const char* who = "batched_cg";
  check_solve_options(o, who);
  if (!A) throw_error(who, ": the linear map is empty");
  const NDArray B = value_of(B_in, who, "the right-hand side");
  if (B.ndim() < 1) throw_error(who, ": the right-hand side must have a leading axis of systems, got shape ", B.shape());
  if (!nd::all_finite(B)) throw_error(who, ": the right-hand side contains NaN or Inf");
  NoGradGuard no_grad;
  const int64_t k = B.size(0), N = k > 0 ? B.numel() / k : 0;
  BatchedSolveResult res;
  res.iterations.assign(sz(k), 0);
  res.residual.assign(sz(k), 0.0);
  res.converged.assign(sz(k), false);
  NDArray out = NDArray::zeros(B.shape());
  if (k == 0 || N == 0) {
    res.converged.assign(sz(k), true);
    res.all_converged = true;
    res.x = Tensor(out);
    return res;
  }
  double* px_out = out.mutable_data();
  // Packed state of the rows still iterating: row i is system sys[i].
  enum Status { iterating, converged, stopped };
  const std::size_t K = sz(k);
  std::vector<int64_t> sys(K);
  std::iota(sys.begin(), sys.end(), 0);
  std::vector<double> rr(K), rz(K), target(K), bnorm(K);
  std::vector<Status> status(K, iterating);
  NDArray X = NDArray::zeros(B.shape()), R = B.clone(), P, Z;
  for (int64_t j = 0; j < k; ++j) {
    const double b2 = dot(N, R.data() + j * N, R.data() + j * N);
    rr[sz(j)] = b2;
    bnorm[sz(j)] = std::sqrt(b2);
    target[sz(j)] = o.tol * o.tol * b2;
    if (!(b2 > 0.0)) status[sz(j)] = converged;  // x = 0 solves it
  }
  // (Finiteness is checked on the inner products below, which a NaN or Inf reaches.)
  auto apply_rows = [&](const RowsMap& f, const NDArray& rows, const char* what) {
    interruption_point();
    const std::span<const int64_t> s(sys.data(), sz(rows.size(0)));
    return checked_output(f(Tensor(rows), s), rows.shape(), who, what, /*finite=*/false);
  };
  auto not_finite = [&](const char* what) {
    throw_error(who, ": the ", what, " returned NaN or Inf (rows of shape ", B.shape(), ")");
  };
  // Writes the rows that stopped to `out` and packs the others to the front.
  auto retire = [&] {
    std::vector<int64_t> keep;
    const int64_t kk = int64_t(sys.size());
    for (int64_t i = 0; i < kk; ++i) {
      const std::size_t j = sz(sys[sz(i)]);
      if (status[sz(i)] == iterating) {
        keep.push_back(i);
        continue;
      }
      std::copy(X.data() + i * N, X.data() + (i + 1) * N, px_out + int64_t(j) * N);
      res.residual[j] = bnorm[sz(i)] > 0 ? std::sqrt(rr[sz(i)]) / bnorm[sz(i)] : 0.0;
      res.converged[j] = status[sz(i)] == converged;
    }
    if (int64_t(keep.size()) == kk) return;
    auto pick = [&](auto& v) {
      std::remove_reference_t<decltype(v)> w;
      for (int64_t i : keep) w.push_back(v[sz(i)]);
      v = std::move(w);
    };
    X = take_rows(X, keep, N);
    R = take_rows(R, keep, N);
    if (P.defined()) P = take_rows(P, keep, N);
    pick(sys), pick(rr), pick(rz), pick(target), pick(bnorm), pick(status);
  };
  retire();
  if (!sys.empty()) {
    // Without a preconditioner z = r: Z stays undefined and r is read instead.
    if (M) Z = apply_rows(M, R, "preconditioner");
    P = (M ? Z : R).clone();
    for (std::size_t i = 0; i < sys.size(); ++i) {
      rz[i] = M ? dot(N, R.data() + int64_t(i) * N, Z.data() + int64_t(i) * N) : rr[i];
      if (!std::isfinite(rz[i])) not_finite("preconditioner");
      if (!(rz[i] > 0.0)) status[i] = stopped;  // a preconditioner that is not positive definite
    }
    retire();
  }
  for (int it = 0; it < o.max_iter && !sys.empty(); ++it) {
    const NDArray AP = apply_rows(A, P, "linear map");
    const int64_t kk = int64_t(sys.size());
    double* x = X.mutable_data();
    double* r = R.mutable_data();
    const double* p = P.data();
    const double* ap = AP.data();
    bool any_done = false;
    for (int64_t i = 0; i < kk; ++i) {
      const std::size_t u = sz(i);
      ++res.iterations[sz(sys[u])];
      const double* pi = p + i * N;
      const double* api = ap + i * N;
      double pAp = 0.0, pp = 0.0, apap = 0.0;  // one pass
      for (int64_t e = 0; e < N; ++e) {
        pAp += pi[e] * api[e];
        pp += pi[e] * pi[e];
        apap += api[e] * api[e];
      }
      if (!std::isfinite(apap)) not_finite("linear map");
      // Curvature at rounding level, or negative: the map is singular or indefinite along
      // p (for the SVD's Sylvester system: a cut through a multiplet). Stop with the
      // current finite iterate rather than divide by ~0.
      if (!(pAp > 64 * kEps * std::sqrt(pp * apap))) {
        status[u] = stopped;
        any_done = true;
        continue;
      }
      const double alpha = rz[u] / pAp;
      double* xi = x + i * N;
      double* ri = r + i * N;
      double acc = 0.0;  // one pass: x += alpha p, r -= alpha A p, |r|^2
      for (int64_t e = 0; e < N; ++e) {
        xi[e] += alpha * pi[e];
        ri[e] -= alpha * api[e];
        acc += ri[e] * ri[e];
      }
      rr[u] = acc;
      if (rr[u] <= target[u]) {
        status[u] = converged;
        any_done = true;
      }
    }
    if (any_done) {
      // The direction of a retired row is dropped with it (AP is not reused).
      retire();
      if (sys.empty()) break;
    }
    if (M) Z = apply_rows(M, R, "preconditioner");
    double* pw = P.mutable_data();
    const double* rp = R.data();
    const double* z = M ? Z.data() : rp;
    for (std::size_t i = 0; i < sys.size(); ++i) {
      const int64_t off = int64_t(i) * N;
      const double rz_new = M ? dot(N, rp + off, z + off) : rr[i];
      if (!std::isfinite(rz_new)) not_finite("preconditioner");
      if (!(rz_new > 0.0)) {
        status[i] = stopped;
        continue;
      }
      const double beta = rz_new / rz[i];
      rz[i] = rz_new;
      for (int64_t e = 0; e < N; ++e) pw[off + e] = z[off + e] + beta * pw[off + e];
    }
    retire();
  }
  // Rows still iterating at max_iter keep their last iterate, not converged.
  for (auto& s : status) s = s == iterating ? stopped : s;
  retire();
  res.all_converged = std::all_of(res.converged.begin(), res.converged.end(), [](bool c) { return c; });
  res.x = Tensor(out);
  return res;
}

SolveResult cg(const LinearMap& A, const Tensor& b_in, const SolveOptions& o, const Tensor& x0_in,
               const LinearMap& M) {
  const char* who = "cg";
  check_solve_options(o, who);
  if (!A) throw_error(who, ": the linear map is empty");
  const NDArray b = value_of(b_in, who, "the right-hand side");
  NoGradGuard no_grad;
  const Shape shape = b.shape();
  const int64_t N = b.numel();
  if (!nd::all_finite(b)) throw_error(who, ": the right-hand side contains NaN or Inf");
  NDArray r0 = b;
  SolveResult res;
  NDArray x0;
  if (x0_in.defined()) {
    x0 = value_of(x0_in, who, "the start x0");
    if (x0.shape() != shape) throw_error(who, ": the start x0 has shape ", x0.shape(), ", the right-hand side ", shape);
  }
  const double bnorm = nd::norm(b);
  if (bnorm == 0.0) {  // x = 0, whatever the start
    res.x = Tensor(NDArray::zeros(shape));
    res.converged = true;
    return res;
  }
  if (x0.defined()) {
    r0 = nd::sub(b, apply(A, x0, who));
    ++res.iterations;
  }
  const double r0norm = nd::norm(r0);
  if (r0norm <= o.tol * bnorm) {
    res.x = Tensor(x0.defined() ? x0.clone() : NDArray::zeros(shape));
    res.residual = r0norm / bnorm;
    res.converged = true;
    return res;
  }
  // The batched core measures against |r0|; the caller's tolerance is against |b|.
  SolveOptions inner = o;
  inner.tol = std::min(0.5, o.tol * bnorm / r0norm);
  auto as_rows = [&](const LinearMap& f, const char* what) -> RowsMap {
    return [&f, &shape, N, what, who](const Tensor& rows, std::span<const int64_t>) {
      const NDArray y = checked_output(f(Tensor(rows.value().reshape(shape))), shape, who, what);
      return Tensor(y.reshape(Shape{1, N}));
    };
  };
  const BatchedSolveResult br = batched_cg(as_rows(A, "linear map"), Tensor(r0.reshape(Shape{1, N})), inner,
                                           M ? as_rows(M, "preconditioner") : RowsMap());
  NDArray x = br.x.value().reshape(shape);
  if (x0.defined()) x = nd::add(x0, x);
  res.x = Tensor(x);
  res.iterations += br.iterations[0];
  res.converged = br.converged[0];
  res.residual = br.residual[0] * r0norm / bnorm;
  return res;
}

// ---------------------------------------------------------------------------- GMRES

SolveResult gmres(const LinearMap& A, const Tensor& b_in, const SolveOptions& o, const Tensor& x0_in) {
  const char* who = "gmres";
  check_solve_options(o, who);
  if (!A) throw_error(who, ": the linear map is empty");
  const NDArray b = value_of(b_in, who, "the right-hand side");
  if (!nd::all_finite(b)) throw_error(who, ": the right-hand side contains NaN or Inf");
  NoGradGuard no_grad;
  const Shape shape = b.shape();
  const int64_t N = b.numel();
  SolveResult res;
  NDArray x = NDArray::zeros(shape);
  if (x0_in.defined()) {
    x = value_of(x0_in, who, "the start x0").clone();
    if (x.shape() != shape) throw_error(who, ": the start x0 has shape ", x.shape(), ", the right-hand side ", shape);
  }
  const double bnorm = nd::norm(b);
  if (bnorm == 0.0) {  // x = 0, whatever the start
    res.x = Tensor(NDArray::zeros(shape));
    res.converged = true;
    return res;
  }
  NDArray r = x0_in.defined() ? nd::sub(b, apply(A, x, who)) : b.clone();
  double rnorm = nd::norm(r);
  const int64_t m = std::min<int64_t>(o.restart, N);
  NDArray Vbuf = NDArray::empty(Shape{m + 1, N});
  double* V = Vbuf.mutable_data();
  std::vector<double> H(sz((m + 1) * m)), h(sz(m + 1));
  while (rnorm > o.tol * bnorm && res.iterations < o.max_iter) {
    const double* pr = r.data();
    for (int64_t e = 0; e < N; ++e) V[e] = pr[e] / rnorm;
    std::fill(H.begin(), H.end(), 0.0);
    std::vector<double> y;
    int64_t used = 0;
    for (int64_t j = 0; j < m && res.iterations < o.max_iter; ++j) {
      NDArray w = apply(A, NDArray::from(shape, V + j * N), who);
      ++res.iterations;
      double* pw = w.mutable_data();
      const double wnorm0 = cblas_dnrm2(int(N), pw, 1);
      const double hn = orthogonalize(V, j + 1, N, pw, h.data());
      for (int64_t i = 0; i <= j; ++i) H[sz(i * m + j)] = h[sz(i)];
      H[sz((j + 1) * m + j)] = hn;
      used = j + 1;
      // min_y | rnorm e_1 - H_(j+2)x(j+1) y |: LAPACK least squares on copies.
      const int64_t rows = j + 2, cols = j + 1;
      std::vector<double> a(sz(rows * cols)), rhs(sz(rows), 0.0);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t c = 0; c < cols; ++c) a[sz(i * cols + c)] = H[sz(i * m + c)];
      rhs[0] = rnorm;
      const int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', int(rows), int(cols), 1, a.data(), int(cols), rhs.data(), 1);
      if (info != 0) throw_error(who, ": LAPACK dgels failed (info = ", info, ") on the ", rows, " x ", cols, " Hessenberg matrix");
      y.assign(rhs.begin(), rhs.begin() + cols);
      const double estimate = std::abs(rhs[sz(cols)]);
      const bool breakdown = !(hn > 1e-14 * wnorm0);  // the Krylov space is invariant: y is exact
      if (breakdown || estimate <= o.tol * bnorm) break;
      for (int64_t e = 0; e < N; ++e) V[(j + 1) * N + e] = pw[e] / hn;
    }
    // x += V y, then the true residual.
    double* px = x.mutable_data();
    cblas_dgemv(CblasRowMajor, CblasTrans, int(used), int(N), 1.0, V, int(N), y.data(), 1, 1.0, px, 1);
    r = nd::sub(b, apply(A, x, who));
    rnorm = nd::norm(r);
  }
  res.x = Tensor(x);
  res.residual = rnorm / bnorm;
  res.converged = rnorm <= o.tol * bnorm;
  return res;
}

// --------------------------------------------------------------- Lanczos and Arnoldi

namespace {

// Sort key of an eigenvalue for `which`: larger is wanted first.
double key(Which w, std::complex<double> z) {
  switch (w) {
    case Which::largest_magnitude: return std::abs(z);
    case Which::largest_algebraic: return z.real();
    case Which::smallest_algebraic: return -z.real();
  }
  return 0.0;
}

// Indices 0..n-1 by descending key (ties: positive imaginary part first, then index).
std::vector<int64_t> ranked(Which w, const std::vector<std::complex<double>>& z) {
  std::vector<int64_t> idx(z.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    const double ka = key(w, z[sz(a)]), kb = key(w, z[sz(b)]);
    if (ka != kb) return ka > kb;
    return z[sz(a)].imag() > z[sz(b)].imag();
  });
  return idx;
}

// Unit vector sum_i y_i Q_i (Q: rows of length N), largest-|.| entry positive.
NDArray ritz_vector(const double* Q, int64_t m, int64_t N, const double* y, int64_t ystride, const Shape& shape) {
  std::vector<double> yy(sz(m));
  for (int64_t i = 0; i < m; ++i) yy[sz(i)] = y[i * ystride];
  NDArray v = NDArray::empty(shape);
  double* pv = v.mutable_data();
  cblas_dgemv(CblasRowMajor, CblasTrans, int(m), int(N), 1.0, Q, int(N), yy.data(), 1, 0.0, pv, 1);
  const double n = cblas_dnrm2(int(N), pv, 1);
  int64_t best = 0;
  for (int64_t e = 1; e < N; ++e)
    if (std::abs(pv[e]) > std::abs(pv[best])) best = e;
  const double s = (pv[best] < 0 ? -1.0 : 1.0) / (n > 0 ? n : 1.0);
  for (int64_t e = 0; e < N; ++e) pv[e] *= s;
  return v;
}

struct KrylovSchur {
  const LinearMap& A;
  const char* who;
  bool symmetric;
  Shape shape;
  int64_t N, m;
  NDArray Qbuf;  // (m + 1, N)
  double* Q;
  std::vector<double> H;  // (m + 1) x m, row-major
  int iterations = 0;

  double& h(int64_t i, int64_t j) { return H[sz(i * m + j)]; }

  // Extends the Krylov-Schur relation A Q_j = Q_(j+1) H from `size` basis vectors to m.
  // Returns beta = |f| of A Q_m = Q_m H_m + f e_m^T (f = beta Q_m).
  double expand(int64_t size, uint64_t seed) {
    std::vector<double> coef(sz(m + 1));
    double beta = 0.0;
    for (int64_t j = size - 1; j < m; ++j) {
      NDArray w = apply(A, NDArray::from(shape, Q + j * N), who);
      ++iterations;
      double* pw = w.mutable_data();
      const double w0 = cblas_dnrm2(int(N), pw, 1);
      beta = orthogonalize(Q, j + 1, N, pw, coef.data());
      for (int64_t i = 0; i <= j; ++i) h(i, j) = coef[sz(i)];
      for (int64_t i = j + 1; i <= m; ++i) h(i, j) = 0.0;
      if (beta > 1e-12 * w0) {
        h(j + 1, j) = beta;
        for (int64_t e = 0; e < N; ++e) Q[(j + 1) * N + e] = pw[e] / beta;
        continue;
      }
      // Invariant subspace: continue with a random direction orthogonal to it
      // (H(j+1, j) = 0 keeps the relation exact). Not needed after the last column.
      beta = 0.0;
      if (j + 1 >= m) break;
      NDArray r = NDArray::randn(Shape{N}, seed + 7919 * uint64_t(j));
      double* pr = r.mutable_data();
      const double rn = orthogonalize(Q, j + 1, N, pr, coef.data());
      for (int64_t e = 0; e < N; ++e) Q[(j + 1) * N + e] = pr[e] / rn;
    }
    return beta;
  }
};

struct Ritz {
  std::vector<std::complex<double>> values;  // all m
  std::vector<double> residuals;             // all m
  std::vector<double> vectors;               // m x m row-major: column c = eigenvector c of H_m
  std::vector<int64_t> imag_partner;         // complex pair: column of the imaginary part (-1: real)
};

void check_eigen_options(const EigenOptions& o, int64_t N, const char* who) {
  if (o.nev < 1 || o.nev > N) throw_error(who, ": nev must be in [1, ", N, "] for a space of dimension ", N, ", got ", o.nev);
  if (!(o.tol > 0.0) || !std::isfinite(o.tol)) throw_error(who, ": tol must be finite and > 0, got ", o.tol);
  if (o.max_restarts < 0) throw_error(who, ": max_restarts must be >= 0, got ", o.max_restarts);
  if (o.krylov_dim < 0) throw_error(who, ": krylov_dim must be >= 0 (0: automatic), got ", o.krylov_dim);
}

template <class Result>
Result krylov_schur(const LinearMap& A, const Tensor& v0_in, const EigenOptions& o, bool symmetric, const char* who) {
  if (!A) throw_error(who, ": the linear map is empty");
  const NDArray v0 = value_of(v0_in, who, "the start vector v0");
  if (!nd::all_finite(v0)) throw_error(who, ": the start vector contains NaN or Inf");
  const int64_t N = v0.numel();
  check_eigen_options(o, N, who);
  const double v0n = nd::norm(v0);
  if (!(v0n > 0.0)) throw_error(who, ": the start vector of shape ", v0.shape(), " is zero");
  NoGradGuard no_grad;
  const int64_t m = std::min<int64_t>(N, std::max<int64_t>(o.krylov_dim > 0 ? o.krylov_dim : std::max<int64_t>(2 * o.nev + 1, 20), o.nev + 2));
  KrylovSchur ks{A, who, symmetric, v0.shape(), N, m, NDArray::empty(Shape{m + 1, N}), nullptr,
                 std::vector<double>(sz((m + 1) * m), 0.0)};
  ks.Q = ks.Qbuf.mutable_data();
  for (int64_t e = 0; e < N; ++e) ks.Q[e] = v0.data()[e] / v0n;
  // Kept after a restart: the wanted nev and half the rest (at most m - 2, so that a
  // conjugate pair fits).
  const int64_t keep = std::max<int64_t>(o.nev, std::min<int64_t>(o.nev + (m - o.nev) / 2, m - 2));
  int64_t size = 1;
  Result res;
  for (int restart = 0;; ++restart) {
    const double beta = ks.expand(size, 0x5eed + uint64_t(restart));
    // ---- Ritz pairs of H_m
    Ritz rz;
    rz.values.resize(sz(m));
    rz.residuals.resize(sz(m));
    rz.imag_partner.assign(sz(m), -1);
    rz.vectors.assign(sz(m * m), 0.0);
    if (symmetric) {
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < m; ++j) rz.vectors[sz(i * m + j)] = 0.5 * (ks.h(i, j) + ks.h(j, i));
      std::vector<double> w(sz(m));
      const int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', int(m), rz.vectors.data(), int(m), w.data());
      if (info != 0) throw_error(who, ": LAPACK dsyev failed (info = ", info, ") on the projected ", m, " x ", m, " matrix");
      for (int64_t c = 0; c < m; ++c) {
        rz.values[sz(c)] = w[sz(c)];
        rz.residuals[sz(c)] = beta * std::abs(rz.vectors[sz((m - 1) * m + c)]);
      }
    } else {
      std::vector<double> a(sz(m * m)), wr(sz(m)), wi(sz(m));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < m; ++j) a[sz(i * m + j)] = ks.h(i, j);
      double dummy = 0.0;
      const int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'V', int(m), a.data(), int(m), wr.data(), wi.data(),
                                     &dummy, 1, rz.vectors.data(), int(m));
      if (info != 0) throw_error(who, ": LAPACK dgeev failed (info = ", info, ") on the projected ", m, " x ", m, " matrix");
      for (int64_t c = 0; c < m; ++c) {
        rz.values[sz(c)] = {wr[sz(c)], wi[sz(c)]};
        const double last = rz.vectors[sz((m - 1) * m + c)];
        if (wi[sz(c)] > 0.0 && c + 1 < m) {  // columns c, c+1: real and imaginary parts
          const double last_im = rz.vectors[sz((m - 1) * m + c + 1)];
          rz.residuals[sz(c)] = rz.residuals[sz(c + 1)] = beta * std::hypot(last, last_im);
          rz.imag_partner[sz(c)] = c + 1;
          rz.imag_partner[sz(c + 1)] = c + 1;
          ++c;
          rz.values[sz(c)] = {wr[sz(c)], wi[sz(c)]};
        } else {
          rz.residuals[sz(c)] = beta * std::abs(last);
        }
      }
    }
    double scale = 0.0;
    for (const auto& z : rz.values) scale = std::max(scale, std::abs(z));
    const std::vector<int64_t> order = ranked(o.which, rz.values);
    bool done = true;
    for (int64_t i = 0; i < o.nev; ++i)
      done = done && rz.residuals[sz(order[sz(i)])] <= o.tol * scale;
    // m = N: the space is the whole space, nothing to restart into.
    if (done || restart >= o.max_restarts || m == N) {
      res.converged = done;
      res.restarts = restart;
      res.iterations = ks.iterations;
      for (int64_t i = 0; i < o.nev; ++i) {
        const int64_t c = order[sz(i)];
        res.residuals.push_back(rz.residuals[sz(c)]);
        if constexpr (std::is_same_v<Result, SymmetricEigenResult>) {
          res.values.push_back(rz.values[sz(c)].real());
          res.vectors.push_back(Tensor(ritz_vector(ks.Q, m, N, rz.vectors.data() + c, m, ks.shape)));
        } else {
          res.values.push_back(rz.values[sz(c)]);
          res.vectors.push_back(rz.values[sz(c)].imag() == 0.0
                                    ? Tensor(ritz_vector(ks.Q, m, N, rz.vectors.data() + c, m, ks.shape))
                                    : Tensor());
        }
      }
      return res;
    }
    // ---- restart: keep the `keep` best Ritz (symmetric) or Schur (general) vectors.
    std::vector<double> basis(sz(m * m));  // m x p row-major (column c: new vector c)
    int64_t p = keep;
    std::vector<double> Hp;                         // p x p block of the new H
    if (symmetric) {
      Hp.assign(sz(p * p), 0.0);
      for (int64_t c = 0; c < p; ++c) {
        const int64_t src = order[sz(c)];
        for (int64_t i = 0; i < m; ++i) basis[sz(i * p + c)] = rz.vectors[sz(i * m + src)];
        Hp[sz(c * p + c)] = rz.values[sz(src)].real();
      }
    } else {
      std::vector<double> T(sz(m * m)), Z(sz(m * m)), wr(sz(m)), wi(sz(m));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < m; ++j) T[sz(i * m + j)] = ks.h(i, j);
      lapack_int sdim = 0;
      int info = LAPACKE_dgees(LAPACK_ROW_MAJOR, 'V', 'N', nullptr, int(m), T.data(), int(m), &sdim, wr.data(),
                               wi.data(), Z.data(), int(m));
      if (info != 0) throw_error(who, ": LAPACK dgees failed (info = ", info, ") on the projected ", m, " x ", m, " matrix");
      std::vector<std::complex<double>> schur_values(sz(m));
      for (int64_t i = 0; i < m; ++i) schur_values[sz(i)] = {wr[sz(i)], wi[sz(i)]};
      const std::vector<int64_t> sorder = ranked(o.which, schur_values);
      std::vector<lapack_logical> select(sz(m), 0);
      for (int64_t i = 0; i < p; ++i) select[sz(sorder[sz(i)])] = 1;  // a pair: dtrsen takes both
      lapack_int msel = 0;
      double s_cond = 0.0, sep = 0.0;
      // The _work form with our own workspace: LAPACKE_dtrsen passes no IWORK for job 'N',
      // which dtrsen nevertheless writes (IWORK(1) = LIWMIN).
      std::vector<double> work(sz(m));
      lapack_int iwork = 0;
      info = LAPACKE_dtrsen_work(LAPACK_ROW_MAJOR, 'N', 'V', select.data(), int(m), T.data(), int(m), Z.data(),
                                 int(m), wr.data(), wi.data(), &msel, &s_cond, &sep, work.data(), int(m), &iwork, 1);
      if (info != 0) throw_error(who, ": LAPACK dtrsen failed (info = ", info, ") reordering the Schur form");
      p = msel;
      Hp.assign(sz(p * p), 0.0);
      for (int64_t i = 0; i < p; ++i)
        for (int64_t j = 0; j < p; ++j) Hp[sz(i * p + j)] = T[sz(i * m + j)];
      for (int64_t i = 0; i < m; ++i)
        for (int64_t c = 0; c < p; ++c) basis[sz(i * p + c)] = Z[sz(i * m + c)];
    }
    // Q[0..p) <- Q_m^T basis (as rows), Q[p] <- f / beta = Q[m]; H <- [Hp; beta * last row of basis].
    NDArray newQ = NDArray::empty(Shape{p, N});
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(p), int(N), int(m), 1.0, basis.data(), int(p), ks.Q,
                int(N), 0.0, newQ.mutable_data(), int(N));
    std::copy(ks.Q + m * N, ks.Q + (m + 1) * N, ks.Q + p * N);
    std::copy(newQ.data(), newQ.data() + p * N, ks.Q);
    std::fill(ks.H.begin(), ks.H.end(), 0.0);
    for (int64_t i = 0; i < p; ++i)
      for (int64_t j = 0; j < p; ++j) ks.h(i, j) = Hp[sz(i * p + j)];
    for (int64_t c = 0; c < p; ++c) ks.h(p, c) = beta * basis[sz((m - 1) * p + c)];
    if (!(beta > 0.0)) {
      // The kept space is invariant but the wanted values are not all in it (a start
      // vector deficient in them): continue from a random direction orthogonal to it.
      std::vector<double> coef(sz(p));
      NDArray r = NDArray::randn(Shape{N}, 0xfeed + uint64_t(restart));
      double* pr = r.mutable_data();
      const double rn = orthogonalize(ks.Q, p, N, pr, coef.data());
      for (int64_t e = 0; e < N; ++e) ks.Q[p * N + e] = pr[e] / rn;
    }
    size = p + 1;
  }
}

}  // namespace

SymmetricEigenResult lanczos(const LinearMap& A, const Tensor& v0, const EigenOptions& options) {
  return krylov_schur<SymmetricEigenResult>(A, v0, options, true, "lanczos");
}

EigenResult arnoldi(const LinearMap& A, const Tensor& v0, const EigenOptions& options) {
  return krylov_schur<EigenResult>(A, v0, options, false, "arnoldi");
}

}  // namespace tnad
