// One truncation policy for every decomposition that keeps the "largest" part of a
// spectrum: svd_truncated (singular values), eigh_truncated (|eigenvalues|), TRG (SVD) and
// HOTRG (Gram eigenvalues) all decide how many values to keep with kept_rank() below.
//
// Rule, on descending non-negative values s_0 >= s_1 >= ... >= s_{L-1}:
//   k = #{ i : s_i > rel_cutoff * s_0  and  s_i > abs_cutoff }   (a cutoff of 0: none)
//   k = min(k, max_rank)                                           (max_rank = -1: none)
//   k = max(k, 1)                                    (at least one value is always kept)
//   keep_multiplets: if the cut separates two values closer than multiplet_tol * s_0
//   (s_{k-1} - s_k <= multiplet_tol * s_0), k moves down to the nearest gap; if the
//   first multiplet itself reaches past k, k moves up to its end instead (the only case
//   in which max_rank and the cutoffs are exceeded).
// Batch (`count` spectra of length L back to back, e.g. a batch of matrices): one k
// serves all of them — the largest k any spectrum asks for, then moved (down, else up)
// until it cuts no multiplet of any spectrum.
//
// Why multiplets: a cut through a degenerate multiplet makes the kept subspace (hence
// every downstream value) non-differentiable — the truncated adjoints contain
// 1/(s_{k-1}^2 - s_k^2) (docs/adjoints.md, "truncated SVD") — and picks an arbitrary
// basis of it; symmetric tensors (Z2, C4v) produce such multiplets all the time.
// Trap: multiplet_tol is relative to s_0, so it must sit above the rounding of the
// spectrum (~1e-15 s_0 for an exact decomposition) and below the smallest genuine gap.
#pragma once
#include <cstdint>
#include <span>

namespace tnad {

struct Truncation {
  int64_t max_rank = -1;         // keep at most this many values (-1: no limit)
  double rel_cutoff = 0.0;       // drop s_i <= rel_cutoff * s_0 (0: no cutoff), in [0, 1)
  double abs_cutoff = 0.0;       // drop s_i <= abs_cutoff (0: no cutoff)
  bool keep_multiplets = false;  // never cut where s_{k-1} - s_k <= multiplet_tol * s_0
  double multiplet_tol = 1e-8;
};

// How many of the `descending` values to keep (rule above). `descending` holds `count`
// spectra of equal length one after another (count = 1: one spectrum). Returns a value in
// [1, L] (0 only for L = 0). Throws tnad::Error naming `who` for invalid settings (max_rank
// 0 or < -1, a cutoff or multiplet_tol negative or NaN, rel_cutoff >= 1) and for values that
// are negative, NaN or not descending.
int64_t kept_rank(std::span<const double> descending, const Truncation& t, int64_t count = 1,
                  const char* who = "kept_rank");

// The settings check of kept_rank alone (for callers that validate before decomposing).
void check_truncation(const Truncation& t, const char* who);

}  // namespace tnad
