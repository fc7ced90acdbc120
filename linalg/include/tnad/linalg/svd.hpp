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
// within multiplets (linalg-adjoints.md 7).
//
// Adjoint (linalg-adjoints.md 1.1; Liao et al., PRX 9, 031041 (2019), Eq. 4; the F +- G
// form of tensorgrad / peps-torch). With J_U = U^H Ubar, J_V = V^H Vbar,
// a_U = (J_U - J_U^H)/2, a_V = (J_V - J_V^H)/2, F_ij = 1/(s_j - s_i), G_ij = 1/(s_i + s_j):
//   Gamma = F o (a_U + a_V) + G o (a_U - a_V) + diag(Sbar)
//   Abar  = U Gamma V^H + (Ubar - U J_U) S^{-1} V^H + U S^{-1} (Vbar - V J_V)^H
// (the complement terms only when m > K resp. n > K; the m x m projector is never formed).
// Trap: F, G and 1/S diverge at degenerate or zero singular values; they are regularised
// as set by DegeneracyOptions (linalg/options.hpp), so no input gives NaN/Inf.
// full_matrices: the extra columns of U / rows of Vh are arbitrary (gauge); their
// cotangents are dropped (as PyTorch does), so a loss must not depend on them.
//
// Truncation (svd_truncated): the usual rule (1.1 applied to the kept triplets alone) is
// exact only if the discarded singular values are zero and is 15-100% wrong in TRG/CTMRG
// (Francuz, Schuch, Vanhecke, PRR 7, 013237 (2025); linalg-adjoints.md 1.2). tnad uses
//   option A (method full): the full thin SVD is recorded and the kept triplets are a
//     slice of it, so the cotangents are zero-padded and the full rule applies;
//   option B (method randomized, or adjoint = sylvester): only A and the kept triplets
//     are used. With A_perp = P_U A P_V, solve X S - A_perp Y = P_U Ubar,
//     Y S - A_perp^H X = P_V Vbar (eliminated to X S^2 - A_perp A_perp^H X = R and solved
//     column by column with conjugate gradients, each system SPD when s_k > s_{k+1});
//     Abar = U Gamma_k V^H + X V^H + U Y^H. The solve is an op with its own adjoint, so
//     the rule is differentiable again.
// Trap: a cut through a degenerate multiplet (s_k = s_{k+1}) has a genuinely divergent
// gradient; keep_multiplets moves the cut to the nearest gap.
#pragma once
#include <cstdint>
#include <memory>

#include "tnad/linalg/options.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

struct SVD {
  Tensor U, S, Vh;
};

SVD svd(const Tensor& A, bool full_matrices = false, const DegeneracyOptions& degeneracy = {});

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
enum class SvdAdjoint {
  automatic,   // option A for method full, option B for method randomized
  sylvester,   // option B also for method full (what a Krylov/partial SVD would use)
};

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

struct TruncationOptions {
  int64_t max_rank = -1;      // keep at most this many triplets (-1: no limit)
  double rel_cutoff = 0.0;    // drop s_i <= rel_cutoff * s_max (0: keep all)
  bool keep_multiplets = false;  // never cut where s_k - s_{k+1} <= multiplet_tol * s_max
  double multiplet_tol = 1e-8;
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
// Rank: k = min(K, max_rank, #{s_i > rel_cutoff s_max}), at least 1. In a batch one k
// serves all matrices: the largest any of them asks for. keep_multiplets then lowers k to
// the nearest gap of every matrix (raising it instead if the first multiplet would be cut).
// The randomized method needs max_rank and only sees k + oversampling approximate values
// (exact when k + oversampling >= K).
struct TruncatedSVD {
  Tensor U, S, Vh, discarded_weight;
};
TruncatedSVD svd_truncated(const Tensor& A, const TruncationOptions& options);

}  // namespace tnad
