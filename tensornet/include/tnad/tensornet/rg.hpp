// Real-space tensor renormalization group for 2D classical partition functions: what TRG
// (trg.hpp) and HOTRG (hotrg.hpp) share — options, result, and the bookkeeping of ln Z.
//
// Network: one tensor T_uldr per site of a square-lattice torus (legs up, left, down,
// right; u of a site is summed with d of the site above, l with r of the site to the
// left), Z = contraction of all of them. Each RG step replaces every two tensors by one
// (TRG: Levin & Nave, PRL 99, 120601 (2007); HOTRG: Xie et al., PRB 86, 045139 (2012)),
// keeping bond dimension <= chi (= RgOptions::truncation.max_rank). After n steps one
// tensor stands for N = 2^n sites and Z is its trace over the periodic legs (u with d,
// l with r).
//
// Normalization (the number trap): T grows like Z^(1/N) per site, i.e. exponentially in
// 2^k, so every step divides by c_k = |T_k|_F and accumulates
//   ln Z / N = sum_{k<n} ln(c_k) / 2^k + ln tr(T_n / c_n) / 2^n + ln(c_n) / 2^n.
// The division is part of the recorded program; since each step is homogeneous in T
// (TRG: degree 2, HOTRG: degree 2), ln Z / N is exactly independent of the c_k and so are
// its derivatives — the derivatives of c_k cancel in AD to rounding.
//
// Derivatives: everything is recorded (svd_truncated / eigh with their exact truncated
// adjoints, einsum), so grad(ln_z, beta) is the energy and grad of that (create_graph) the
// specific heat (ising_thermo.hpp). Memory of the backward grows like steps x one step's
// tape; `checkpoint` trades it for recomputation:
//   every_step  each step is one node that keeps its inputs and re-runs the step in the
//               backward; its backward is again such a checkpoint, so under create_graph the
//               recorded first backward keeps (input, cotangent) per step, not the step's
//               tapes — first and second derivatives both hold ~ one step's tapes.
//   sqrt        run_chain's sqrt(n) segments (chain.hpp). Under create_graph libad's
//               checkpoint keeps its re-run tape, so for second derivatives combine it with
//               the forward tangents (ising_thermo.hpp: reverse_over_forward, automatic).
//   none        the whole tape, less what `rematerialize` (below) recomputes instead.
// A recomputed step must reproduce its forward bit for bit (same kept ranks, same SVD
// gauge): the steps use contraction orders fixed by flops (not by whether they record) and
// the linalg layer's deterministic sign gauge.
#pragma once
#include <cstdint>
#include <vector>

#include "tnad/tensornet/chain.hpp"
#include "tnad/linalg/options.hpp"
#include "tnad/linalg/svd.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

// The truncation every RG step applies (TRG: to its two SVDs; HOTRG: to the eigenvalues of
// its Gram matrices), with the RG defaults:
//   max_rank = 16: the bond dimension chi.
//   rel_cutoff = 1e-12: singular values / eigenvalues below 1e-12 * max are dropped (exact
//     zeros occur: the first TRG step's matrix has rank 2 of 4, and d sqrt(s)/ds is infinite
//     at s = 0).
//   keep_multiplets = true: the cut moves down to the nearest gap > multiplet_tol * s_max
//     (a cut through a multiplet makes ln Z non-differentiable, and the Z2 symmetry of the
//     Ising tensor makes multiplets common).
//   method (TRG; HOTRG always uses eigh): full = dgesdd + the exact option-A adjoint;
//     randomized = range finder (O(chi^5) instead of O(chi^6)) + the option-B (Sylvester)
//     adjoint. adjoint = sylvester uses option B with method full too (svd.hpp).
//   oversampling = 20, power_iterations = 2 (randomized): the oversampled triplets also
//     precondition the adjoint's Sylvester solve (the next singular vectors below the cut):
//     20 rather than Halko et al.'s 10 makes chi=32 TRG lnZ+u+C ~5% faster without
//     checkpointing and ~10% with (fewer CG iterations; checkpointed re-runs reuse the
//     factorization), and the spectrum more accurate.
//   cache: randomized factorizations to reuse when a checkpointed backward re-runs a step;
//     run_rg installs one (2 entries per step) when checkpointing with the randomized method.
inline TruncationOptions rg_default_truncation() {
  TruncationOptions t;
  t.max_rank = 16;
  t.rel_cutoff = 1e-12;
  t.keep_multiplets = true;
  t.oversampling = 20;
  t.power_iterations = 2;
  return t;
}

struct RgOptions {
  TruncationOptions truncation = rg_default_truncation();  // chi = truncation.max_rank
  int steps = 20;  // RG steps: a torus of N = 2^steps sites
  // Checkpointing of the step chain for the backward (see above).
  ChainCheckpoint checkpoint = ChainCheckpoint::none;
  int segment = 0;
  // Without checkpointing: the step's chi^4 tensors that cost chi^5 or less to remake (TRG's
  // half-plaquettes and permuted copy of T) are kept by the tape as recipes and recomputed
  // by the VJPs that read them (rematerialize, autograd.hpp). TRG chi = 32, 20 steps,
  // lnZ+u+C, randomized SVD: peak 1210 -> 707 MB, time unchanged within noise (4.8-5.0 s).
  // Checkpointed steps never rematerialize (their re-run tapes are transient).
  bool rematerialize = true;
};

struct RgResult {
  Tensor ln_z;  // ln Z / N, 0-d, differentiable
  // With tangents T_dot_j of the site tensor: d(ln Z / N) along each, carried forward
  // through the steps (forward mode), differentiable again (ising_thermo.hpp).
  std::vector<Tensor> ln_z_dot;
  // Per step: the discarded weight sum_{i>k} s_i^2 / sum_i s_i^2 of the truncation (TRG:
  // the larger of the two sublattice SVDs; HOTRG: discarded eigenvalue weight of the
  // chosen isometry), and the bond dimension kept.
  std::vector<double> discarded_weight;
  std::vector<int64_t> bond_dim;
};

// Checks the truncation, steps and sketch settings (raises tnad::Error naming the option
// and value).
void check_rg_options(const RgOptions& o, const char* who);

// tr over the periodic legs of T_uldr: sum_ij T_ijij.
Tensor torus_trace(const Tensor& T);

}  // namespace tnad
