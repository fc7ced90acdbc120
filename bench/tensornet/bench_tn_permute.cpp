// nd::permute bandwidth against memcpy of the same bytes. Counter GB/s counts bytes read plus
// bytes written (2 x nbytes) for both, so the ratio is permute time / memcpy time inverted.
// memcpy writes into a preallocated buffer; permute (like every nd kernel) allocates its result,
// as does clone (allocation + memcpy), listed as the fair copy baseline of this API.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "tnad/ad/nd.hpp"

using namespace tnad;

namespace {

struct Case {
  const char* name;
  Shape shape;
  std::vector<int64_t> perm;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"abcd->adbc_24", {24, 24, 24, 24}, {0, 3, 1, 2}},       // the einsum benchmark's permute
      {"ij->ji_2048", {2048, 2048}, {1, 0}},                  // 2-D transpose, 32 MiB
      {"abcd->dcba_48", {48, 48, 48, 48}, {3, 2, 1, 0}},
      {"abcd->cadb_48", {48, 48, 48, 48}, {2, 0, 3, 1}},
      {"abcd->bacd_48", {48, 48, 48, 48}, {1, 0, 2, 3}},       // innermost kept: row copies
      {"abc->bac_1024x1024x2", {1024, 1024, 2}, {1, 0, 2}},   // innermost kept but 16 bytes
      {"abcdef->fedcba_12", {12, 12, 12, 12, 12, 12}, {5, 4, 3, 2, 1, 0}},
  };
  return c;
}

void BM_permute(benchmark::State& st) {
  const Case& c = cases()[st.range(0)];
  st.SetLabel(c.name);
  NDArray a = NDArray::randn(c.shape, 1);
  for (auto _ : st) benchmark::DoNotOptimize(nd::permute(a, c.perm).data());
  st.counters["GB/s"] = benchmark::Counter(2.0 * double(a.nbytes()) / 1e9,
                                           benchmark::Counter::kIsIterationInvariantRate);
  st.counters["MiB"] = double(a.nbytes()) / (1 << 20);
}

void BM_memcpy(benchmark::State& st) {
  const Case& c = cases()[st.range(0)];
  st.SetLabel(c.name);
  NDArray a = NDArray::randn(c.shape, 1);
  std::vector<double> out(a.numel());
  for (auto _ : st) {
    std::memcpy(out.data(), a.data(), a.nbytes());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.counters["GB/s"] = benchmark::Counter(2.0 * double(a.nbytes()) / 1e9,
                                           benchmark::Counter::kIsIterationInvariantRate);
}

void BM_clone(benchmark::State& st) {
  const Case& c = cases()[st.range(0)];
  st.SetLabel(c.name);
  NDArray a = NDArray::randn(c.shape, 1);
  for (auto _ : st) benchmark::DoNotOptimize(a.clone().data());
  st.counters["GB/s"] = benchmark::Counter(2.0 * double(a.nbytes()) / 1e9,
                                           benchmark::Counter::kIsIterationInvariantRate);
}

void all_cases(benchmark::internal::Benchmark* b) {
  for (std::size_t i = 0; i < cases().size(); ++i) b->Arg(int64_t(i));
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_permute)->Apply(all_cases);
BENCHMARK(BM_memcpy)->Apply(all_cases);
BENCHMARK(BM_clone)->Apply(all_cases);

}  // namespace

BENCHMARK_MAIN();
