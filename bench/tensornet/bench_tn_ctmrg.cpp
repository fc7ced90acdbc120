// One C4v CTMRG iteration (ctmrg.hpp) at the sizes iPEPS optimizations run thousands of
// times: forward alone, and forward + backward (recorded step, reverse mode to the double
// layer and the environment). The loss is a gauge-invariant readout of the new environment
// (the ring C' T' C' T' C' T' C' T' closed with the double layer, i.e. network_value_1x1).
// For comparison one directional iteration + backward. Also the pieces of one C4v iteration: the enlarged corner (chi^3 D^4 + chi^2 D^8), its eigh
// ((chi D^2)^3), the edge renormalization (chi^3 D^4 + chi^2 D^8), and rdm2x1 + backward.
// Args: D, chi.
#include <benchmark/benchmark.h>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

struct Setup {
  Tensor A, a;
  C4vEnv env;
};

// A converged-looking environment: a few iterations from the open boundary.
Setup setup(int64_t D, int64_t chi) {
  Setup s;
  s.A = c4v_symmetrize(rand({2, D, D, D, D}, 1, -1.0, 1.0));
  s.a = double_layer(s.A);
  CtmrgOptions o;
  o.chi = chi;
  o.max_iter = 8;
  o.tol = 0;
  o.truncation.keep_multiplets = false;  // exactly chi kept
  s.env = ctmrg_c4v(s.a, o).env;
  return s;
}

CtmrgOptions step_options(int64_t chi) {
  CtmrgOptions o;
  o.chi = chi;
  o.truncation.keep_multiplets = false;
  return o;
}

void BM_c4v_step_forward(benchmark::State& st) {
  const int64_t D = st.range(0), chi = st.range(1);
  const Setup s = setup(D, chi);
  const CtmrgOptions o = step_options(chi);
  for (auto _ : st) {
    C4vEnv e = ctmrg_c4v_step(s.env, s.a, o);
    benchmark::DoNotOptimize(e.T.data());
  }
}

void BM_c4v_step_forward_backward(benchmark::State& st) {
  const int64_t D = st.range(0), chi = st.range(1);
  const Setup s = setup(D, chi);
  const CtmrgOptions o = step_options(chi);
  const Tensor a(s.a.value(), true), C(s.env.C.value(), true), T(s.env.T.value(), true);
  int64_t peak = 0;
  for (auto _ : st) {
    const int64_t before = memory::live_bytes();
    memory::reset_peak();
    const C4vEnv e = ctmrg_c4v_step({C, T}, a, o);
    const Tensor loss = network_value_1x1(to_ctm_env(e), a);
    auto g = grad({loss}, {a, C, T});
    benchmark::DoNotOptimize(g[0].data());
    peak = memory::peak_bytes() - before;
  }
  st.counters["peak_MiB"] = double(peak) / (1 << 20);
}

// One directional iteration (four moves, half- or full-system projectors) + backward, for
// comparison: four SVDs of chi D^2 square matrices and 8 (half) or 16 (full) enlarged corners.
void BM_directional_step_forward_backward(benchmark::State& st) {
  const int64_t D = st.range(0), chi = st.range(1);
  const Setup s = setup(D, chi);
  CtmrgOptions o = step_options(chi);
  o.projectors = st.range(2) ? CtmrgProjectors::full_system : CtmrgProjectors::half_system;
  st.SetLabel(st.range(2) ? "full system" : "half system");
  const Tensor a(s.a.value(), true);
  const CtmEnv e0 = to_ctm_env(s.env);
  for (auto _ : st) {
    const CtmEnv e = ctmrg_step(e0, a, o);
    auto g = grad(std::vector<Tensor>{network_value_1x1(e, a)}, std::vector<Tensor>{a});
    benchmark::DoNotOptimize(g[0].data());
  }
}

void BM_c4v_pieces(benchmark::State& st) {
  const int64_t D = st.range(0), chi = st.range(1), piece = st.range(2);
  const Setup s = setup(D, chi);
  const int64_t Dd = D * D, n = chi * Dd;
  PathOptions p;
  p.objective = PathObjective::flops;
  const Tensor M = reshape(einsum("xy,xuX,ylY,uldr->XrYd", {s.env.C, s.env.T, s.env.T, s.a}, p), {n, n});
  const Tensor P = reshape(eigh_truncated(M, Truncation{.max_rank = chi}).V, {chi, Dd, chi});
  static const char* names[] = {"enlarged corner", "eigh", "edge"};
  st.SetLabel(names[piece]);
  for (auto _ : st) {
    Tensor r;
    if (piece == 0) r = einsum("xy,xuX,ylY,uldr->XrYd", {s.env.C, s.env.T, s.env.T, s.a}, p);
    if (piece == 1) r = eigh(M).V;
    if (piece == 2) r = einsum("xlk,xuX,uldr,XrK->kdK", {P, s.env.T, s.a, P}, p);
    benchmark::DoNotOptimize(r.data());
  }
}

void BM_rdm2x1_forward_backward(benchmark::State& st) {
  const int64_t D = st.range(0), chi = st.range(1);
  const Setup s = setup(D, chi);
  const Tensor A(s.A.value(), true), C(s.env.C.value(), true), T(s.env.T.value(), true);
  const Tensor h = rand({2, 2, 2, 2}, 3, -1.0, 1.0);
  for (auto _ : st) {
    const Tensor E = einsum("abcd,cdab->", rdm2x1(C4vEnv{C, T}, A), h);
    auto g = grad({E}, {A, C, T});
    benchmark::DoNotOptimize(g[0].data());
  }
}


}  // namespace

BENCHMARK(BM_c4v_step_forward)->Args({2, 20})->Args({3, 30})->Args({4, 32})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_c4v_step_forward_backward)->Args({2, 20})->Args({3, 30})->Args({4, 32})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_directional_step_forward_backward)
    ->ArgsProduct({{2}, {20}, {0, 1}})
    ->ArgsProduct({{3}, {30}, {0, 1}})
    ->ArgsProduct({{4}, {32}, {0, 1}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_c4v_pieces)
    ->ArgsProduct({{4}, {32}, {0, 1, 2}})
    ->ArgsProduct({{3}, {30}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_rdm2x1_forward_backward)->Args({2, 20})->Args({3, 30})->Args({4, 32})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
