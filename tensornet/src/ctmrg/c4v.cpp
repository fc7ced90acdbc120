// The C4v CTMRG (ctmrg.hpp): one corner, one edge, projectors from the eigendecomposition
// of the symmetric enlarged corner.
#include <cmath>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
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

// One step on (C, T) with the double layer a; writes the discarded weight.
C4vEnv step(const Tensor& C, const Tensor& T, const Tensor& a, const CtmrgOptions& o, double& discarded) {
  const int64_t chi = C.size(0), Dd = a.size(0), n = chi * Dd;
  const Tensor M = reshape(einsum("xy,xuX,ylY,uldr->XrYd", {C, T, T, a}, cd::fixed_path()), Shape{n, n});
  // The k <= chi pairs of largest |w| (kept_rank; eigh_truncated records the full
  // decomposition: exact truncated adjoint).
  const TruncatedEigh e = eigh_truncated(M, cd::kept_policy(o), o.degeneracy);
  discarded = e.discarded_weight.item();
  const Tensor& w = e.w;
  const int64_t k = w.size(0);
  const Tensor P = reshape(e.V, Shape{chi, Dd, k});
  const Tensor C2 = diag(w);  // = P^T M P
  Tensor T2 = einsum("xlk,xuX,uldr,XrK->kdK", {P, T, a, P}, cd::fixed_path());
  T2 = (T2 + permute(T2, {2, 1, 0})) * 0.5;
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
  C4vEnv out = step(env.C, env.T, a, options, discarded);
  if (truncation_error) *truncation_error = discarded;
  return out;
}

C4vCtmrg ctmrg_c4v(const Tensor& A, const C4vEnv& init, const CtmrgOptions& options) {
  cd::check_options(options, "ctmrg_c4v");
  const Tensor a = cd::as_double_layer(A, "ctmrg_c4v");
  check_env(init, a.size(0), "ctmrg_c4v");
  check_symmetric(a, options, "ctmrg_c4v");
  const cd::StepFn f = [options](const std::vector<Tensor>& s, const std::vector<Tensor>& p, double& err) {
    C4vEnv e = step(s[0], s[1], p[0], options, err);
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

}  // namespace tnad
