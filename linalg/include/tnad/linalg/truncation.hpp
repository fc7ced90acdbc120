// One truncation policy for every decomposition that keeps the "largest" part of a
// spectrum: svd_truncated (singular values), eigh_truncated (|eigenvalues|), TRG (SVD) and
// HOTRG (Gram eigenvalues) all decide how many values to keep with kept_rank() below.
//
// Rule, on descending non-negative values s_0 >= s_1 >= ... >= s_{L-1}:
//   k = #{ i : s_i > rel_cutoff * s_0  and  s_i > abs_cutoff }   (a cutoff of 0: none)
//   k = min(k, max_rank)                                           (max_rank = -1: none)
//   k = max(k, 1)                                    (at least one value is always kept)
//   keep_multiplets: if the cut separates two values closer than multiplet_tol relative
//   to themselves (s_{k-1} - s_k <= max(multiplet_tol * s_{k-1}, 1e-13 * s_0)), k moves
//   down to the nearest gap; if the first multiplet itself reaches past k, k moves up to
//   its end instead (the only case in which max_rank and the cutoffs are exceeded; an
//   iterative caller must bound the growth: TRG/HOTRG and CTMRG raise when a bond
//   exceeds 2 max_rank).
// Batch (`count` spectra of length L back to back, e.g. a batch of matrices): one k
// serves all of them — the largest k any spectrum asks for, then moved (down, else up)
// until it cuts no multiplet of any spectrum.
//
// Why multiplets: a cut through a degenerate multiplet makes the kept subspace (hence
// every downstream value) non-differentiable — the truncated adjoints contain
// 1/(s_{k-1}^2 - s_k^2) (docs/adjoints.md, "truncated SVD") — and picks an arbitrary
// basis of it; symmetric tensors (Z2, C4v) produce such multiplets all the time.
// The gap is relative to the pair, not to s_0: corner and RG spectra span many decades, and
// a tolerance relative to s_0 merges their well-separated small values into one
// "multiplet". Gaps below 1e-13 s_0 always count (rounding of an exact degeneracy).
// Trap: multiplet_tol must sit below the smallest genuine relative gap; it is limited to
// [0, 0.01] — a smoothly decaying spectrum has neighbours a few percent apart.
#pragma once
#include <cstdint>
#include <span>

namespace tnad {

struct Truncation {
  int64_t max_rank = -1;         // keep at most this many values (-1: no limit)
  double rel_cutoff = 0.0;       // drop s_i <= rel_cutoff * s_0 (0: no cutoff), in [0, 1)
  double abs_cutoff = 0.0;       // drop s_i <= abs_cutoff (0: no cutoff)
  bool keep_multiplets = false;  // never cut where s_{k-1} - s_k <= multiplet_tol * s_{k-1}
  double multiplet_tol = 1e-8;    // in [0, kMaxMultipletTol]
};

// How a truncated decomposition (svd_truncated, eigh_truncated) is differentiated
// (docs/adjoints.md, "truncated SVD"). The forward values are the same bits in every mode;
// only the VJP differs.
enum class TruncatedAdjoint {
  automatic,      // exact: full_spectrum for a full decomposition, sylvester for svd_truncated's
                  // randomized method
  full_spectrum,  // exact, option A: the full decomposition is recorded and the kept part sliced,
                  // so the cotangents are zero-padded into the full rule (svd: method full only)
  sylvester,      // exact, option B (svd_truncated only): kept triplets + a Sylvester solve with
                  // A_perp (what a Krylov or randomized partial SVD must use: it never sees the
                  // discarded triplets)
  kept_only,      // NOT exact, for comparisons only: the thin rule applied to the kept part as if it
                  // were the whole decomposition, i.e. as if the discarded values were zero (svd:
                  // the thin-SVD adjoint of the k kept triplets, complement terms P_U Ubar S^-1;
                  // eigh: the eigh adjoint of the k kept pairs plus sym(P Vbar W^-1 V^T)). The
                  // "old rule": 15-100% wrong in TRG/CTMRG (Francuz, Schuch, Vanhecke, PRR 7,
                  // 013237 (2025)); exact only for discarded values that are exactly zero.
};

inline constexpr double kMaxMultipletTol = 0.01;
// Gaps below this fraction of the largest value are degeneracies split by rounding.
inline constexpr double kRoundingGap = 1e-13;

// How many of the `descending` values to keep (rule above). `descending` holds `count`
// spectra of equal length one after another (count = 1: one spectrum). Returns a value in
// [1, L] (0 only for L = 0). Throws tnad::Error naming `who` for invalid settings (max_rank
// 0 or < -1, a cutoff or multiplet_tol negative or NaN, rel_cutoff >= 1, multiplet_tol >
// kMaxMultipletTol), and for values that are negative, NaN or not descending.
int64_t kept_rank(std::span<const double> descending, const Truncation& t, int64_t count = 1,
                  const char* who = "kept_rank");

// The settings check of kept_rank alone (for callers that validate before decomposing).
void check_truncation(const Truncation& t, const char* who);

}  // namespace tnad
