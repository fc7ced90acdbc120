// What the C4v and the directional CTMRG share (ctmrg_internal.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/interrupt.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
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

// The sign gauge of the renormalized bonds of one boundary (a periodic chain of edges,
// ctmrg.hpp "Gauge"): edge i (k, d, k') joins bond i - 1 (its first leg) to bond i (its
// last), bond -1 being bond n - 1; one edge (single site, C4v) joins a bond to itself.
// A renormalized bond's basis is fixed by its decomposition up to signs, T_i -> s_{i-1,k}
// s_{i,k'} T_i. The signs are chosen from values (a discrete choice: its derivative is zero)
// so that each edge overlaps its reference (the previous iterate) positively: a greedy
// Z2 synchronization over the nodes (bond, k). Node (0, 0) gets +1, then the free node
// with the strongest evidence sum_{d, fixed q} T_{k d q} s_q R_{k d q} (over both legs of
// every edge it sits on) joins with the sign of its evidence. Without references of the
// same shapes (chi still growing), the evidence is the largest-|.| entry T_{k d q} s_q
// instead (made positive). A node without evidence (a block decoupled by a symmetry) starts
// a new block with +1: flipping a decoupled block leaves the edges unchanged. The overall
// sign of an edge is not fixed here: an open chain absorbs it into the next bond; the
// product around the chain is a global sign (global_sign).
std::vector<std::vector<double>> chain_signs(const std::vector<NDArray>& T, const std::vector<const NDArray*>& ref) {
  const std::size_t n = T.size();
  bool use_ref = ref.size() == n;
  for (std::size_t i = 0; i < n && use_ref; ++i) use_ref = ref[i] && ref[i]->defined() && ref[i]->shape() == T[i].shape();
  // bond i's dimension is T[i]'s last leg (== T[i+1]'s first)
  std::vector<int64_t> off(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) off[i + 1] = off[i] + T[i].size(2);
  const int64_t N = off[n];
  const auto bond_before = [&](std::size_t i) { return i == 0 ? n - 1 : i - 1; };
  double small = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    small = std::max(small, 1e-10 * (use_ref ? nd::norm(T[i]) * nd::norm(*ref[i]) : nd::max_abs(T[i])));
  std::vector<double> s(std::size_t(N), 0.0), score(std::size_t(N), 0.0);
  std::vector<bool> fixed(std::size_t(N), false);
  // Node (b, q) fixed with sign sq: its evidence for the nodes it shares an edge entry with.
  const auto spread = [&](std::size_t b, int64_t q, double sq) {
    for (std::size_t i = 0; i < n; ++i) {
      const int64_t K0 = T[i].size(0), Dd = T[i].size(1), K2 = T[i].size(2);
      const double* t = T[i].data();
      const double* r = use_ref ? ref[i]->data() : nullptr;
      const std::size_t b0 = bond_before(i), b2 = i;
      const auto add = [&](int64_t node, double v) {
        double& sc = score[std::size_t(node)];
        if (use_ref) sc += v;
        else if (std::abs(v) > std::abs(sc)) sc = v;
      };
      if (b0 == b && q < K0)  // q on the first leg: evidence for (b2, k')
        for (int64_t d = 0; d < Dd; ++d)
          for (int64_t k = 0; k < K2; ++k) {
            const int64_t e = (q * Dd + d) * K2 + k;
            add(off[b2] + k, sq * t[e] * (use_ref ? r[e] : 1.0));
          }
      if (b2 == b && q < K2)  // q on the last leg: evidence for (b0, k)
        for (int64_t k = 0; k < K0; ++k)
          for (int64_t d = 0; d < Dd; ++d) {
            const int64_t e = (k * Dd + d) * K2 + q;
            add(off[b0] + k, sq * t[e] * (use_ref ? r[e] : 1.0));
          }
    }
  };
  const auto fix = [&](int64_t node, double sign) {
    s[std::size_t(node)] = sign;
    fixed[std::size_t(node)] = true;
    std::size_t b = 0;
    while (off[b + 1] <= node) ++b;
    spread(b, node - off[b], sign);
  };
  for (int64_t left = N; left > 0;) {
    // Seed a block at the first free node, then grow it by the strongest evidence.
    for (int64_t k = 0; k < N; ++k)
      if (!fixed[std::size_t(k)]) {
        fix(k, 1.0);
        --left;
        break;
      }
    while (left > 0) {
      int64_t arg = -1;
      double sc = 0.0;
      for (int64_t k = 0; k < N; ++k)
        if (!fixed[std::size_t(k)] && std::abs(score[std::size_t(k)]) > std::abs(sc)) sc = score[std::size_t(k)], arg = k;
      if (arg < 0 || std::abs(sc) <= small) break;
      fix(arg, sc > 0 ? 1.0 : -1.0);
      --left;
    }
  }
  std::vector<std::vector<double>> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i].assign(s.begin() + off[i], s.begin() + off[i + 1]);
  return out;
}

std::vector<double> bond_signs(const NDArray& T, const NDArray* ref) {
  return chain_signs({T}, {ref}).front();
}

double global_sign(const Tensor& T, const std::vector<std::vector<double>>& legs, const NDArray* ref) {
  if (!ref || !ref->defined() || !(ref->shape() == T.shape())) return 1.0;
  const Shape& sh = T.shape();
  const double* t = T.data();
  const double* r = ref->data();
  double ov = 0.0;
  std::vector<int64_t> idx(sh.size(), 0);
  for (int64_t i = 0, n = T.numel(); i < n; ++i) {
    double f = 1.0;
    for (std::size_t l = 0; l < legs.size(); ++l)
      if (!legs[l].empty()) f *= legs[l][std::size_t(idx[l])];
    ov += f * t[i] * r[i];
    for (int64_t l = int64_t(sh.size()) - 1; l >= 0 && ++idx[std::size_t(l)] == sh[std::size_t(l)]; --l) idx[std::size_t(l)] = 0;
  }
  return ov < 0 ? -1.0 : 1.0;
}

Tensor apply_signs(const Tensor& T, const std::vector<std::vector<double>>& legs, double global) {
  NDArray m = NDArray::empty(T.shape(), "ctmrg gauge");
  double* p = m.mutable_data();
  const Shape& sh = T.shape();
  std::vector<int64_t> idx(sh.size(), 0);
  bool trivial = global == 1.0;
  for (int64_t i = 0, n = T.numel(); i < n; ++i) {
    double f = global;
    for (std::size_t l = 0; l < legs.size(); ++l)
      if (!legs[l].empty()) f *= legs[l][std::size_t(idx[l])];
    p[i] = f;
    trivial = trivial && f == 1.0;
    for (int64_t l = int64_t(sh.size()) - 1; l >= 0 && ++idx[std::size_t(l)] == sh[std::size_t(l)]; --l) idx[std::size_t(l)] = 0;
  }
  return trivial ? T : T * Tensor(std::move(m));
}

// max |x - y| / max |x| over the tensors, -1 if the shapes differ.
double element_change(const std::vector<Tensor>& x, const std::vector<Tensor>& y) {
  double d = 0.0, m = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i].shape() == y[i].shape())) return -1.0;
    d = std::max(d, nd::max_abs(nd::sub(x[i].value(), y[i].value())));
    m = std::max(m, nd::max_abs(x[i].value()));
  }
  return m > 0 ? d / m : d;
}

std::vector<Tensor> iterate(const StepFn& step, std::vector<Tensor> state, const std::vector<Tensor>& params,
                            const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& corners,
                            const CtmrgOptions& o, CtmrgInfo& info, const std::string& name) {
  std::vector<std::vector<double>> prev;
  for (const Tensor& C : corners(state)) prev.push_back(normalized_spectrum(C));
  info = CtmrgInfo{};
  const std::size_t ns = state.size();
  for (int it = 0; it < o.max_iter; ++it) {
    interruption_point();
    NameScope scope(name + " iteration " + std::to_string(it));
    const std::vector<Tensor> before = state;
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
    info.env_change = element_change(state, before);
    for (const Tensor& t : state)
      if (!nd::all_finite(t.value()))
        throw_error(name, ": iteration ", it, ": the environment has NaN or Inf entries");
    for (const Tensor& C : corners(state))
      if (C.size(0) > 2 * o.chi || C.size(1) > 2 * o.chi)
        throw_error(name, ": iteration ", it, ": keep_multiplets kept a corner of shape ", C.shape(),
                    ", more than twice chi = ", o.chi, " (the leading values are one multiplet within ",
                    "multiplet_tol = ", o.truncation.multiplet_tol, "); raise chi or lower multiplet_tol");
    double err = 0.0;
    bool informative = false;  // some corner has a second singular value above rounding
    const std::vector<Tensor> cs = corners(state);
    for (std::size_t i = 0; i < cs.size(); ++i) {
      std::vector<double> s = normalized_spectrum(cs[i]);
      err = std::max(err, spectrum_distance(s, prev[i]));
      informative = informative || (s.size() > 1 && s[1] > 1e-12);
      prev[i] = std::move(s);
    }
    info.iterations = it + 1;
    info.error = err;
    // Trap: corners of rank one (e.g. decoupled chains) have the spectrum (1) at every
    // iteration while the edges are still far from converged; then only the element-wise
    // change of the (gauge-fixed) environment can tell convergence.
    if (err < o.tol && (informative || (info.env_change >= 0.0 && info.env_change < o.tol))) {
      info.converged = true;
      break;
    }
  }
  return state;
}

}  // namespace tnad::ctm_detail
