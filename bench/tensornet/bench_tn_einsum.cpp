// einsum throughput: 'abcd,bcef->adef' at dimension 24 (forward; forward + backward) against
// one raw dgemm of the same size, a CTMRG-like 6-tensor network at chi = 32, D^2 = 16, and
// TRG's two pairwise layouts at chi = 32 (the half-plaquette 'xwa,xyb->bawy', whose free
// labels interleave, and the chi^6 plaquette product 'bawy,wycd->bacd', tensornet/src/rg/trg.cpp)
// against a raw dgemm 1024^3 (the plaquette's GEMM).
// Counters: GFLOP/s (forward 2 d^6; forward + backward 3x that: the two adjoint contractions
// have the forward's flop count). CPU times are the process's (all threads): on a loaded
// machine they are the fairer comparison with a peer (bench/headline.sh).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>

#include "tnad/ad/autograd.hpp"
#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/ops.hpp"

using namespace tnad;

namespace {

constexpr int64_t kD = 24;
const char* kSpec4 = "abcd,bcef->adef";
// corner C(a,b), edges T1(a,p,c), T2(b,q,d), double-layer site a(p,q,r,s), projectors
// P1(c,r,x), P2(d,s,y): the renormalized corner C'(x,y) of a CTMRG move.
const char* kCtm = "ab,apc,bqd,pqrs,crx,dsy->xy";

std::vector<Tensor> ctm_inputs(int64_t chi, int64_t d2, bool rg) {
  return {randn({chi, chi}, 1, rg),     randn({chi, d2, chi}, 2, rg), randn({chi, d2, chi}, 3, rg),
          randn({d2, d2, d2, d2}, 4, rg), randn({chi, d2, chi}, 5, rg), randn({chi, d2, chi}, 6, rg)};
}

void BM_dgemm_576(benchmark::State& st) {
  const int n = int(kD * kD);
  NDArray a = NDArray::randn({n, n}, 1), b = NDArray::randn({n, n}, 2), c = NDArray::zeros({n, n});
  for (auto _ : st) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n,
                0.0, c.mutable_data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * double(n) * n / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_dgemm_576)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_dgemm_1024(benchmark::State& st) {
  const int n = 1024;
  NDArray a = NDArray::randn({n, n}, 1), b = NDArray::randn({n, n}, 2), c = NDArray::zeros({n, n});
  for (auto _ : st) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n,
                0.0, c.mutable_data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * double(n) * n / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_dgemm_1024)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_einsum4_forward(benchmark::State& st) {
  Tensor a = randn({kD, kD, kD, kD}, 1), b = randn({kD, kD, kD, kD}, 2);
  for (auto _ : st) benchmark::DoNotOptimize(einsum(kSpec4, a, b).data());
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * std::pow(double(kD), 6) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_einsum4_forward)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_einsum4_forward_backward(benchmark::State& st) {
  Tensor a = randn({kD, kD, kD, kD}, 1, true), b = randn({kD, kD, kD, kD}, 2, true);
  Tensor g = randn({kD, kD, kD, kD}, 3);
  for (auto _ : st) {
    Tensor c = einsum(kSpec4, a, b);
    auto gr = grad({c}, {a, b}, {g});
    benchmark::DoNotOptimize(gr[0].data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(3 * 2.0 * std::pow(double(kD), 6) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_einsum4_forward_backward)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_ctmrg_forward(benchmark::State& st) {
  const int64_t chi = st.range(0), d2 = st.range(1);
  auto x = ctm_inputs(chi, d2, false);
  std::vector<Shape> shapes;
  for (auto& t : x) shapes.push_back(t.shape());
  const double flops = contract_path(kCtm, shapes).flops;
  for (auto _ : st) benchmark::DoNotOptimize(einsum(kCtm, x).data());
  st.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["path_GFLOP"] = flops / 1e9;
}
BENCHMARK(BM_ctmrg_forward)->Args({32, 16})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_ctmrg_forward_backward(benchmark::State& st) {
  const int64_t chi = st.range(0), d2 = st.range(1);
  auto x = ctm_inputs(chi, d2, true);
  std::vector<Shape> shapes;
  for (auto& t : x) shapes.push_back(t.shape());
  const double flops = contract_path(kCtm, shapes).flops;
  for (auto _ : st) {
    Tensor c = einsum(kCtm, x);
    auto gr = grad({sum(c)}, x);
    benchmark::DoNotOptimize(gr[0].data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(3 * flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ctmrg_forward_backward)->Args({32, 16})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

// TRG at chi = 32 (tensornet/src/rg/trg.cpp): the half-plaquette NW_bawy = sum_x F3_xwa F2_xyb
// (chi^5; its output's free labels interleave the factors', the layout the pair kernel's
// loop over one label was made for) and the plaquette T'_bacd = sum_wy NW_bawy SE_wycd (chi^6,
// one 1024^3 GEMM). Forward alone, and forward + the VJPs (cotangent of the output given).
// Arg: 0 the half-plaquette, 1 the plaquette.
const char* kTrgSpec[2] = {"xwa,xyb->bawy", "bawy,wycd->bacd"};
std::vector<Tensor> trg_inputs(int which, int64_t chi, bool rg) {
  if (which == 0) return {randn({chi, chi, chi}, 1, rg), randn({chi, chi, chi}, 2, rg)};
  return {randn({chi, chi, chi, chi}, 1, rg), randn({chi, chi, chi, chi}, 2, rg)};
}
double trg_flops(int which, int64_t chi) { return 2.0 * std::pow(double(chi), which == 0 ? 5 : 6); }

void BM_trg_forward(benchmark::State& st) {
  const int which = int(st.range(0));
  const int64_t chi = st.range(1);
  auto x = trg_inputs(which, chi, false);
  for (auto _ : st) benchmark::DoNotOptimize(einsum(kTrgSpec[which], x).data());
  st.counters["GFLOP/s"] = benchmark::Counter(trg_flops(which, chi) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_trg_forward)->Args({0, 32})->Args({1, 32})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

void BM_trg_forward_backward(benchmark::State& st) {
  const int which = int(st.range(0));
  const int64_t chi = st.range(1);
  auto x = trg_inputs(which, chi, true);
  const Tensor g = randn({chi, chi, chi, chi}, 3);
  for (auto _ : st) {
    Tensor c = einsum(kTrgSpec[which], x);
    auto gr = grad({c}, x, {g});
    benchmark::DoNotOptimize(gr[0].data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(3 * trg_flops(which, chi) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_trg_forward_backward)->Args({0, 32})->Args({1, 32})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
