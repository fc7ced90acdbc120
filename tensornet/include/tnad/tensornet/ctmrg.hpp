// Corner transfer matrix renormalization group (CTMRG): the environment of one site of an
// infinite 2D network of identical 4-leg tensors a_uldr (a PEPS double layer, peps.hpp, or
// a classical weight tensor), differentiable w.r.t. a (and the initial environment) by
// reverse mode through the unrolled iterations. Knows no physical model.
//
// Every entry point takes A = a PEPS site tensor (d, D, D, D, D), whose double layer
// double_layer(A) is contracted, or a 4-leg tensor a (D', D', D', D') contracted as is
// (for a step called many times, pass the double layer once).
//
// ---- C4v CTMRG (Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019), Sec. IV and App.; as in
// tensorgrad and peps-torch). For a C4v-symmetric a one corner C (chi, chi, symmetric) and
// one edge T (chi, D^2, chi; legs (left, in, right), symmetric under left <-> right) stand
// for all four. One step:
//   enlarged corner M_{(x' r),(y' d)} = sum C_xy T_{x u x'} T_{y l y'} a_{u l d r}
//                                      (chi D^2 x chi D^2, symmetric: only its blocks
//                                      x' <= y' are contracted, the others mirrored),
//   M = V diag(w) V^T (eigh), keep the k <= chi pairs of largest |w| (the eigenvalues of a
//   symmetric M have either sign): P = V_kept,
//   C' = P^T M P = diag(w_kept),  T'_{k d k'} = sum P_{(x l) k} T_{x u x'} a_{u l d r} P_{(x' r) k'},
//   T' symmetrized (left <-> right), then C' / |C'|, T' / |T'| (Frobenius).
// Cost per step: chi^3 D^4 + chi^2 D^8 (contractions) + (chi D^2)^3 (eigh); memory chi^2 D^4.
//
// ---- Directional CTMRG (single site, or an Lx x Ly unit cell): four corners and four edges,
// left, top, right, bottom moves in turn (Orus & Vidal, PRB 80, 094403 (2009); Corboz,
// White, Vidal, Troyer, PRB 84, 041108 (2011); Corboz, Rice, Troyer, PRL 113, 046402 (2014)).
// A left move absorbs a column into the left boundary; the bond between rows y and y+1
// (chi D^2 wide) is cut to k <= chi by projectors from the enlarged corners Q1 (top left),
// Q2 (top right), Q3 (bottom right), Q4 (bottom left) of the 2x2 block around it:
//   half system: R1 = Q1, R2 = Q4 (each (bond to the right) x (cut));
//   full system: R1 = Q2^T Q1, R2 = Q3^T Q4;
//   R1 R2^T = U S V^T (truncated SVD), P1 = R2^T V S^{-1/2}, P2 = R1^T U S^{-1/2},
// so that P1 P2^T is the identity on the kept part (R1 P1 P2^T R2^T = U_k S_k V_k^T), P1 on
// the upper side of the cut, P2 on the lower side. The other moves are the left move of the
// network rotated by 90 degrees. Cost per move: enlarged corners chi^3 D^4 + chi^2 D^8 each
// (2 or 4), the products and the SVD (chi D^2)^3.
//
// Both: truncation keeps whole multiplets of the spectrum (keep_multiplets) and drops values
// below rel_cutoff; the decompositions record their full factorization, so the adjoint is
// the exact truncated one (eigh.hpp, svd.hpp; the adjoint of the kept part alone is 15-100%
// wrong here). Convergence: the singular values of the corner(s), divided by the largest,
// change by less than tol (L2 distance between consecutive iterations; every corner for the
// directional CTMRG); iterations stop there or at max_iter, and CtmrgInfo reports which.
//
// Gradients: the iterations are recorded, so grad of anything computed from the environment
// (rdm.hpp) reaches A and the initial environment. Memory: every iteration's tape
// (chi^2 D^4-sized intermediates and the chi D^2 square factorizations; the C4v step keeps
// the cheap half of them as recipes, rematerialize below). With checkpoint,
// each iteration is one node that keeps its inputs (the environment, chi^2 D^2) and is re-run
// in the backward: memory ~ iterations x environment + one iteration's tape, one extra
// forward (checkpoint.hpp). The step is deterministic (fixed contraction orders, the linalg
// layer's sign gauge), so the re-run reproduces the forward bit for bit.
//
// Traps: (1) the C4v CTMRG of an a that is not C4v-symmetric is wrong, so it raises above
// symmetry_tol (use c4v_symmetrize); (2) degenerate spectra (symmetries): the adjoints
// broaden 1/(w_i - w_j) (linalg/options.hpp) and keep_multiplets avoids cutting a multiplet,
// where the true gradient diverges; (3) warm start: an environment kept from a previous
// optimizer step must be detached (env.detach()), or the new graph reaches into the old one;
// (4) without gauge fixing the corner spectra converge, the environment tensors only up to
// a gauge of the renormalized bonds (signs, rotations inside multiplets): compare
// observables, not tensors (the C4v step fixes the signs by default, fix_gauge; rotations
// inside exactly degenerate multiplets stay free);
// (5) full-system projectors decompose R1 R2^T ~ (corner)^4, which double precision resolves
// only down to ~1e-4 of the largest corner value (half system ~1e-8): beyond that the kept
// rank stops growing and the convergence measure stalls near 1e-10 (2D Ising, D^2 = 2). On
// a state whose spectrum is far from resolved at the given chi (random D = 2 entries in
// [-1, 1), chi = 8) the full-system iteration can be ill-conditioned (gradients ~1e3, finite
// differences that do not settle). half_system is the default.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tnad/ad/fixed_point.hpp"
#include "tnad/linalg/options.hpp"
#include "tnad/linalg/truncation.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

enum class CtmrgProjectors {
  half_system,  // R1 = Q1, R2 = Q4: two enlarged corners per cut
  full_system,  // R1 = Q2^T Q1, R2 = Q3^T Q4: four; more accurate where chi, not double
                // precision, limits the environment (flat spectra; trap 5)
};

struct CtmrgOptions {
  int64_t chi = 16;       // environment bond dimension (the kept rank, at most)
  int max_iter = 100;     // iteration cap (>= 1)
  double tol = 1e-10;     // convergence of the normalized corner spectra (L2 change)
  // The truncation policy of the eigh of the C4v step and the SVD of the projectors
  // (truncation.hpp, kept_rank with max_rank = chi; leave truncation.max_rank at -1):
  // values <= rel_cutoff * largest are dropped (the projectors use S^{-1/2}), and the cut
  // never separates neighbours within multiplet_tol of each other (relative to the pair:
  // corner spectra span decades) — it moves down to the nearest gap, or up if the first
  // multiplet reaches past chi.
  Truncation truncation = {.rel_cutoff = 1e-12, .keep_multiplets = true, .multiplet_tol = 1e-8};
  DegeneracyOptions degeneracy = {};  // regularisation of the adjoints' 1/(w_i - w_j)
  // The adjoint of the truncated eigh (C4v) and SVD (directional projectors): exact by
  // default (truncation.hpp). kept_only is wrong by 15-100% in CTMRG/TRG (Francuz et al.,
  // PRR 7, 013237 (2025)); for comparisons only. sylvester: directional CTMRG only.
  TruncatedAdjoint truncated_adjoint = TruncatedAdjoint::automatic;
  bool checkpoint = false;      // per-iteration checkpointing of the recorded iterations
  // Recorded C4v iterations without checkpointing: the chi^2 D^4 intermediates that are
  // cheap to make (C T T and P T, chi^3 D^4 flops) are kept by the tape as recipes and
  // recomputed in the backward, not stored (checkpoint.hpp, rematerialize): half of a step's
  // tape for a few per cent more time (bench/ground_state/RESULTS.md).
  bool rematerialize = true;
  // C4v CTMRG: the largest c4v_asymmetry(a) accepted (tnad::Error beyond).
  double symmetry_tol = 1e-10;
  // Fix the bond gauge of each new environment against the previous iterate (signs; see
  // "Gauge" below), so that it converges element-wise and is a fixed point of the step:
  // C4v CTMRG and directional CTMRG (one site or an Lx x Ly cell). Costs O(chi^3 D^2) per
  // bond per step. Needed by the fixed-point gradient.
  bool fix_gauge = true;
  // Directional CTMRG: how the projectors are built.
  CtmrgProjectors projectors = CtmrgProjectors::half_system;
};

struct CtmrgInfo {
  int iterations = 0;           // iterations run
  double error = 0;             // last change of the corner spectra
  bool converged = false;       // error < tol before max_iter
  double env_change = -1;       // max |x_n - x_{n-1}| / max |x_n| over the environment tensors of the
                                // last iteration (-1 while their shapes still change): element-wise
                                // convergence, meaningful with a fixed gauge
  double truncation_error = 0;  // discarded weight of the last iteration's truncations (largest):
                                // sum_{i>k} w_i^2 / sum_i w_i^2 (C4v), the same in s_i (directional)
};

// ---------------------------------------------------------------- C4v
struct C4vEnv {
  Tensor C;  // (chi, chi), symmetric
  Tensor T;  // (chi, D^2, chi), legs (left, in, right), T_{x s y} = T_{y s x}
  C4vEnv detach() const { return {C.detach(), T.detach()}; }
};

// The open boundary of the network: C_{r d} = sum_{u l} a_{u l d r}, T_{l d r} = sum_u a_{u l d r}
// (bond dimension D^2; the iterations grow it to chi). If chi < D^2 it is cut at once
// (eigh of C). Deterministic. For a PEPS this is the boundary |+><+| on every cut virtual leg.
C4vEnv c4v_initial_env(const Tensor& A, int64_t chi);

struct C4vCtmrg {
  C4vEnv env;
  CtmrgInfo info;
};
// Unrolled, differentiable w.r.t. A (and init). init may be a previous environment (warm
// start; any chi, its in-leg of dimension D^2).
C4vCtmrg ctmrg_c4v(const Tensor& A, const C4vEnv& init, const CtmrgOptions& options);
// From c4v_initial_env(A, options.chi).
C4vCtmrg ctmrg_c4v(const Tensor& A, const CtmrgOptions& options);

// One step (env, a) -> env', recorded as ordinary ops (the building block of ctmrg_c4v and of
// a fixed-point differentiation). truncation_error, if given, receives the step's discarded
// weight.
C4vEnv ctmrg_c4v_step(const C4vEnv& env, const Tensor& A, const CtmrgOptions& options,
                      double* truncation_error = nullptr);

// ---- Gauge. C4v: the step's eigh fixes each eigenvector only up to its sign s_k, so T'
// is determined up to T'_{k d k'} -> s_k s_k' T'_{k d k'} (C' = diag(w) is unique). With
// fix_gauge the signs are chosen so that each row of T' overlaps the previous T positively
// (greedily, strongest overlap first; the largest entry made positive while chi still
// grows): then x_n -> x* element-wise (CtmrgInfo::env_change -> 0), and x* = f(x*) exactly,
// which the fixed-point gradient needs. A sign pattern is a discrete choice: its derivative
// is zero, so the unrolled gradient is unchanged by it.
// Directional (one site or an Lx x Ly cell): every renormalized bond — a boundary's bond
// between two neighbouring edges, also the leg of the two corners beside it — comes from one
// truncated SVD per iteration, whose singular vectors are fixed up to signs. A boundary (the
// top / bottom one of a row, the left / right one of a column) is a periodic chain of Lx or
// Ly edges, T_i joining bond i-1 to bond i; its signs are a greedy Z2 synchronization: each
// edge with the signs on both legs overlaps its predecessor positively, strongest evidence
// first (for one site the chain is one edge whose two ends are the same bond, the rule of the
// C4v step). Then each tensor gets the overall sign that overlaps its predecessor positively
// (a corner or edge may come out negated: an overall factor the normalized observables do not
// see). The signs are applied once per iteration, after the four moves over the whole cell.
// PEPSKit fixes the general gauge (continuous, inside degenerate multiplets too) with the
// dominant eigenvector of a mixed transfer matrix with a
// random MPS (Francuz et al., Sec. IV); signs suffice for nondegenerate spectra.
//
// ---- Fixed-point gradient (Francuz, Schuch, Vanhecke, PRR 7, 013237 (2025); docs/adjoints.md,
// "Fixed points"). With x* = (C*, T*) = f(x*, A), f the gauge-fixed step,
//   dL/dA = f_A^T y,  (I - f_x^T) y = dL/dx*,
// solved by fixed_point() (tnad/ad/fixed_point.hpp; Neumann series by default, GMRES or
// Arnoldi from tnad/linalg/fixed_point_solvers.hpp). The forward runs unrecorded; the
// backward records ONE step at (x*, A) and back-propagates it once per solver iteration:
// memory of one step's tape, independent of the number of CTMRG iterations. In the
// differentiated step the gauge is held at the one of x* (signs against T* itself, PEPSKit's
// "fixed" scheme) and the truncation keeps x*'s rank. Traps: converge the forward well
// below the wanted gradient accuracy (tol ~1e-12 on the spectra for 1e-6 on the
// gradient); the adjoint series converges like the forward (rho(f_x) < 1), slowly near a
// critical point (use GMRES); exactly degenerate corner spectra leave a rotation gauge that
// the sign fix does not remove (uniform random site entries avoid them, peps.hpp); a
// leading pair +-w of corner values (a period-2 state) makes the fixed point non-unique:
// f_x has eigenvalue 1 and the adjoint solve fails with tnad::Error.

// The converged environment `converged` (of ctmrg_c4v with fix_gauge, tol small) attached
// to A by the fixed-point rule: the returned tensors have its values; gradients of
// anything computed from them reach A through the implicit adjoint. A: the site tensor (or
// 4-leg double layer) the environment belongs to. info: the adjoint solve's report.
C4vEnv c4v_fixed_point_env(const Tensor& A, const C4vEnv& converged, const CtmrgOptions& options,
                           const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);
// ctmrg_c4v run unrecorded (from init, or from c4v_initial_env(A, chi)), then
// c4v_fixed_point_env. Memory: the forward keeps nothing; the backward one step's tape.
C4vCtmrg ctmrg_c4v_fixed_point(const Tensor& A, const C4vEnv& init, const CtmrgOptions& options,
                               const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);
C4vCtmrg ctmrg_c4v_fixed_point(const Tensor& A, const CtmrgOptions& options, const FixedPointOptions& fp = {},
                               std::shared_ptr<FixedPointInfo> info = nullptr);

// ---------------------------------------------------------------- directional
// The environment of one site:
//   C_tl  T_t  C_tr
//   T_l   a    T_r
//   C_bl  T_b  C_br
// corners (h, v): h the leg to the horizontal edge beside it (T_t or T_b), v the leg to the
// vertical one (T_l or T_r); horizontal edges (left, in, right), vertical edges (up, in,
// down), in joining the site (dimension D^2).
struct CtmEnv {
  Tensor C_tl, C_tr, C_br, C_bl;
  Tensor T_t, T_r, T_b, T_l;
  CtmEnv detach() const;
};

// The same environment, written out for all four sides (every corner C, every edge T).
CtmEnv to_ctm_env(const C4vEnv& env);

// The open boundary (legs summed, as c4v_initial_env): bond dimension D^2.
CtmEnv initial_env(const Tensor& A);

struct Ctmrg {
  CtmEnv env;
  CtmrgInfo info;
};
Ctmrg ctmrg(const Tensor& A, const CtmEnv& init, const CtmrgOptions& options);
Ctmrg ctmrg(const Tensor& A, const CtmrgOptions& options);  // from initial_env(A)

// One iteration: left, top, right and bottom moves in turn (each sees the previous ones).
CtmEnv ctmrg_step(const CtmEnv& env, const Tensor& A, const CtmrgOptions& options,
                  double* truncation_error = nullptr);
// One left move: the column of (T_t, a, T_b) absorbed into (C_tl, T_l, C_bl).
CtmEnv ctmrg_move_left(const CtmEnv& env, const Tensor& A, const CtmrgOptions& options,
                       double* truncation_error = nullptr);

// The fixed-point gradient of the single-site directional CTMRG (see "Fixed-point gradient"
// above; the gauge fixed per side and per tensor, "Gauge"): the converged environment
// attached to A, and ctmrg run unrecorded then attached.
CtmEnv fixed_point_env(const Tensor& A, const CtmEnv& converged, const CtmrgOptions& options,
                       const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);
Ctmrg ctmrg_fixed_point(const Tensor& A, const CtmEnv& init, const CtmrgOptions& options,
                        const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);
Ctmrg ctmrg_fixed_point(const Tensor& A, const CtmrgOptions& options, const FixedPointOptions& fp = {},
                        std::shared_ptr<FixedPointInfo> info = nullptr);

// The network and its environment rotated by 90 degrees counterclockwise (the left edge of
// the result is the old top edge): corners transposed and moved on, the horizontal edges of
// the old picture reversed. a -> rotate_ccw_site(a) permutes (u, l, d, r) -> (r, u, l, d).
CtmEnv rotate_ccw(const CtmEnv& env);
Tensor rotate_ccw_site(const Tensor& a);

// ---------------------------------------------------------------- unit cells
// An Lx x Ly unit cell of 4-leg tensors, site (x, y) (x to the right, y down, periodic) at
// index y * Lx + x, each with its own environment (the boundaries as seen from that site).
// The directional moves sweep the columns in order (Corboz et al. 2014): for column x the
// projectors of every cut (x, y | x, y+1) come from the 2x2 block with top-left site (x, y),
// then column x is absorbed into the left boundary of column x + 1.
// Site (x, y)'s environment: T_t(x, y) the top edge of column x above row y, C_tl(x, y) the
// corner above-left of it, etc.; neighbours share bonds: T_t(x, y) right = T_t(x+1, y) left,
// T_l(x, y) down = T_l(x, y+1) up (the RDMs of a cell, rdm.hpp, contract them so).
// Gauge fixing and the fixed-point gradient work as for one site ("Gauge", "Fixed-point
// gradient"). Trap: the sweep grows the boundaries in another order than the one-site
// iteration, so a cell of copies of one tensor converges to a fixed point that differs from
// the one-site one by about the truncation error (not by rounding), and the half-system
// projectors contract bonds of two different sites (their product depends on both gauges).
// Cost per iteration: 4 Lx Ly moves of one site's cost.
struct CtmCellEnv {
  int64_t Lx = 1, Ly = 1;
  std::vector<CtmEnv> site;  // Lx * Ly
  const CtmEnv& at(int64_t x, int64_t y) const;
  CtmCellEnv detach() const;
};
struct CtmrgCell {
  CtmCellEnv env;
  CtmrgInfo info;
};
// A: Lx * Ly tensors (each a site tensor or a 4-leg tensor), row-major.
CtmCellEnv initial_env(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly);
CtmrgCell ctmrg(const std::vector<Tensor>& A, const CtmCellEnv& init, const CtmrgOptions& options);
CtmCellEnv ctmrg_step(const CtmCellEnv& env, const std::vector<Tensor>& A, const CtmrgOptions& options,
                      double* truncation_error = nullptr);
// The fixed-point gradient of the unit-cell CTMRG (as for one site above; the step is one
// full iteration over the cell with its gauge fixed against x*, "Gauge"): the converged cell
// environment attached to every A[i], and ctmrg run unrecorded then attached.
CtmCellEnv fixed_point_env(const std::vector<Tensor>& A, const CtmCellEnv& converged, const CtmrgOptions& options,
                           const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);
CtmrgCell ctmrg_fixed_point(const std::vector<Tensor>& A, const CtmCellEnv& init, const CtmrgOptions& options,
                            const FixedPointOptions& fp = {}, std::shared_ptr<FixedPointInfo> info = nullptr);

}  // namespace tnad
