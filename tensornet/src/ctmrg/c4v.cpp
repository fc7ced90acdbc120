// The C4v CTMRG (ctmrg.hpp): one corner, one edge, projectors from the eigendecomposition
// of the symmetric enlarged corner.
#include <algorithm>
#include <cmath>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"

namespace tnad {

namespace cd = ctm_detail;

namespace {

void check_env(const C4vEnv& e, int64_t Dd, const char* who) {
  if (!e.C.defined() || !e.T.defined()) throw_error(who, ": the environment has an undefined C or T");
  const int64_t chi = e.C.ndim() == 2 ? e.C.size(0) : -1;
  if (chi < 1 || e.C.size(1) != chi || e.T.ndim() != 3 || e.T.size(0) != chi || e.T.size(2) != chi ||
      e.T.size(1) != Dd)
    throw_error(who, ": need C (chi, chi) and T (chi, ", Dd, ", chi) for a double layer with legs of dimension ",
                Dd, ", got C ", e.C.shape(), " and T ", e.T.shape());
}

void check_symmetric(const Tensor& a, const CtmrgOptions& o, const char* who) {
  const double asym = c4v_asymmetry(a);
  if (asym > o.symmetry_tol)
    throw_error(who, ": the double layer is not C4v-symmetric (relative asymmetry ", asym, " > symmetry_tol ",
                o.symmetry_tol, "); symmetrize the site tensor with c4v_symmetrize");
}

// f(x), or rematerialized: kept by its consumers' tapes as a recipe (CtmrgOptions::rematerialize).
Tensor remat(bool on, const FnN& f, const std::vector<Tensor>& x) { return on ? rematerialize(f, x) : f(x); }

// ---- The enlarged corner from half of its rows.
// M[(X r), (Y d)] = sum_{u l} CTT[X u Y l] a[u l d r] is symmetric for a C4v environment (C =
// C^T, T[x s y] = T[y s x], a invariant under the diagonal reflection): its block (Y, X) is
// block (X, Y) transposed. So only the chi (chi + 1) / 2 pairs X <= Y of C T T are contracted
// with a, a GEMM of half the rows (and so are its two backward GEMMs), and the blocks are
// mirrored into M: at D = 4, chi = 32 the three chi^2 D^8 GEMMs of the corner go from 5.4
// to ~2.7 ms per step. Beyond rounding only the rows X <= Y of C T T are read (the step is
// defined for C4v environments; eigh takes the symmetric part of M in any case).
// Pairs p = (X, Y), X <= Y, in row-major order. A (chi, s, chi, s) array F has the s x s
// blocks F(X, Y)[a, b] = F[X, a, Y, b]; a pair array (P, s, s) one block per pair.
//   pairs_of(F): out[p] = F(X, Y), or F(X, Y)^T (transposed); mirrored: plus, for X < Y,
//                F(Y, X) in the other orientation.
//   full_of(R):  F(X, Y) = R[p], or R[p]^T (transposed); mirrored: F(Y, X) = R[p] in the
//                other orientation for X < Y; the other blocks 0.
// With the same flags each is the other's adjoint. The corner: rows = pairs_of(C T T)
// (plain), M = full_of(rows a) (transposed and mirrored: the GEMM gives (p, d, r), M is
// (X r, Y d)).
struct PairMap {
  bool transposed = false, mirrored = false;
};
template <class F>
void for_each_pair(int64_t chi, F f) {
  for (int64_t X = 0, p = 0; X < chi; ++X)
    for (int64_t Y = X; Y < chi; ++Y, ++p) f(p, X, Y);
}
// Offset of block F(X, Y), whose rows are chi s apart.
int64_t block_at(int64_t X, int64_t Y, int64_t chi, int64_t s) { return (X * s * chi + Y) * s; }
// dst (row stride ld) = src (row stride ls) or its transpose; += with add.
void put_block(const double* src, int64_t ls, double* dst, int64_t ld, int64_t s, bool transpose, bool add) {
  for (int64_t a = 0; a < s; ++a)
    for (int64_t b = 0; b < s; ++b) {
      const double v = transpose ? src[b * ls + a] : src[a * ls + b];
      dst[a * ld + b] = add ? dst[a * ld + b] + v : v;
    }
}

Tensor full_of(const Tensor& R, int64_t chi, PairMap m);
Tensor pairs_of(const Tensor& F, PairMap m) {
  const int64_t chi = F.size(0), s = F.size(1), row = chi * s;
  NDArray out = NDArray::empty(Shape{chi * (chi + 1) / 2, s, s});
  const double* f = F.value().data();
  double* o = out.mutable_data();
  for_each_pair(chi, [&](int64_t p, int64_t X, int64_t Y) {
    put_block(f + block_at(X, Y, chi, s), row, o + p * s * s, s, s, m.transposed, false);
    if (m.mirrored && X < Y) put_block(f + block_at(Y, X, chi, s), row, o + p * s * s, s, s, !m.transposed, true);
  });
  return record(m.mirrored ? "c4v_mirror_fold" : "c4v_pair_rows", {F}, std::move(out), save::none,
                [chi, m](OpContext&, const Tensor& g) { return grads(full_of(g, chi, m)); });
}
Tensor full_of(const Tensor& R, int64_t chi, PairMap m) {
  const int64_t s = R.size(1), row = chi * s;
  NDArray out = m.mirrored ? NDArray::empty(Shape{chi, s, chi, s}) : NDArray::zeros(Shape{chi, s, chi, s});
  const double* r = R.value().data();
  double* o = out.mutable_data();
  for_each_pair(chi, [&](int64_t p, int64_t X, int64_t Y) {
    put_block(r + p * s * s, s, o + block_at(X, Y, chi, s), row, s, m.transposed, false);
    if (m.mirrored && X < Y) put_block(r + p * s * s, s, o + block_at(Y, X, chi, s), row, s, !m.transposed, false);
  });
  return record(m.mirrored ? "c4v_mirror_fill" : "c4v_pair_rows_adjoint", {R}, std::move(out), save::none,
                [m](OpContext&, const Tensor& g) { return grads(pairs_of(g, m)); });
}

// One step on (C, T) with the double layer a; writes the discarded weight. With a
// reference (gauge fixing on), the new T is put in the gauge closest to it (bond_signs).
// With remat, the two tensors that cost chi^3 D^4 to make (the pair rows of C T T, P T)
// are recomputed by the backward instead of held; the two that cost chi^2 D^8 (the enlarged
// corner's eigen-factors, P T a) are held. Of the 9 MB a step's tape holds at D = 4,
// chi = 32, 6 MB are left.
C4vEnv step(const Tensor& C, const Tensor& T, const Tensor& a, const CtmrgOptions& o, double& discarded,
            const NDArray* gauge_ref, bool remat_on) {
  const int64_t chi = C.size(0), Dd = a.size(0), n = chi * Dd;
  const Tensor rows = remat(remat_on, [](const std::vector<Tensor>& x) {
    return pairs_of(einsum("xy,xuX,ylY->XuYl", {x[0], x[1], x[1]}, cd::fixed_path()), {});
  }, {C, T});
  const Tensor M = reshape(full_of(einsum("pul,uldr->pdr", {rows, a}, cd::fixed_path()), chi, {true, true}),
                           Shape{n, n});
  // The k <= chi pairs of largest |w| (kept_rank; eigh_truncated records the full
  // decomposition: exact truncated adjoint).
  const TruncatedEigh e = eigh_truncated(M, cd::kept_policy(o), o.degeneracy, o.truncated_adjoint);
  discarded = e.discarded_weight.item();
  const Tensor& w = e.w;
  const int64_t k = w.size(0);
  const Tensor P = reshape(e.V, Shape{chi, Dd, k});
  const Tensor C2 = diag(w);  // = P^T M P
  const Tensor PT = remat(remat_on, [](const std::vector<Tensor>& x) {
    return einsum("xlk,xuX->kluX", {x[0], x[1]}, cd::fixed_path());
  }, {P, T});
  Tensor T2 = einsum("kluX,uldr,XrK->kdK", {PT, a, P}, cd::fixed_path());
  T2 = (T2 + permute(T2, {2, 1, 0})) * 0.5;
  if (gauge_ref) {
    const std::vector<double> sg = cd::bond_signs(T2.value(), gauge_ref);
    T2 = cd::apply_signs(T2, {sg, {}, sg}, cd::global_sign(T2, {sg, {}, sg}, gauge_ref));
  }
  return {C2 / norm(C2), T2 / norm(T2)};
}

}  // namespace

C4vEnv c4v_initial_env(const Tensor& A, int64_t chi) {
  if (chi < 1) throw_error("c4v_initial_env: chi must be >= 1, got ", chi);
  const Tensor a = cd::as_double_layer(A, "c4v_initial_env");
  Tensor C = einsum("uldr->rd", {a}, cd::fixed_path());
  Tensor T = einsum("uldr->ldr", {a}, cd::fixed_path());
  if (chi < a.size(0)) {
    const TruncatedEigh e = eigh_truncated(C, Truncation{.max_rank = chi});
    C = diag(e.w);
    T = einsum("xk,xsy,yK->ksK", {e.V, T, e.V}, cd::fixed_path());
  }
  if (!(nd::norm(C.value()) > 0.0) || !(nd::norm(T.value()) > 0.0))
    throw_error("c4v_initial_env: the open boundary of this tensor vanishes (sum over legs is zero); "
                "pass an initial environment to ctmrg_c4v");
  return {C / norm(C), T / norm(T)};
}

C4vEnv ctmrg_c4v_step(const C4vEnv& env, const Tensor& A, const CtmrgOptions& options, double* truncation_error) {
  cd::check_options(options, "ctmrg_c4v_step");
  const Tensor a = cd::as_double_layer(A, "ctmrg_c4v_step");
  check_env(env, a.size(0), "ctmrg_c4v_step");
  double discarded = 0.0;
  const NDArray ref = env.T.value();
  C4vEnv out = step(env.C, env.T, a, options, discarded, options.fix_gauge ? &ref : nullptr,
                    options.rematerialize && !options.checkpoint);
  if (truncation_error) *truncation_error = discarded;
  return out;
}

C4vCtmrg ctmrg_c4v(const Tensor& A, const C4vEnv& init, const CtmrgOptions& options) {
  cd::check_options(options, "ctmrg_c4v");
  const Tensor a = cd::as_double_layer(A, "ctmrg_c4v");
  check_env(init, a.size(0), "ctmrg_c4v");
  check_symmetric(a, options, "ctmrg_c4v");
  const cd::StepFn f = [options](const std::vector<Tensor>& s, const std::vector<Tensor>& p, double& err) {
    const NDArray ref = s[1].value();
    // (under checkpointing a step's tape lives only while it is re-run: nothing to save)
    C4vEnv e = step(s[0], s[1], p[0], options, err, options.fix_gauge ? &ref : nullptr,
                    options.rematerialize && !options.checkpoint);
    return std::vector<Tensor>{e.C, e.T};
  };
  C4vCtmrg r;
  const std::vector<Tensor> s = cd::iterate(
      f, {init.C, init.T}, {a}, [](const std::vector<Tensor>& x) { return std::vector<Tensor>{x[0]}; }, options,
      r.info, "ctmrg_c4v");
  r.env = {s[0], s[1]};
  return r;
}

C4vCtmrg ctmrg_c4v(const Tensor& A, const CtmrgOptions& options) {
  const Tensor a = cd::as_double_layer(A, "ctmrg_c4v");
  return ctmrg_c4v(a, c4v_initial_env(a, options.chi), options);
}

// ---------------------------------------------------------------- fixed-point gradient
C4vEnv c4v_fixed_point_env(const Tensor& A, const C4vEnv& converged, const CtmrgOptions& options,
                           const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info) {
  cd::check_options(options, "c4v_fixed_point_env");
  const Tensor a = cd::as_double_layer(A.detach(), "c4v_fixed_point_env");
  check_env(converged, a.size(0), "c4v_fixed_point_env");
  check_symmetric(a, options, "c4v_fixed_point_env");
  // The differentiated step: gauge fixed against x* itself (a constant sign pattern, the
  // "fixed" gauge of Francuz et al.), the kept rank that of x* (recorded once, at x*).
  const NDArray ref = converged.T.detach().value();
  const bool site = A.ndim() == 5;
  const FixedPointStep f = [options, ref, site](const TensorList& x, const TensorList& p) {
    const Tensor a = site ? double_layer(p[0]) : p[0];
    double discarded = 0.0;
    // (one recorded step, back-propagated once per J^T product: recomputing would cost
    // at each of them, and one step's tape is small)
    const C4vEnv e = step(x[0], x[1], a, options, discarded, &ref, false);
    return TensorList{e.C, e.T};
  };
  const TensorList out = fixed_point(f, {converged.C, converged.T}, {A}, fp, std::move(info));
  return {out[0], out[1]};
}

C4vCtmrg ctmrg_c4v_fixed_point(const Tensor& A, const C4vEnv& init, const CtmrgOptions& options,
                               const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info) {
  if (!options.fix_gauge)
    throw_error("ctmrg_c4v_fixed_point: needs fix_gauge = true (an environment converged only up to its bond "
                "gauge is no fixed point of the step)");
  C4vCtmrg r;
  {
    NoGradGuard forward_unrecorded;
    r = ctmrg_c4v(A.detach(), init.detach(), options);
  }
  r.env = c4v_fixed_point_env(A, r.env, options, fp, std::move(info));
  return r;
}

C4vCtmrg ctmrg_c4v_fixed_point(const Tensor& A, const CtmrgOptions& options, const FixedPointOptions& fp,
                               std::shared_ptr<FixedPointInfo> info) {
  C4vEnv init;
  {
    NoGradGuard ng;
    init = c4v_initial_env(A.detach(), options.chi);
  }
  return ctmrg_c4v_fixed_point(A, init, options, fp, std::move(info));
}

}  // namespace tnad
