// tnad::linalg kernels: forward and backward times of svd, eigh and qr at n = 256, 512,
// 1024; a batch of 64 32x32 SVDs with 1 vs all OpenMP threads; randomized truncated SVD
// vs the full gesdd route at 1024 x 1024 keeping 32, with their accuracy as counters.
// Run through bench/linalg/run_linalg_bench.py for the PyTorch ratios.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>

#include "tnad/ad.hpp"
#include "tnad/linalg.hpp"

using namespace tnad;

namespace {

NDArray gaussian(int64_t m, int64_t n, uint64_t seed) { return NDArray::randn(Shape{m, n}, seed); }

// Backward alone: the graph is recorded once and replayed with retain_graph.
template <class Make>
void run_backward(benchmark::State& state, Make make) {
  const int64_t n = state.range(0);
  const Tensor A(gaussian(n, n, 1), true);
  std::vector<Tensor> outs = make(A);
  std::vector<Tensor> cot;
  for (size_t i = 0; i < outs.size(); ++i) cot.emplace_back(NDArray::randn(outs[i].shape(), 10 + i));
  GradOptions o;
  o.retain_graph = true;
  for (auto _ : state) benchmark::DoNotOptimize(grad(outs, {A}, cot, o));
}

void BM_svd_forward(benchmark::State& state) {
  const Tensor A(gaussian(state.range(0), state.range(0), 1));
  for (auto _ : state) benchmark::DoNotOptimize(svd(A));
}
void BM_svd_backward(benchmark::State& state) {
  run_backward(state, [](const Tensor& A) { auto f = svd(A); return std::vector<Tensor>{f.U, f.S, f.Vh}; });
}
void BM_eigh_forward(benchmark::State& state) {
  const Tensor A(gaussian(state.range(0), state.range(0), 1));
  for (auto _ : state) benchmark::DoNotOptimize(eigh(A));
}
void BM_eigh_backward(benchmark::State& state) {
  run_backward(state, [](const Tensor& A) { auto f = eigh(A); return std::vector<Tensor>{f.w, f.V}; });
}
void BM_qr_forward(benchmark::State& state) {
  const Tensor A(gaussian(state.range(0), state.range(0), 1));
  for (auto _ : state) benchmark::DoNotOptimize(qr(A));
}
void BM_qr_backward(benchmark::State& state) {
  run_backward(state, [](const Tensor& A) { auto f = qr(A); return std::vector<Tensor>{f.Q, f.R}; });
}

// 64 SVDs of 32 x 32: one thread vs all (the batch loop is OpenMP, LAPACK serial inside).
void BM_svd_batch64x32(benchmark::State& state) {
  const int threads = int(state.range(0)) > 0 ? int(state.range(0)) : omp_get_num_procs();
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const Tensor A(NDArray::randn(Shape{64, 32, 32}, 2));
  for (auto _ : state) benchmark::DoNotOptimize(svd(A));
  omp_set_num_threads(saved);
  state.counters["threads"] = threads;
}

// ---- truncated SVD, 1024 x 1024 keeping 32 (TRG at chi = 32: chi^2 x chi^2 -> chi).
constexpr int64_t kN = 1024, kKeep = 32;

// A = Q1 diag(s) Q2^T with s_i = exp(-i/16) (a TRG-like decaying spectrum, s_33/s_32 =
// 0.94), or a plain Gaussian matrix (flat spectrum, the hard case) when `gaussian_case`.
const NDArray& test_matrix(bool gaussian_case) {
  static NDArray decaying, flat;
  NDArray& a = gaussian_case ? flat : decaying;
  if (!a.defined()) {
    if (gaussian_case) {
      a = gaussian(kN, kN, 3);
    } else {
      const NDArray Q1 = qr(Tensor(gaussian(kN, kN, 4))).Q.value(), Q2 = qr(Tensor(gaussian(kN, kN, 5))).Q.value();
      NDArray s = NDArray::empty(Shape{kN});
      for (int64_t i = 0; i < kN; ++i) s.mutable_data()[i] = std::exp(-double(i) / 16.0);
      a = nd::matmul(nd::mul(Q1, s), Q2, false, true);  // Q1 diag(s) Q2^T
    }
  }
  return a;
}

TruncationOptions truncation(bool randomized, int power_iterations, int64_t oversampling) {
  TruncationOptions o;
  o.max_rank = kKeep;
  o.method = randomized ? SvdMethod::randomized : SvdMethod::full;
  o.power_iterations = power_iterations;
  o.oversampling = oversampling;
  return o;
}

// A gauge-invariant loss: <G, U diag(c) Vh> + sum c_i s_i.
Tensor truncated_loss(const TruncatedSVD& f) {
  static const Tensor c(NDArray::arange(1.0, 1.0 + 0.25 * kKeep, 0.25));
  static const Tensor G(gaussian(kN, kN, 6));
  return vdot(G, matmul(f.U * expand_dims(c, 0), f.Vh)) + sum(f.S * c);
}

double rel_diff(const NDArray& a, const NDArray& b) { return nd::norm(nd::sub(a, b)) / nd::norm(b); }

// args: randomized (0/1), Gaussian matrix (0/1), power iterations, oversampling.
void BM_truncated_forward(benchmark::State& state) {
  const bool randomized = state.range(0) != 0, gaussian_case = state.range(1) != 0;
  const auto o = truncation(randomized, int(state.range(2)), state.range(3));
  const Tensor A(test_matrix(gaussian_case));
  for (auto _ : state) benchmark::DoNotOptimize(svd_truncated(A, o));
}

void BM_truncated_forward_backward(benchmark::State& state) {
  const bool randomized = state.range(0) != 0, gaussian_case = state.range(1) != 0;
  const auto o = truncation(randomized, int(state.range(2)), state.range(3));
  const Tensor A(test_matrix(gaussian_case), true);
  NDArray g, S;
  for (auto _ : state) {
    const auto f = svd_truncated(A, o);
    g = grad(truncated_loss(f), A).value();
    S = f.S.value();
  }
  if (randomized) {  // accuracy against the full gesdd route (option A adjoint)
    const auto full = svd_truncated(A, truncation(false, 0, 0));
    const NDArray g_full = grad(truncated_loss(full), A).value();
    state.counters["sv_rel_err"] = rel_diff(S, full.S.value());
    state.counters["grad_rel_err"] = rel_diff(g, g_full);
  }
}

}  // namespace

BENCHMARK(BM_svd_forward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_svd_backward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_eigh_forward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_eigh_backward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_qr_forward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_qr_backward)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
// 0 = all cores
BENCHMARK(BM_svd_batch64x32)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
// {method, matrix, q, p}: full route; randomized with Halko's p = 10, q = 2 (torch's
// svd_lowrank), with q = 4, and with tnad's defaults q = 4, p = k = 32.
#define TRUNCATION_ARGS                                                                        \
  ->Args({0, 0, 0, 0})->Args({1, 0, 2, 10})->Args({1, 0, 4, 10})->Args({1, 0, 4, 32})          \
  ->Args({0, 1, 0, 0})->Args({1, 1, 2, 10})->Args({1, 1, 4, 10})->Args({1, 1, 4, 32})          \
  ->Unit(benchmark::kMillisecond)
BENCHMARK(BM_truncated_forward) TRUNCATION_ARGS;
BENCHMARK(BM_truncated_forward_backward) TRUNCATION_ARGS;

BENCHMARK_MAIN();
