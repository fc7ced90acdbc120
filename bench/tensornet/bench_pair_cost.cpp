// Calibration of the pair kernel's cost model (tensornet/src/contract/pair_cost.hpp): the time
// of one nd::gemm over a grid of shapes (m, n, k, transpose flags) and of nd::permute per
// element, on one thread (the model prices work per core; run with OMP_NUM_THREADS=1).
// bench/tensornet/fit_pair_cost.py fits the model's constants to this program's output:
//
//   OMP_NUM_THREADS=1 build/bench/tensornet/bench_pair_cost --benchmark_repetitions=5 \
//       --benchmark_min_time=0.02 --benchmark_format=json > gemm.json
//   /usr/bin/python3 bench/tensornet/fit_pair_cost.py gemm.json
//
// Each case reports real time per call and the model's prediction (counter "model_us"), so
// a run also shows how far the compiled-in constants are from this machine.
#include <benchmark/benchmark.h>

#include <vector>

#include "contract/pair_cost.hpp"  // tensornet/src (internal)
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ndarray.hpp"

using namespace tnad;

namespace {

void BM_gemm(benchmark::State& st) {
  const int64_t m = st.range(0), n = st.range(1), k = st.range(2);
  const bool ta = st.range(3) & 1, tb = st.range(3) & 2;
  NDArray a = NDArray::randn({m * k}, 1), b = NDArray::randn({k * n}, 2), c = NDArray::zeros({m * n});
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  for (auto _ : st) {
    nd::gemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, c.mutable_data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["model_us"] = tn::gemm_cost(m, n, k) * 1e6;
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(m) * double(n) * double(k) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void gemm_shapes(benchmark::internal::Benchmark* b) {
  const std::vector<int64_t> ext = {8, 24, 32, 64, 256, 576, 1024};
  for (int64_t m : ext)
    for (int64_t n : ext)
      for (int64_t k : ext) {
        const double w = double(m) * double(n) * double(k);
        if (w < double(1 << 15) || w > double(1 << 28)) continue;
        b->Args({m, n, k, 0});
      }
  // transposed operands, as strided views hand them to GEMM
  for (auto s : std::vector<std::vector<int64_t>>{{24, 576, 576}, {576, 24, 576}, {1024, 32, 32}, {32, 1024, 32},
                                                  {576, 576, 576}, {64, 1024, 64}})
    for (int64_t t : {1, 2, 3}) b->Args({s[0], s[1], s[2], t});
}
BENCHMARK(BM_gemm)->Apply(gemm_shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();

// nd::permute of a d^4 tensor (the axis orders the pair kernel produces most), per element.
void BM_permute(benchmark::State& st) {
  const int64_t d = st.range(0);
  const std::vector<std::vector<int64_t>> perms = {{0, 3, 1, 2}, {3, 2, 1, 0}, {1, 0, 2, 3}, {2, 0, 3, 1}};
  const auto& p = perms[std::size_t(st.range(1))];
  NDArray a = NDArray::randn({d, d, d, d}, 1);
  for (auto _ : st) benchmark::DoNotOptimize(nd::permute(a, p).data());
  st.counters["elements"] = double(a.numel());
  st.counters["model_us"] = tn::permute_cost(a.numel()) * 1e6;
}
BENCHMARK(BM_permute)->ArgsProduct({{8, 16, 24, 32, 48}, {0, 1, 2, 3}})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
