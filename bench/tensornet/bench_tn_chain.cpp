// Checkpointed chains: peak memory (tnad::memory::peak_bytes, above what was live before) and
// time of value + gradient of a 50-step iterative contraction, per checkpoint strategy.
// The step is the shape of a CTMRG/TRG move: a chi x chi state absorbs two copies of a
// (chi, d, chi) tensor and is normalized; state S = chi^2, one step's tape T ~ chi^2 d.
// Two regimes: chi = 32, d = 64 (T = 64 S: every_step already near the T floor) and
// chi = 128, d = 4 (T = 4 S: the n S term dominates and sqrt pays off).
#include <benchmark/benchmark.h>

#include "tnad/ad/autograd.hpp"
#include "tnad/tensornet/chain.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/ops.hpp"

using namespace tnad;

namespace {

std::vector<Tensor> step(const std::vector<Tensor>& s, const std::vector<Tensor>& p, int) {
  Tensor m = einsum("ab,apc,bpd->cd", s[0], p[0], p[0]);
  return {m / norm(m)};
}

void BM_chain_grad(benchmark::State& st) {
  const auto strategy = static_cast<ChainCheckpoint>(st.range(0));
  const int n = int(st.range(1));
  const int64_t chi = st.range(2), d2 = st.range(3);
  Tensor m0 = randn({chi, chi}, 1, true), w = randn({chi, d2, chi}, 2, true);
  ChainOptions o;
  o.checkpoint = strategy;
  int64_t peak = 0;
  for (auto _ : st) {
    const int64_t before = memory::live_bytes();
    memory::reset_peak();
    {
      Tensor m = run_chain(step, {m0}, {w}, n, o)[0];
      auto g = grad({sum(m * m * m)}, {m0, w});
      benchmark::DoNotOptimize(g[1].data());
    }
    peak = memory::peak_bytes() - before;
  }
  static const char* names[] = {"none", "every_step", "sqrt"};
  st.SetLabel(names[st.range(0)]);
  st.counters["peak_MiB"] = double(peak) / (1 << 20);
  st.counters["state_KiB"] = double(chi * chi * 8) / 1024;
  st.counters["tape_KiB"] = double(chi * d2 * chi * 8) / 1024;
}
BENCHMARK(BM_chain_grad)
    ->ArgsProduct({{0, 1, 2}, {50}, {32}, {64}})
    ->ArgsProduct({{0, 1, 2}, {50}, {128}, {4}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
