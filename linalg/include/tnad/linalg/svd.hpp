// Singular value decomposition A = U diag(S) Vh, differentiable (first and higher order).
//
// Shapes: A is (..., m, n), K = min(m, n). Thin: U (..., m, K), S (..., K) descending,
// Vh (..., K, n). Leading axes are a batch, decomposed in parallel (OpenMP over the batch,
// single-threaded LAPACK inside; a lone matrix uses the threaded LAPACK instead).
// Forward: LAPACK dgesdd (divide and conquer), dgesvd if it fails to converge. Cost
// O(m n K). Errors (tnad::Error): NaN/Inf input, LAPACK info != 0.
//
// Gauge: singular vectors are fixed up to a sign (a phase for complex). tnad makes the
// largest-|.| entry of every u_i positive (first such entry on ties) and flips v_i with it,
// so recomputation (checkpointing) reproduces the same factors. Inside a degenerate
// multiplet the basis is whatever LAPACK returns: use losses invariant under rotations
// within multiplets (docs/adjoints.md, "SVD").
//
// Adjoint (docs/adjoints.md, "SVD"; Liao et al., PRX 9, 031041 (2019), Eq. 4; the F +- G
// form of tensorgrad / peps-torch). With J_U = U^H Ubar, J_V = V^H Vbar,
// a_U = (J_U - J_U^H)/2, a_V = (J_V - J_V^H)/2, F_ij = 1/(s_j - s_i), G_ij = 1/(s_i + s_j):
//   Gamma = F o (a_U + a_V) + G o (a_U - a_V) + diag(Sbar)
//   Abar  = U Gamma V^H + (Ubar - U J_U) S^{-1} V^H + U S^{-1} (Vbar - V J_V)^H
// (the complement terms only when m > K resp. n > K; the m x m projector is never formed).
// Trap: F, G and 1/S diverge at degenerate or zero singular values; they are regularised
// as set by DegeneracyOptions (linalg/options.hpp), so no input gives NaN/Inf.
// SvdOptions::full_matrices: the extra columns of U / rows of Vh are arbitrary (gauge);
// their cotangents are dropped (as PyTorch does), so a loss must not depend on them.
//
// Truncation (svd_truncated; docs/adjoints.md, "truncated SVD"): the usual rule (the thin
// adjoint applied to the kept triplets alone) is exact only if the discarded singular
// values are zero and is 15-100% wrong in TRG/CTMRG (Francuz, Schuch, Vanhecke, PRR 7,
// 013237 (2025)). tnad uses one of two exact rules (SvdAdjoint):
//   option A (full_spectrum): the full thin SVD is recorded and the kept triplets are a
//     slice of it, so the cotangents are zero-padded and the full rule applies;
//   option B (sylvester): only A and the kept triplets are used. With A_perp = P_U A P_V,
//     solve X S - A_perp Y = P_U Ubar, Y S - A_perp^H X = P_V Vbar (eliminated to
//     X S^2 - A_perp A_perp^H X = R, k independent SPD systems when s_k > s_{k+1}, solved
//     side by side by krylov.hpp's batched_cg, preconditioned with the next triplets);
//     Abar = U Gamma_k V^H + X V^H + U Y^H. The solve is an op with its own adjoint, so
//     the rule is differentiable again.
// For comparisons only, SvdAdjoint::kept_only applies the usual rule on purpose (the thin
// adjoint of U_k, S_k, Vh_k with its complement terms (Ubar - U J_U) S^-1 and likewise V:
// svd_backward with k columns); its discarded_weight is differentiated through S_k only.
// Trap: a cut through a degenerate multiplet (s_k = s_{k+1}) has a genuinely divergent
// gradient; Truncation::keep_multiplets moves the cut to the nearest gap (truncation.hpp).
#pragma once
#include <cstdint>
#include <memory>

#include "tnad/ad/tensor.hpp"
#include "tnad/linalg/options.hpp"
#include "tnad/linalg/truncation.hpp"

namespace tnad {

struct SVD {
  Tensor U, S, Vh;
};

struct SvdOptions {
  // U (..., m, m) and Vh (..., n, n) instead of the thin factors (S stays (..., K)).
  bool full_matrices = false;
  DegeneracyOptions degeneracy = {};  // regularisation of the adjoint (options.hpp)
};

SVD svd(const Tensor& A, const SvdOptions& options = {});

// Singular values only (descending). Without recording: dgesdd jobz='N'; with recording
// it is svd(A).S, since its adjoint U diag(Sbar) V^H needs the vectors.
Tensor svdvals(const Tensor& A);

namespace linalg_detail {
struct SvdCacheAccess;  // the SVD code's access to SvdCache's internals (linalg/src/svd)
}  // namespace linalg_detail

enum class SvdMethod {
  full,        // thin dgesdd, then cut (O(m n K))
  randomized,  // Halko-Martinsson-Tropp range finder with power iterations (O(m n k q))
};
// The truncated-SVD adjoint (the options A and B above, or the old rule kept_only for
// comparisons): truncation.hpp's TruncatedAdjoint, under the name the SVD code has always used.
using SvdAdjoint = TruncatedAdjoint;

// Reuse of randomized factorizations across recomputation: a checkpointed backward re-runs
// its forward on bit-identical inputs, and the range finder is the costly part of that
// forward. With a cache in TruncationOptions, svd_truncated's randomized method looks the
// matrix up (a 64-bit hash of its bytes, its shape and the sketch options) and skips the
// range finder on a hit, so the recomputed factors are exactly the first ones. Holds at
// most `capacity` entries (least recently used evicted); thread-safe.
//
// It also holds up to `capacity` solutions of option B's Sylvester system, keyed by the
// bytes of its operands: when a backward is itself recorded (second derivatives), the
// checkpointed re-run of that backward finds the first run's solution instead of
// iterating again. solve_hits() counts those reuses.
class SvdCache {
 public:
  explicit SvdCache(std::size_t capacity);
  ~SvdCache();
  SvdCache(const SvdCache&) = delete;
  SvdCache& operator=(const SvdCache&) = delete;
  std::size_t size() const;
  std::size_t hits() const;        // factorizations reused
  std::size_t solve_hits() const;  // Sylvester solutions reused

 private:
  friend struct linalg_detail::SvdCacheAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The rank rule (max_rank, rel_cutoff, abs_cutoff, keep_multiplets: truncation.hpp) plus
// how the SVD is computed and differentiated.
struct TruncationOptions : Truncation {
  SvdMethod method = SvdMethod::full;
  SvdAdjoint adjoint = SvdAdjoint::automatic;
  // randomized: sketch l = k + oversampling columns (-1: oversampling = max_rank, l = 2k),
  // power_iterations passes of (A A^H) with re-orthonormalisation, Gaussian test matrix
  // from `seed` (deterministic). The kept subspace, hence the gradient, is accurate to
  // about (s_{l+1}/s_k)^(2 q + 1); the singular values to its square. The defaults are
  // stronger than Halko et al.'s p = 10, q = 2 (torch.svd_lowrank's), which give only
  // 1e-2 gradient accuracy on a spectrum s_i = exp(-i/16) at 1024 x 1024, k = 32, where
  // these give 4e-9 (bench/linalg). A flat spectrum near the cut defeats any sketch.
  int64_t oversampling = -1;
  int power_iterations = 4;
  uint64_t seed = 0x7e57ab1e;
  DegeneracyOptions degeneracy = {};
  std::shared_ptr<SvdCache> cache = nullptr;  // randomized method only (above); null: none
};

// U (..., m, k), S (..., k), Vh (..., k, n) and the discarded weight
// sum_{i>k} s_i^2 / sum_i s_i^2 (shape = the batch shape, differentiable; 0 for a zero
// matrix). With the randomized method it is (|A|_F^2 - sum_{i<=k} s_i^2) / |A|_F^2.
//
// Rank: k = kept_rank(S, options) (truncation.hpp); in a batch one k serves all matrices.
// The randomized method needs max_rank and only sees k + oversampling approximate values
// (exact when k + oversampling >= K).
struct TruncatedSVD {
  Tensor U, S, Vh, discarded_weight;
};
TruncatedSVD svd_truncated(const Tensor& A, const TruncationOptions& options);

}  // namespace tnad
