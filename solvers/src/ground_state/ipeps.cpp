// Variational C4v iPEPS energies and observables (ipeps.hpp).
#include "tnad/solvers/ipeps.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/linalg/krylov.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

namespace tnad {

namespace {

void check_site_tensor(const Tensor& A, const char* what) {
  if (!A.defined() || A.ndim() != 5 || A.size(1) != A.size(2) || A.size(1) != A.size(3) || A.size(1) != A.size(4))
    throw_error(what, ": expects a site tensor (d, D, D, D, D), got ", A.defined() ? A.shape() : Shape{});
}

}  // namespace

Tensor c4v_peps_state(const Tensor& A) {
  check_site_tensor(A, "c4v_peps_state");
  const Tensor s = c4v_symmetrize(A);
  const double n = norm(s).item();
  if (!(n > 0.0) || !std::isfinite(n))
    throw_error("c4v_peps_state: the C4v-symmetric part of the tensor has norm ", n,
                " (a tensor without a C4v-invariant part describes no C4v state)");
  return s / norm(s);
}

Tensor c4v_energy_of(const Tensor& state, const C4vEnv& env, const LatticeHamiltonian& H) {
  if (state.size(0) != H.d)
    throw_error("c4v_energy: the tensor's physical dimension is ", state.size(0), ", the model's ", H.d);
  // The state is c4v_symmetrize'd (c4v_peps_state) and the environment ctmrg_c4v's: the
  // pair's halves are mirror images, one is contracted (exact gradient: the symmetrization
  // projects A's onto the symmetric directions, rdm.hpp). Others (a loaded environment)
  // take both halves.
  const Tensor rho = mirror_symmetric(env, state) ? rdm2x1_mirror_symmetric(env, state) : rdm2x1(env, state);
  Tensor e = 2.0 * bond_expectation(rho, H.nn);
  if (H.nnn.defined()) {
    // the diagonal pair (1 top left, 4 bottom right) of the plaquette: sites 2 and 3 traced out
    const Tensor rho = rdm2x2(to_ctm_env(env), state);  // (s1 s2 s3 s4, s1' s2' s3' s4')
    e = e + 2.0 * bond_expectation(einsum("abcdebch->adeh", rho), H.nnn);
  }
  return e;
}

namespace {
// A warm-start environment must belong to a double layer of A: its edge's middle leg is D^2.
void check_warm_start(const char* who, const char* edge_name, const Tensor& edge, const Tensor& A) {
  const int64_t D2 = A.size(1) * A.size(1);
  if (!edge.defined() || edge.ndim() != 3 || edge.size(1) != D2)
    throw_error(who, ": the warm-start environment's ", edge_name, " has shape ", edge.defined() ? edge.shape() : Shape{},
                ", its in-leg must be D^2 = ", D2);
}
}  // namespace

C4vEnergy c4v_energy(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options, const C4vEnv* init) {
  C4vEnergy out;
  out.state = c4v_peps_state(A);
  if (init) check_warm_start("c4v_energy", "T", init->T, A);
  out.ctm = init ? ctmrg_c4v(out.state, *init, options) : ctmrg_c4v(out.state, options);
  out.energy = c4v_energy_of(out.state, out.ctm.env, H);
  return out;
}

namespace {

// |lambda_i / lambda_0|, descending, k of them, from eigenvalue moduli in any order.
std::vector<double> normalized_moduli(std::vector<double> a, int64_t k, const char* who) {
  std::sort(a.begin(), a.end(), std::greater<>());
  a.resize(std::size_t(std::min<int64_t>(k, int64_t(a.size()))));
  const double top = a.empty() ? 0.0 : a[0];
  if (!(top > 0.0) || !std::isfinite(top)) throw_error(who, ": the transfer matrix is zero or not finite");
  for (double& x : a) x /= top;
  return a;
}

// Below this many rows a dense eigensolver is as cheap as the Krylov iteration, and the
// Krylov space (at least nev + 2 vectors) would not fit.
constexpr int64_t kDenseTransfer = 64;

// The k leading |eigenvalues| of the edge transfer matrix E_{(a c),(b e)} = sum_s U_{a s b} L_{c s e},
// applied as v_{b e} -> sum U_{a s b} L_{c s e} v_{b e} (chi^3 D^2 per application).
// symmetric: U = L with U_{a s b} = U_{b s a} (C4v), Lanczos; else Arnoldi.
std::vector<double> edge_transfer_spectrum(const Tensor& U, const Tensor& L, int64_t k, bool symmetric,
                                           const char* who) {
  NoGradGuard no_grad;
  if (!U.defined() || U.ndim() != 3 || !L.defined() || L.ndim() != 3 || U.size(1) != L.size(1))
    throw_error(who, ": the edge tensors must be (chi, D^2, chi) with a common in-leg, got ",
                U.defined() ? U.shape() : Shape{}, " and ", L.defined() ? L.shape() : Shape{});
  if (k < 1) throw_error(who, ": asks for ", k, " eigenvalues (at least 1)");
  const int64_t n1 = U.size(0), n2 = L.size(0), N = n1 * n2;
  if (U.size(2) != n1 || L.size(2) != n2) throw_error(who, ": an edge tensor is not square in its chi legs");
  const Tensor u = U.detach(), l = L.detach();
  std::vector<double> moduli;
  if (symmetric && N <= kDenseTransfer) {
    Tensor E = reshape(einsum("asb,cse->acbe", u, l), Shape{N, N});
    E = 0.5 * (E + transpose(E));  // symmetric up to round-off
    for (double w : eigvalsh(E).value().to_vector()) moduli.push_back(std::abs(w));
    return normalized_moduli(moduli, k, who);
  }
  if (N <= 2) {  // too small for a Krylov space of nev + 2: the eigenvalues of a 1x1 or 2x2
    const std::vector<double> e = einsum("asb,cse->acbe", u, l).value().to_vector();
    if (N == 1) return normalized_moduli({std::abs(e[0])}, k, who);
    const double tr = e[0] + e[3], det = e[0] * e[3] - e[1] * e[2], disc = tr * tr / 4 - det;
    if (disc < 0) return normalized_moduli({std::sqrt(det), std::sqrt(det)}, k, who);  // a complex pair
    return normalized_moduli({std::abs(tr / 2 + std::sqrt(disc)), std::abs(tr / 2 - std::sqrt(disc))}, k, who);
  }
  const LinearMap apply = [&](const Tensor& v) { return einsum("asb,cse,be->ac", u, l, v); };
  EigenOptions eo;
  // at most N - 2 (the Krylov space needs nev + 2 <= N); a small map gets the whole space
  eo.nev = std::min<int64_t>(k, N - 2);
  eo.which = Which::largest_magnitude;
  eo.tol = 1e-10;
  eo.max_restarts = 500;
  eo.krylov_dim = N <= kDenseTransfer ? N : std::min<int64_t>(N, std::max<int64_t>(2 * k + 1, 20));
  // a random start: a structured one may be orthogonal to a wanted eigenvector
  const Tensor v0(NDArray::rand({n1, n2}, 0x5eed, -1.0, 1.0));
  bool converged = false;
  if (symmetric) {
    const SymmetricEigenResult r = lanczos(apply, v0, eo);
    converged = r.converged;
    for (double w : r.values) moduli.push_back(std::abs(w));
  } else {
    const EigenResult r = arnoldi(apply, v0, eo);
    converged = r.converged;
    for (const auto& z : r.values) moduli.push_back(std::abs(z));
  }
  if (!converged) {
    // never an unconverged number as the answer: NaN for everything below the leading one
    std::vector<double> out = normalized_moduli(moduli, k, who);
    for (std::size_t i = 1; i < out.size(); ++i) out[i] = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  return normalized_moduli(moduli, k, who);
}

}  // namespace

std::vector<double> c4v_transfer_spectrum(const C4vEnv& env, int64_t k) {
  return edge_transfer_spectrum(env.T, env.T, k, /*symmetric=*/true, "c4v_transfer_spectrum");
}

std::vector<double> transfer_spectrum_horizontal(const CtmEnv& env, int64_t k) {
  return edge_transfer_spectrum(env.T_t, env.T_b, k, /*symmetric=*/false, "transfer_spectrum_horizontal");
}

std::vector<double> transfer_spectrum_vertical(const CtmEnv& env, int64_t k) {
  return edge_transfer_spectrum(env.T_l, env.T_r, k, /*symmetric=*/false, "transfer_spectrum_vertical");
}

double bond_energy_lower_bound(const LatticeHamiltonian& H) {
  NoGradGuard no_grad;
  const auto lowest = [](const Tensor& h) { return eigvalsh(0.5 * (h + transpose(h))).value().to_vector().front(); };
  double e = 2.0 * lowest(H.nn);
  if (H.nnn.defined()) e += 2.0 * lowest(H.nnn);
  return e;
}

double correlation_length(const std::vector<double>& s) {
  if (s.size() >= 2 && std::isnan(s[1])) return std::numeric_limits<double>::quiet_NaN();
  if (s.size() < 2 || !(s[1] > 0.0)) return 0.0;  // a single nonzero eigenvalue: no correlations
  if (s[1] >= 1.0) return std::numeric_limits<double>::infinity();
  return -1.0 / std::log(s[1]);
}

GroundStateObservables c4v_observables(const Tensor& state, const C4vEnv& env, const LatticeHamiltonian& H,
                                       int n_transfer) {
  NoGradGuard no_grad;
  GroundStateObservables o;
  o.energy = c4v_energy_of(state, env, H).item();
  const Tensor rho = rdm1x1(env, state);
  const SpinOperators s = spin_operators(H.d);
  const double unit = H.pauli ? 2.0 : 1.0;
  // Tr(rho O) = sum rho_ij O_ji
  o.mx = unit * vdot(rho, transpose(s.sx)).item();
  o.mz = unit * vdot(rho, transpose(s.sz)).item();
  o.magnetization = std::sqrt(o.mx * o.mx + o.mz * o.mz);
  if (n_transfer > 0) {
    o.transfer_spectrum = c4v_transfer_spectrum(env, n_transfer);
    o.correlation_length = correlation_length(o.transfer_spectrum);
    o.correlation_length_vertical = o.correlation_length;
  }
  return o;
}

// ---------------------------------------------------------------- single site

Tensor single_site_peps_state(const Tensor& A) {
  check_site_tensor(A, "single_site_peps_state");
  const double n = norm(A).item();
  if (!(n > 0.0) || !std::isfinite(n)) throw_error("single_site_peps_state: the tensor has norm ", n);
  return A / norm(A);
}

Tensor single_site_energy_of(const Tensor& state, const CtmEnv& env, const LatticeHamiltonian& H) {
  return cell_energy_of({state}, CtmCellEnv{1, 1, {env}}, H);
}

SiteEnergy single_site_energy(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                              const CtmEnv* init) {
  SiteEnergy out;
  out.state = single_site_peps_state(A);
  if (init) check_warm_start("single_site_energy", "T_t", init->T_t, A);
  out.ctm = init ? ctmrg(out.state, *init, options) : ctmrg(out.state, options);
  out.energy = single_site_energy_of(out.state, out.ctm.env, H);
  return out;
}

GroundStateObservables single_site_observables(const Tensor& state, const CtmEnv& env, const LatticeHamiltonian& H,
                                               int n_transfer) {
  NoGradGuard no_grad;
  GroundStateObservables o;
  o.energy = single_site_energy_of(state, env, H).item();
  const Tensor rho = rdm1x1(env, state);
  const SpinOperators s = spin_operators(H.d);
  const double unit = H.pauli ? 2.0 : 1.0;
  o.mx = unit * vdot(rho, transpose(s.sx)).item();
  o.mz = unit * vdot(rho, transpose(s.sz)).item();
  o.magnetization = std::sqrt(o.mx * o.mx + o.mz * o.mz);
  if (n_transfer > 0) {
    // the longer of the two lattice directions (a single-site state may break C4v)
    o.transfer_spectrum = transfer_spectrum_horizontal(env, n_transfer);
    o.correlation_length_vertical = correlation_length(transfer_spectrum_vertical(env, n_transfer));
    o.correlation_length = std::max(correlation_length(o.transfer_spectrum), o.correlation_length_vertical);
    if (std::isnan(o.correlation_length_vertical) || std::isnan(correlation_length(o.transfer_spectrum)))
      o.correlation_length = std::numeric_limits<double>::quiet_NaN();
  }
  return o;
}

// ---------------------------------------------------------------- unit cell

std::vector<Tensor> cell_peps_states(const std::vector<Tensor>& A) {
  std::vector<Tensor> out;
  for (const Tensor& a : A) {
    check_site_tensor(a, "cell_peps_states");
    const double n = norm(a).item();
    if (!(n > 0.0) || !std::isfinite(n))
      throw_error("cell_peps_states: the tensor of site ", out.size(), " has norm ", n);
    out.push_back(a / norm(a));
  }
  return out;
}

Tensor cell_energy_of(const std::vector<Tensor>& states, const CtmCellEnv& env, const LatticeHamiltonian& H) {
  if (int64_t(states.size()) != env.Lx * env.Ly || env.site.size() != states.size())
    throw_error("cell_energy: ", states.size(), " site tensors for an environment of ", env.site.size(), " sites (Lx = ",
                env.Lx, ", Ly = ", env.Ly, ")");
  for (const Tensor& s : states)
    if (s.size(0) != H.d)
      throw_error("cell_energy: a tensor's physical dimension is ", s.size(0), ", the model's ", H.d);
  Tensor e;
  for (int64_t y = 0; y < env.Ly; ++y)
    for (int64_t x = 0; x < env.Lx; ++x) {
      Tensor t = bond_expectation(rdm2x1(env, states, x, y), H.nn) + bond_expectation(rdm1x2(env, states, x, y), H.nn);
      if (H.nnn.defined()) {
        const Tensor rho = rdm2x2(env, states, x, y);  // (s1 s2 s3 s4, s1' s2' s3' s4'): tl, tr, bl, br
        t = t + bond_expectation(einsum("abcdebch->adeh", rho), H.nnn)   // tl - br
              + bond_expectation(einsum("abcdafgd->bcfg", rho), H.nnn);  // tr - bl
      }
      e = e.defined() ? e + t : t;
    }
  const double n = double(states.size());
  return n == 1.0 ? e : e / n;
}

namespace {
void check_cell_warm_start(const char* who, const CtmCellEnv& init, const std::vector<Tensor>& A, int64_t Lx,
                           int64_t Ly) {
  if (init.Lx != Lx || init.Ly != Ly || init.site.size() != A.size())
    throw_error(who, ": the warm-start environment is for a ", init.Lx, " x ", init.Ly, " cell, the state ", Lx, " x ", Ly);
  for (std::size_t i = 0; i < A.size(); ++i) check_warm_start(who, "T_t", init.site[i].T_t, A[i]);
}
void check_cell_size(const char* who, const std::vector<Tensor>& A, int64_t Lx, int64_t Ly) {
  if (Lx < 1 || Ly < 1 || int64_t(A.size()) != Lx * Ly)
    throw_error(who, ": need Lx * Ly site tensors (Lx, Ly >= 1), got ", A.size(), " for Lx = ", Lx, ", Ly = ", Ly);
}
}  // namespace

CellEnergy cell_energy(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly, const LatticeHamiltonian& H,
                       const CtmrgOptions& options, const CtmCellEnv* init) {
  check_cell_size("cell_energy", A, Lx, Ly);
  CellEnergy out;
  out.states = cell_peps_states(A);
  if (init) check_cell_warm_start("cell_energy", *init, A, Lx, Ly);
  out.ctm = ctmrg(out.states, init ? *init : initial_env(out.states, Lx, Ly), options);
  out.energy = cell_energy_of(out.states, out.ctm.env, H);
  return out;
}

CellEnergy cell_energy_fixed_point(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly, const LatticeHamiltonian& H,
                                   const CtmrgOptions& options, const FixedPointOptions& fp,
                                   std::shared_ptr<FixedPointInfo> info, const CtmCellEnv* init) {
  check_cell_size("cell_energy_fixed_point", A, Lx, Ly);
  CellEnergy out;
  out.states = cell_peps_states(A);
  if (init) check_cell_warm_start("cell_energy_fixed_point", *init, A, Lx, Ly);
  CtmCellEnv start;
  if (init) {
    start = *init;
  } else {
    NoGradGuard ng;
    std::vector<Tensor> detached;
    for (const Tensor& s : out.states) detached.push_back(s.detach());
    start = initial_env(detached, Lx, Ly);
  }
  out.ctm = ctmrg_fixed_point(out.states, start, options, fp, std::move(info));
  out.energy = cell_energy_of(out.states, out.ctm.env, H);
  return out;
}

GroundStateObservables cell_observables(const std::vector<Tensor>& states, const CtmCellEnv& env,
                                        const LatticeHamiltonian& H) {
  NoGradGuard no_grad;
  GroundStateObservables o;
  o.energy = cell_energy_of(states, env, H).item();
  const SpinOperators s = spin_operators(H.d);
  const double unit = H.pauli ? 2.0 : 1.0;
  double m = 0;
  for (int64_t y = 0; y < env.Ly; ++y)
    for (int64_t x = 0; x < env.Lx; ++x) {
      const Tensor rho = rdm1x1(env, states, x, y);
      const double mx = unit * vdot(rho, transpose(s.sx)).item(), mz = unit * vdot(rho, transpose(s.sz)).item();
      o.site_mx.push_back(mx);
      o.site_mz.push_back(mz);
      m += std::sqrt(mx * mx + mz * mz);
    }
  o.mx = o.site_mx[0];
  o.mz = o.site_mz[0];
  o.magnetization = m / double(states.size());
  o.correlation_length = o.correlation_length_vertical = std::numeric_limits<double>::quiet_NaN();
  return o;
}

// ---------------------------------------------------------------- fixed-point gradient

C4vEnergy c4v_energy_fixed_point(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                                 const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info,
                                 const C4vEnv* init) {
  C4vEnergy out;
  out.state = c4v_peps_state(A);
  if (init) check_warm_start("c4v_energy_fixed_point", "T", init->T, A);
  out.ctm = init ? ctmrg_c4v_fixed_point(out.state, *init, options, fp, std::move(info)) : ctmrg_c4v_fixed_point(out.state, options, fp, std::move(info));
  out.energy = c4v_energy_of(out.state, out.ctm.env, H);
  return out;
}

SiteEnergy single_site_energy_fixed_point(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                                          const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info,
                                          const CtmEnv* init) {
  SiteEnergy out;
  out.state = single_site_peps_state(A);
  if (init) check_warm_start("single_site_energy_fixed_point", "T_t", init->T_t, A);
  out.ctm = init ? ctmrg_fixed_point(out.state, *init, options, fp, std::move(info)) : ctmrg_fixed_point(out.state, options, fp, std::move(info));
  out.energy = single_site_energy_of(out.state, out.ctm.env, H);
  return out;
}

// ---------------------------------------------------------------- starting tensors

Tensor random_peps_tensor(int64_t d, int64_t D, uint64_t seed, double low) {
  if (d < 1 || D < 1) throw_error("random_peps_tensor: d and D must be >= 1, got ", d, ", ", D);
  if (!(low < 1.0) || !std::isfinite(low)) throw_error("random_peps_tensor: low must be finite and < 1, got ", low);
  return Tensor(NDArray::rand({d, D, D, D, D}, seed, low, 1.0));
}

Tensor product_peps_tensor(const std::vector<double>& phi, int64_t D, double noise, uint64_t seed) {
  const auto d = int64_t(phi.size());
  if (d < 1 || D < 1) throw_error("product_peps_tensor: d and D must be >= 1, got ", d, ", ", D);
  NDArray A = noise > 0 ? NDArray::rand({d, D, D, D, D}, seed, -noise, noise) : NDArray::zeros({d, D, D, D, D});
  double* a = A.mutable_data();
  const int64_t D4 = D * D * D * D;
  for (int64_t p = 0; p < d; ++p) a[p * D4] += phi[std::size_t(p)];
  return Tensor(A);
}

Tensor embed_peps_tensor(const Tensor& A, int64_t D, double noise, uint64_t seed) {
  check_site_tensor(A, "embed_peps_tensor");
  const int64_t d = A.size(0), D0 = A.size(1);
  if (D < D0) throw_error("embed_peps_tensor: cannot embed bond dimension ", D0, " into the smaller ", D);
  double scale = 0;
  for (double v : A.value().to_vector()) scale = std::max(scale, std::abs(v));
  NDArray out = noise > 0 ? NDArray::rand({d, D, D, D, D}, seed, -noise * scale, noise * scale)
                          : NDArray::zeros({d, D, D, D, D});
  double* o = out.mutable_data();
  const double* a = A.value().data();
  for (int64_t p = 0; p < d; ++p)
    for (int64_t u = 0; u < D0; ++u)
      for (int64_t l = 0; l < D0; ++l)
        for (int64_t dn = 0; dn < D0; ++dn)
          for (int64_t r = 0; r < D0; ++r)
            o[(((p * D + u) * D + l) * D + dn) * D + r] = a[(((p * D0 + u) * D0 + l) * D0 + dn) * D0 + r];
  return Tensor(out);
}

}  // namespace tnad
