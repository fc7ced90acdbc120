// kept_rank: the one rank rule of truncation.hpp.
#include "tnad/linalg/truncation.hpp"

#include <algorithm>
#include <cmath>

#include "tnad/ad/error.hpp"

namespace tnad {

void check_truncation(const Truncation& t, const char* who) {
  if (t.max_rank == 0 || t.max_rank < -1)
    throw_error(who, ": max_rank must be >= 1 or -1 (no limit), got ", t.max_rank);
  if (!(t.rel_cutoff >= 0.0 && t.rel_cutoff < 1.0))
    throw_error(who, ": rel_cutoff must be in [0, 1), got ", t.rel_cutoff);
  if (!(t.abs_cutoff >= 0.0) || std::isinf(t.abs_cutoff))
    throw_error(who, ": abs_cutoff must be finite and >= 0, got ", t.abs_cutoff);
  if (!(t.multiplet_tol >= 0.0 && t.multiplet_tol <= kMaxMultipletTol))
    throw_error(who, ": multiplet_tol must be in [0, ", kMaxMultipletTol, "] (a relative gap that counts as a degeneracy), got ",
                t.multiplet_tol);
}

int64_t kept_rank(std::span<const double> s, const Truncation& t, int64_t count, const char* who) {
  check_truncation(t, who);
  if (count < 1 || int64_t(s.size()) % count != 0)
    throw_error(who, ": ", s.size(), " values do not split into ", count, " spectra of equal length");
  const int64_t L = int64_t(s.size()) / count;
  if (L == 0) return 0;
  for (int64_t b = 0; b < count; ++b) {
    const double* sb = s.data() + b * L;
    for (int64_t i = 0; i < L; ++i)
      if (!(sb[i] >= 0.0) || (i > 0 && sb[i] > sb[i - 1]))
        throw_error(who, ": the values to truncate must be non-negative and descending; spectrum ", b,
                    " has s[", i, "] = ", sb[i], (i > 0 ? " after " : ""), (i > 0 ? sb[i - 1] : 0.0));
  }
  // The count above the cutoffs (and max_rank), the largest over the batch.
  int64_t k = 1;
  for (int64_t b = 0; b < count; ++b) {
    const double* sb = s.data() + b * L;
    const double floor = std::max(t.rel_cutoff > 0.0 ? t.rel_cutoff * sb[0] : -1.0,
                                  t.abs_cutoff > 0.0 ? t.abs_cutoff : -1.0);
    int64_t kb = 0;
    if (floor < 0.0) kb = L;
    else
      while (kb < L && sb[kb] > floor) ++kb;
    if (t.max_rank > 0) kb = std::min(kb, t.max_rank);
    k = std::max(k, kb);
  }
  if (!t.keep_multiplets) return k;
  // Does a cut after kk values separate two members of a multiplet in some spectrum? The
  // gap is measured against the larger value of the pair (a spectrum spanning decades has
  // well separated small values), floored at the rounding of the largest one.
  auto cuts_multiplet = [&](int64_t kk) {
    if (kk >= L) return false;
    for (int64_t b = 0; b < count; ++b) {
      const double* sb = s.data() + b * L;
      const double tol = std::max(t.multiplet_tol * sb[kk - 1], kRoundingGap * sb[0]);
      if (sb[kk - 1] - sb[kk] <= tol) return true;
    }
    return false;
  };
  int64_t kk = k;
  while (kk >= 1 && cuts_multiplet(kk)) --kk;
  if (kk >= 1) return kk;
  kk = k;  // the first multiplet reaches past k: keep it whole
  while (kk < L && cuts_multiplet(kk)) ++kk;
  return kk;
}

}  // namespace tnad
