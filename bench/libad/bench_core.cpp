// Core benchmarks of libad:
//  - tape overhead: x = x * 1.0001 + 0.0001 on 0-d tensors, 10^5 steps (2 ops each),
//    forward + backward, reported as ns per op;
//  - gradient of sum(tanh(A @ B) @ C), 512x512: forward, backward, ratio, GFLOP/s;
//  - matmul through the Tensor API vs cblas_dgemm called directly (the machine's peak).
// Peer numbers (PyTorch) come from bench/libad/torch_peer.py, run by bench/libad/run.sh; CPU
// times are the process's (all threads), as bench/headline.sh compares them on loaded machines.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "tnad/ad.hpp"

using namespace tnad;

static void BM_TapeOverhead(benchmark::State& st) {
  const int steps = 100000;
  for (auto _ : st) {
    Tensor x0 = scalar(1.0, true);
    Tensor x = x0;
    for (int i = 0; i < steps; ++i) x = x * 1.0001 + 0.0001;
    x.backward();
    benchmark::DoNotOptimize(x0.grad().item());
  }
  // ops per second; its inverse is the time per op (run.sh prints ns/op)
  st.counters["ops"] = benchmark::Counter(2.0 * steps * st.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TapeOverhead)->Unit(benchmark::kMillisecond)->MinTime(2.0)->MeasureProcessCPUTime();

static void BM_TapeForwardOnly(benchmark::State& st) {
  const int steps = 100000;
  for (auto _ : st) {
    NoGradGuard ng;
    Tensor x = scalar(1.0);
    for (int i = 0; i < steps; ++i) x = x * 1.0001 + 0.0001;
    benchmark::DoNotOptimize(x.item());
  }
}
BENCHMARK(BM_TapeForwardOnly)->Unit(benchmark::kMillisecond);

// sum(tanh(A @ B) @ C): forward 2 matmuls (4 n^3 flops), backward 4 matmuls (8 n^3).
static void BM_TanhChainForward(benchmark::State& st) {
  const int64_t n = st.range(0);
  Tensor A = randn({n, n}, 1, true), B = randn({n, n}, 2, true), C = randn({n, n}, 3, true);
  for (auto _ : st) {
    Tensor y = sum(matmul(tanh(matmul(A, B) * (1.0 / std::sqrt(double(n)))), C));
    benchmark::DoNotOptimize(y.item());
  }
  st.counters["GFLOPs"] = benchmark::Counter(4.0 * n * n * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TanhChainForward)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

static void BM_TanhChainForwardBackward(benchmark::State& st) {
  const int64_t n = st.range(0);
  Tensor A = randn({n, n}, 1, true), B = randn({n, n}, 2, true), C = randn({n, n}, 3, true);
  for (auto _ : st) {
    Tensor y = sum(matmul(tanh(matmul(A, B) * (1.0 / std::sqrt(double(n)))), C));
    auto g = grad({y}, {A, B, C});
    benchmark::DoNotOptimize(g[0].data());
  }
  st.counters["GFLOPs"] = benchmark::Counter(12.0 * n * n * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TanhChainForwardBackward)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

static void BM_MatmulTensor(benchmark::State& st) {
  const int64_t n = st.range(0);
  Tensor A = randn({n, n}, 1), B = randn({n, n}, 2);
  for (auto _ : st) benchmark::DoNotOptimize(matmul(A, B).data());
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * n * n * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatmulTensor)->Arg(256)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

static void BM_DgemmDirect(benchmark::State& st) {
  const int n = int(st.range(0));
  std::vector<double> a(size_t(n) * n, 1.0), b(size_t(n) * n, 0.5), c(size_t(n) * n);
  for (auto _ : st) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * n * n * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DgemmDirect)->Arg(256)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

BENCHMARK_MAIN();
