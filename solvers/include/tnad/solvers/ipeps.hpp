// Variational iPEPS ground states: the energy per site of a one-site, C4v-symmetric real
// iPEPS of a lattice Hamiltonian (hamiltonian.hpp), differentiable in the tensor through the
// unrolled C4v CTMRG (tnad/tensornet/ctmrg.hpp), and the observables of a converged state.
// Liao, Liu, Wang, Xiang, "Differentiable Programming Tensor Networks", PRX 9, 031041 (2019),
// Sec. V: A -> c4v_symmetrize(A) / |.|, CTMRG environment, E = 2 Tr(rho_2x1 h) (+ the
// diagonal bonds 2 Tr(rho_diag h_nnn) from the 2x2 plaquette), gradient by AD, L-BFGS.
// rho_2x1 is contracted from one half of the pair, the other being its mirror image
// (rdm2x1_mirror_symmetric; exact here because c4v_symmetrize projects the gradient).
//
// Cost of one energy + gradient: the CTMRG iterations (chi^3 D^4 + chi^2 D^8 + (chi D^2)^3
// each), about twice that for the backward; memory: every iteration's tape unless
// CtmrgOptions::checkpoint.
// Traps: (1) the gradient is that of the unrolled iterations: a CTMRG stopped before its
// environment converged gives the gradient of a different function (tighten tol / raise
// max_iter rather than trusting a small |grad|); (2) a warm start from an environment of a
// previous tensor must be detached (C4vEnv::detach), and makes the energy depend on the
// history of evaluations (the run job saves that environment with its checkpoint); (3) an
// energy below the exact ground state energy (e.g. QMC's -0.6694421 for the Heisenberg model)
// is a bug, not a better state: the iPEPS energy of a converged environment is variational;
// (4) the unrolled gradient can blow up when the CTMRG runs long past its convergence: at a
// single-site D = 2, chi = 16 Heisenberg point its norm is 0.08-0.09 after 25 to 100 iterations
// and 4e7, 1e67, inf after 150, 200, 300 (energy converged to 1e-12 all along; neither the
// adjoints' degeneracy rule nor rel_cutoff change this) — keep ctm_max_iter near 100 or
// use a fixed-point gradient.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tnad/solvers/hamiltonian.hpp"
#include "tnad/tensornet/ctmrg.hpp"

namespace tnad {

// A (d, D, D, D, D), any real tensor -> the C4v-symmetric tensor of unit Frobenius norm that
// the energy is a function of. Differentiable.
Tensor c4v_peps_state(const Tensor& A);

struct C4vEnergy {
  Tensor energy;  // 0-d, energy per site
  Tensor state;   // c4v_peps_state(A)
  C4vCtmrg ctm;   // its environment and the CTMRG report
};

// The energy per site of the iPEPS of A. init: a warm-start environment (detached; its in-leg
// must be D^2), or null for c4v_initial_env. Recorded when A requires grad.
// A model with diagonal bonds (j1j2) evaluates them on the 2x2 plaquette RDM.
C4vEnergy c4v_energy(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                     const C4vEnv* init = nullptr);
// The same from a state and its environment (no CTMRG).
Tensor c4v_energy_of(const Tensor& state, const C4vEnv& env, const LatticeHamiltonian& H);

// Observables of a state and its environment (values, not recorded).
struct GroundStateObservables {
  double energy = 0;        // per site
  double mx = 0, mz = 0;    // <S^x>, <S^z> (Pauli models: <sigma^x>, <sigma^z>) in the rotated frame
  double magnetization = 0; // sqrt(mx^2 + mz^2) (<S^y> = 0 for a real state); staggered if rotated
  std::vector<double> transfer_spectrum;  // |lambda_i / lambda_0| of the edge transfer matrix, descending
                                          // (single-site: the horizontal one, T_t over T_b)
  double correlation_length = 0;          // -1 / ln |lambda_1 / lambda_0| (inf if degenerate; NaN if the
                                          // eigensolver did not converge); single-site: the longer direction
  double correlation_length_vertical = 0; // single-site: from T_l over T_r (c4v: the same as above)
  std::vector<double> site_mx, site_mz;   // unit cell: every site's <S^x>, <S^z>, row-major
};
// n_transfer: how many transfer-matrix eigenvalues to report (0: skip the spectrum and xi).
GroundStateObservables c4v_observables(const Tensor& state, const C4vEnv& env, const LatticeHamiltonian& H,
                                       int n_transfer = 4);

// Edge transfer matrix of one column of the environment, E_{(a c),(b e)} = sum_s T_{a s b} T_{c s e}
// (chi^2 x chi^2; the overlap of the upper and lower boundary MPS, Orus & Vidal, PRB 80, 094403
// (2009), Sec. IV B): the k largest |eigenvalues| divided by the largest, descending. The
// correlation length along a lattice axis is xi = -1 / ln(|lambda_1| / |lambda_0|).
// E is never formed: v -> E v costs 2 chi^3 D^2, and the leading k come from Lanczos (C4v: E is
// symmetric as T_{a s b} = T_{b s a}) or Arnoldi (single site) of tnad/linalg/krylov.hpp, from a
// fixed random start (a dense eigensolver below 64 rows). An unconverged Krylov run gives NaN
// for lambda_1, ... (never a wrong number).
// Trap: the boundary's xi converges from below in chi (finite entanglement), slowly near a
// critical point; compare chi's before trusting it.
std::vector<double> c4v_transfer_spectrum(const C4vEnv& env, int64_t k);
// Single-site environments: horizontal (T_t over T_b) and vertical (T_l over T_r) columns.
std::vector<double> transfer_spectrum_horizontal(const CtmEnv& env, int64_t k);
std::vector<double> transfer_spectrum_vertical(const CtmEnv& env, int64_t k);
double correlation_length(const std::vector<double>& spectrum);

// The energy per site that no state can go below: every bond at the lowest eigenvalue of its
// term (Anderson's bound, Phys. Rev. 83, 1260 (1951)), 2 min eig(h_nn) + 2 min eig(h_nnn).
double bond_energy_lower_bound(const LatticeHamiltonian& H);
// The 2D spin-1/2 Heisenberg antiferromagnet's ground-state energy per site for J = 1, quantum
// Monte Carlo (Sandvik & Evertz, PRB 82, 024407 (2010)): -0.6694421(4). A variational iPEPS
// energy below it means an unconverged environment or a bug.
inline constexpr double kHeisenbergQmcEnergy = -0.6694421;

// ---- one site without point-group symmetry (directional CTMRG, ctmrg.hpp)
// The state is A / |A| (no symmetrization): with the sublattice rotation this is the
// "single-site" ansatz of Corboz-style iPEPS, which may break the lattice rotations.
// The energy has several local minima at D = 2 (Heisenberg, docs/physics.md): uniform [0, 1)
// and Neel starts end at the C4v optimum -0.6602311, starts with entries of both signs also at
// rotation-breaking states (bond energies differ), higher or lower.
//   E = Tr(rho_2x1 h) + Tr(rho_1x2 h) + Tr(rho_diag h_nnn) + Tr(rho_antidiag h_nnn)
// (the rotation acts on the right / lower site of a bond; that is the same Hamiltonian as
// on the left / upper one for every model here with U x U symmetry: Heisenberg, XXZ, J1-J2).
// Cost: four moves per CTMRG iteration, each about two C4v steps.
Tensor single_site_peps_state(const Tensor& A);

struct SiteEnergy {
  Tensor energy;
  Tensor state;  // single_site_peps_state(A)
  Ctmrg ctm;
};
SiteEnergy single_site_energy(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                              const CtmEnv* init = nullptr);
Tensor single_site_energy_of(const Tensor& state, const CtmEnv& env, const LatticeHamiltonian& H);
// Energy, magnetizations, and (n_transfer > 0) the transfer spectra of both directions.
GroundStateObservables single_site_observables(const Tensor& state, const CtmEnv& env, const LatticeHamiltonian& H,
                                               int n_transfer = 4);

// ---- the same energies with the fixed-point gradient (tnad/tensornet/ctmrg.hpp,
// "Fixed-point gradient"): the CTMRG runs unrecorded (fix_gauge on), its converged environment
// is attached to the state by the implicit rule, dE/dA = f_A^T y with (I - f_x^T) y = dE/dx*.
// Values equal c4v_energy / single_site_energy; the gradient agrees with the unrolled one up
// to the forward's convergence (ctm tol ~1e-12 for 1e-6). Memory: one CTMRG step's tape.
// info: the adjoint solve's report, filled by the backward, which throws tnad::Error if the
// solve does not converge (trap of tnad/ad/fixed_point.hpp).
C4vEnergy c4v_energy_fixed_point(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                                 const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info = nullptr,
                                 const C4vEnv* init = nullptr);
SiteEnergy single_site_energy_fixed_point(const Tensor& A, const LatticeHamiltonian& H, const CtmrgOptions& options,
                                          const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info = nullptr,
                                          const CtmEnv* init = nullptr);

// ---- an Lx x Ly unit cell of independent tensors (directional CTMRG on the cell, ctmrg.hpp;
// Corboz, Rice, Troyer, PRL 113, 046402 (2014)). Site (x, y) at index y * Lx + x; the state
// of each site is A_i / |A_i|. The energy per site averages every bond of the cell:
//   E = (1/N) sum_{x,y} [Tr(rho_2x1(x,y) h) + Tr(rho_1x2(x,y) h)
//                        + Tr(rho_diag(x,y) h_nnn) + Tr(rho_antidiag(x,y) h_nnn)]
// (rho_2x1 / rho_1x2: (x, y) with its right / lower neighbour; the diagonals of the plaquette
// with top-left (x, y)). With a rotated Hamiltonian (sublattice_rotation) every bond gets the
// rotated h, as for one site: a cell of copies of A is then the single-site state of A. A
// 2x2 cell holds the Neel state (and any bipartite order) without the rotation.
// Cost: each CTMRG iteration does 4 Lx Ly moves of one site's cost (ctmrg.hpp); the energy
// Lx Ly times the single-site one. Trap: a cell larger than the state's period only repeats
// it (degenerate, slower); one smaller than it cannot hold it (frustrated, higher energy).
std::vector<Tensor> cell_peps_states(const std::vector<Tensor>& A);

struct CellEnergy {
  Tensor energy;
  std::vector<Tensor> states;  // cell_peps_states(A)
  CtmrgCell ctm;
};
// A: Lx * Ly tensors (d, D, D, D, D), row-major. init: a warm-start environment (detached).
CellEnergy cell_energy(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly, const LatticeHamiltonian& H,
                       const CtmrgOptions& options, const CtmCellEnv* init = nullptr);
CellEnergy cell_energy_fixed_point(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly, const LatticeHamiltonian& H,
                                   const CtmrgOptions& options, const FixedPointOptions& fp,
                                   std::shared_ptr<FixedPointInfo> info = nullptr, const CtmCellEnv* init = nullptr);
Tensor cell_energy_of(const std::vector<Tensor>& states, const CtmCellEnv& env, const LatticeHamiltonian& H);
// Energy and the magnetization of every site (site_mx, site_mz, row-major); mx, mz: site
// (0, 0); magnetization: the mean of |m_i| over the cell. No transfer spectra (empty,
// correlation lengths NaN).
GroundStateObservables cell_observables(const std::vector<Tensor>& states, const CtmCellEnv& env,
                                        const LatticeHamiltonian& H);

// ---- starting tensors (d, D, D, D, D)
// Uniform entries in [low, 1) from the seed (a symmetrized normal tensor has exactly
// degenerate CTMRG spectra, peps.hpp). low = 0: all positive, which starts a single-site
// optimization in the basin of the C4v-symmetric state; low = -1: both signs, which can leave it.
Tensor random_peps_tensor(int64_t d, int64_t D, uint64_t seed, double low = 0.0);
// The product state |phi> on every site (phi: d amplitudes) in the D = 1 corner, plus noise:
// uniform entries in [-noise, noise) everywhere. With the sublattice rotation, phi = |m = S> is
// the Neel state.
Tensor product_peps_tensor(const std::vector<double>& phi, int64_t D, double noise, uint64_t seed);
// A (d, D0, D0, D0, D0) embedded in the D0 corner of (d, D, D, D, D), D >= D0: the same state,
// plus uniform noise in [-noise, noise) times max |A| on the new entries only.
Tensor embed_peps_tensor(const Tensor& A, int64_t D, double noise, uint64_t seed);

}  // namespace tnad
