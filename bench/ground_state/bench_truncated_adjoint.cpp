// The exact truncated adjoint against the old rule (TruncatedAdjoint::kept_only: the thin
// rule on the kept triplets / pairs alone) in the gradient of the Heisenberg iPEPS energy,
// each compared with central finite differences of the same program (docs/adjoints.md,
// "truncated SVD"; Francuz, Schuch, Vanhecke, PRR 7, 013237 (2025), who report 15-100%).
//
//   bench_truncated_adjoint [--iters 30] [--dirs 6] [--seed 7] [--only c4v|single]
//
// Per (ansatz, D, chi): the tensor A (2, D, D, D, D) uniform in [0, 1) from the seed
// (random_peps_tensor), the energy of the sublattice-rotated Heisenberg model after exactly
// `iters` CTMRG iterations from the open boundary (tol 0): C4v ansatz with the C4v CTMRG
// (eigh_truncated), single-site ansatz with the directional CTMRG (svd_truncated projectors,
// half system). The AD gradient g with each rule, and along `dirs` random unit directions d
// the central difference (E(A + h d) - E(A - h d)) / 2h for h = 1e-2 .. 1e-5. Error per
// direction: |fd(h) - <g, d>| / max(|fd(h)|, |<g, d>|), the best h for that rule and
// direction. One line per (ansatz, D, chi, rule): median and max over directions, the
// discarded weight of the last iteration (largest over its truncations), |g| and
// |g - g_exact| / |g_exact|. Double precision throughout. Only errors matter here, no times.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/solvers/ipeps.hpp"

using namespace tnad;

namespace {

struct Config {
  const char* ansatz;  // "c4v" or "single"
  int64_t D, chi;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Energy {
  double value = 0, discarded = 0;
  int iterations = 0;
  NDArray gradient;  // empty unless asked for
};

Energy energy(const Config& c, const NDArray& x, const CtmrgOptions& o, const LatticeHamiltonian& H, bool with_grad) {
  Energy r;
  const Tensor A(x, with_grad);
  Tensor E;
  if (std::string(c.ansatz) == "c4v") {
    const C4vEnergy e = c4v_energy(A, H, o);
    E = e.energy;
    r.discarded = e.ctm.info.truncation_error;
    r.iterations = e.ctm.info.iterations;
  } else {
    const SiteEnergy e = single_site_energy(A, H, o);
    E = e.energy;
    r.discarded = e.ctm.info.truncation_error;
    r.iterations = e.ctm.info.iterations;
  }
  r.value = E.item();
  if (with_grad) r.gradient = grad(E, A).value();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int iters = 30, dirs = 6;
  uint64_t seed = 7;
  double low = -1.0;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_truncated_adjoint: %s needs a value\n", k.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    if (k == "--iters") iters = std::atoi(v.c_str());
    else if (k == "--dirs") dirs = std::atoi(v.c_str());
    else if (k == "--seed") seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--only") only = v;
    else if (k == "--low") low = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "bench_truncated_adjoint: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (iters < 1 || dirs < 1) {
    std::fprintf(stderr, "bench_truncated_adjoint: --iters and --dirs must be >= 1\n");
    return 2;
  }
  try {
    const LatticeHamiltonian H = heisenberg(1.0, true);
    const std::vector<Config> configs = {{"c4v", 2, 8},     {"c4v", 2, 16},    {"c4v", 3, 9},     {"c4v", 3, 18},
                                         {"single", 2, 8},  {"single", 2, 16}, {"single", 3, 9},  {"single", 3, 18}};
    const double steps[] = {1e-2, 1e-3, 1e-4, 1e-5};
    std::printf("# %d CTMRG iterations, %d directions, entries uniform in [%g, 1), seed %llu; "
                "error = |fd - <g,d>| / max(|fd|, |<g,d>|), best h\n",
                iters, dirs, low, static_cast<unsigned long long>(seed));
    std::printf("%-7s %2s %4s %-10s %12s %10s %10s %10s %12s\n", "ansatz", "D", "chi", "rule", "discarded", "median",
                "max", "|g|", "|g-g_ex|/|g_ex|");
    for (const Config& c : configs) {
      if (!only.empty() && only != c.ansatz) continue;
      const NDArray x = random_peps_tensor(2, c.D, seed, low).value();
      CtmrgOptions o;
      o.chi = c.chi;
      o.max_iter = iters;
      o.tol = 0.0;  // exactly `iters` iterations
      // finite differences of the program (its values are the same bits with either rule)
      std::vector<NDArray> d;
      std::vector<std::vector<double>> fd;
      for (int j = 0; j < dirs; ++j) {
        NDArray dj = NDArray::randn(x.shape(), seed + 1000 + uint64_t(j));
        dj = nd::mul(dj, 1.0 / nd::norm(dj));
        std::vector<double> f;
        for (double h : steps) {
          NoGradGuard ng;
          const double ep = energy(c, nd::axpby(1.0, x, h, dj), o, H, false).value;
          const double em = energy(c, nd::axpby(1.0, x, -h, dj), o, H, false).value;
          f.push_back((ep - em) / (2 * h));
        }
        d.push_back(dj);
        fd.push_back(f);
      }
      NDArray g_exact;
      for (TruncatedAdjoint rule : {TruncatedAdjoint::automatic, TruncatedAdjoint::kept_only}) {
        o.truncated_adjoint = rule;
        const Energy e = energy(c, x, o, H, true);
        if (rule == TruncatedAdjoint::automatic) g_exact = e.gradient;
        std::vector<double> err;
        for (int j = 0; j < dirs; ++j) {
          const double ad = nd::dot(e.gradient, d[std::size_t(j)]);
          double best = INFINITY;
          for (double f : fd[std::size_t(j)]) {
            const double scale = std::max(std::abs(f), std::abs(ad));
            best = std::min(best, scale > 0 ? std::abs(f - ad) / scale : 0.0);
          }
          err.push_back(best);
        }
        const double gn = nd::norm(e.gradient);
        const double vs_exact = nd::norm(nd::axpby(1.0, e.gradient, -1.0, g_exact)) / nd::norm(g_exact);
        std::printf("%-7s %2lld %4lld %-10s %12.3e %10.2e %10.2e %10.3e %12.2e\n", c.ansatz,
                    static_cast<long long>(c.D), static_cast<long long>(c.chi),
                    rule == TruncatedAdjoint::kept_only ? "kept_only" : "exact", e.discarded, median(err),
                    *std::max_element(err.begin(), err.end()), gn, vs_exact);
        std::fflush(stdout);
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_truncated_adjoint: %s\n", e.what());
    return 1;
  }
  return 0;
}
