// What the C4v and the directional CTMRG share (ctmrg_internal.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/linalg/svd.hpp"
#include "tnad/tensornet/peps.hpp"

namespace tnad::ctm_detail {

void check_options(const CtmrgOptions& o, const char* who) {
  if (o.chi < 1) throw_error(who, ": chi must be >= 1, got ", o.chi);
  if (o.max_iter < 1) throw_error(who, ": max_iter must be >= 1, got ", o.max_iter);
  if (!(o.tol >= 0.0)) throw_error(who, ": tol must be >= 0, got ", o.tol);
  if (o.truncation.max_rank != -1)
    throw_error(who, ": the kept rank is chi; leave truncation.max_rank at -1 (got ", o.truncation.max_rank, ")");
  check_truncation(o.truncation, who);
  if (!(o.degeneracy.eps >= 0.0)) throw_error(who, ": degeneracy eps must be >= 0, got ", o.degeneracy.eps);
  if (!(o.symmetry_tol >= 0.0)) throw_error(who, ": symmetry_tol must be >= 0, got ", o.symmetry_tol);
}

Tensor as_double_layer(const Tensor& A, const char* who) {
  if (!A.defined()) throw_error(who, ": undefined site tensor");
  const Shape& s = A.shape();
  const bool site = A.ndim() == 5 && s[1] == s[2] && s[1] == s[3] && s[1] == s[4];
  const bool four = A.ndim() == 4 && s[0] == s[1] && s[0] == s[2] && s[0] == s[3];
  if (!site && !four)
    throw_error(who, ": need a site tensor A (d, D, D, D, D) or a 4-leg tensor a (D', D', D', D'), got shape ", s);
  if (!nd::all_finite(A.value())) throw_error(who, ": the site tensor has NaN or Inf entries");
  return site ? double_layer(A) : A;
}

Truncation kept_policy(const CtmrgOptions& o) {
  Truncation t = o.truncation;
  t.max_rank = o.chi;
  return t;
}

std::vector<double> normalized_spectrum(const Tensor& C) {
  NoGradGuard no_grad;
  std::vector<double> s = svdvals(C.detach()).value().to_vector();
  const double smax = s.empty() ? 0.0 : s[0];
  if (smax > 0.0)
    for (double& v : s) v /= smax;
  return s;
}

double spectrum_distance(const std::vector<double>& s, const std::vector<double>& t) {
  double d = 0.0;
  for (std::size_t i = 0; i < std::max(s.size(), t.size()); ++i) {
    const double x = (i < s.size() ? s[i] : 0.0) - (i < t.size() ? t[i] : 0.0);
    d += x * x;
  }
  return std::sqrt(d);
}

std::vector<Tensor> iterate(const StepFn& step, std::vector<Tensor> state, const std::vector<Tensor>& params,
                            const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& corners,
                            const CtmrgOptions& o, CtmrgInfo& info, const std::string& name) {
  std::vector<std::vector<double>> prev;
  for (const Tensor& C : corners(state)) prev.push_back(normalized_spectrum(C));
  info = CtmrgInfo{};
  const std::size_t ns = state.size();
  for (int it = 0; it < o.max_iter; ++it) {
    NameScope scope(name + " iteration " + std::to_string(it));
    if (o.checkpoint) {
      // The step keeps (environment, params) and is re-run in the backward; the re-run
      // writes the same truncation error into the same place.
      auto err = std::make_shared<double>(0.0);
      const MultiFn f = [step, ns, err](const std::vector<Tensor>& x) {
        const std::vector<Tensor> s(x.begin(), x.begin() + std::ptrdiff_t(ns)), p(x.begin() + std::ptrdiff_t(ns), x.end());
        return step(s, p, *err);
      };
      std::vector<Tensor> in = state;
      in.insert(in.end(), params.begin(), params.end());
      state = checkpoint(f, in);
      info.truncation_error = *err;
    } else {
      state = step(state, params, info.truncation_error);
    }
    for (const Tensor& t : state)
      if (!nd::all_finite(t.value()))
        throw_error(name, ": iteration ", it, ": the environment has NaN or Inf entries");
    for (const Tensor& C : corners(state))
      if (C.size(0) > 2 * o.chi || C.size(1) > 2 * o.chi)
        throw_error(name, ": iteration ", it, ": keep_multiplets kept a corner of shape ", C.shape(),
                    ", more than twice chi = ", o.chi, " (the leading values are one multiplet within ",
                    "multiplet_tol = ", o.truncation.multiplet_tol, "); raise chi or lower multiplet_tol");
    double err = 0.0;
    const std::vector<Tensor> cs = corners(state);
    for (std::size_t i = 0; i < cs.size(); ++i) {
      std::vector<double> s = normalized_spectrum(cs[i]);
      err = std::max(err, spectrum_distance(s, prev[i]));
      prev[i] = std::move(s);
    }
    info.iterations = it + 1;
    info.error = err;
    if (err < o.tol) {
      info.converged = true;
      break;
    }
  }
  return state;
}

}  // namespace tnad::ctm_detail
