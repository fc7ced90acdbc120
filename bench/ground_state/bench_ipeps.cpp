// tnad's side of the iPEPS comparison with the PyTorch peer (torch_ipeps.py, same network,
// conventions and truncation): the C4v energy of the sublattice-rotated Heisenberg model and
// its gradient through a fixed number of CTMRG steps, plain or checkpointed per step; or
// L-BFGS until the energy reaches a target. One JSON line per run, like the peer's.
//
//   bench_ipeps grad  --tensor A.bin --D 4 --chi 32 --steps 30 [--checkpoint] [--no-remat] [--repeat 3]
//   bench_ipeps lbfgs --tensor A.bin --D 2 --chi 20 --target -0.6602 [--max-ctm 40 --ctm-tol 1e-8]
//
// A.bin: the starting tensor, 2 D^4 raw float64 numbers (written by run.sh, read by both).
// Memory: tnad::memory::peak_bytes (every NDArray buffer) and the process's peak RSS.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/solvers/ipeps.hpp"
#include "tnad/solvers/optim.hpp"
#include "tnad/solvers/tensor_objective.hpp"

using namespace tnad;

namespace {

struct Args {
  std::string mode, tensor;
  int64_t D = 2, chi = 20;
  int steps = 30, repeat = 3, max_ctm = 40, max_steps = 200, history = 10;
  bool checkpoint = false, remat = true;  // --no-remat: CtmrgOptions::rematerialize = false
  double target = -0.6602, ctm_tol = 1e-8;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::vector<double> read_tensor(const std::string& path, int64_t D) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_error(path, ": cannot open");
  std::vector<double> x(std::size_t(2 * D * D * D * D));
  f.read(reinterpret_cast<char*>(x.data()), std::streamsize(x.size() * sizeof(double)));
  if (f.gcount() != std::streamsize(x.size() * sizeof(double)) || f.peek() != EOF)
    throw_error(path, ": needs exactly 2 D^4 = ", x.size(), " float64 numbers");
  return x;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

int grad_mode(const Args& a) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  const std::vector<double> x0 = read_tensor(a.tensor, a.D);
  CtmrgOptions o;
  o.chi = a.chi;
  o.max_iter = a.steps;
  o.tol = 0.0;  // exactly `steps` iterations, as the peer
  o.checkpoint = a.checkpoint;
  o.rematerialize = a.remat;
  std::vector<double> times;
  double e = 0, gn = 0;
  int64_t peak = 0;
  for (int r = 0; r < a.repeat; ++r) {
    memory::reset_peak();
    const auto t0 = std::chrono::steady_clock::now();
    Tensor A = from({2, a.D, a.D, a.D, a.D}, x0, true);
    const C4vEnergy E = c4v_energy(A, H, o);
    const Tensor g = grad(E.energy, A);
    times.push_back(seconds_since(t0));
    e = E.energy.item();
    gn = norm(g).item();
    peak = std::max(peak, memory::peak_bytes());
  }
  // first_seconds: the process's first evaluation (every buffer new: its pages are faulted
  // in); warm_seconds: the median of the later ones (buffers reused, as in an optimization)
  const std::string warm =
      times.size() > 1 ? std::to_string(median(std::vector<double>(times.begin() + 1, times.end()))) : "null";
  std::printf("{\"peer\": \"tnad\", \"mode\": \"grad\", \"D\": %lld, \"chi\": %lld, \"steps\": %d, \"checkpoint\": %s, "
              "\"remat\": %s, \"seconds\": %.6g, \"first_seconds\": %.6g, \"warm_seconds\": %s, \"energy\": %.15g, "
              "\"grad_norm\": %.15g, \"peak_bytes\": %lld, \"peak_rss_bytes\": %lld, \"threads\": %d}\n",
              static_cast<long long>(a.D), static_cast<long long>(a.chi), a.steps, a.checkpoint ? "true" : "false",
              a.remat ? "true" : "false", median(times), times.front(), warm.c_str(), e, gn, static_cast<long long>(peak),
              static_cast<long long>(memory::peak_rss_bytes()), omp_get_max_threads());
  return 0;
}

int lbfgs_mode(const Args& a) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  CtmrgOptions o;
  o.chi = a.chi;
  o.max_iter = a.max_ctm;
  o.tol = a.ctm_tol;
  const Shape shape{2, a.D, a.D, a.D, a.D};
  int evals = 0;
  double best = 1e300, reached = -1, ctm_total = 0;
  const auto t0 = std::chrono::steady_clock::now();
  struct Reached {};
  auto f = tensor_objective({shape}, [&](const std::vector<Tensor>& x) {
    const C4vEnergy E = c4v_energy(x[0], H, o);
    ++evals;
    ctm_total += E.ctm.info.iterations;
    return E.energy;
  });
  auto counted = [&](const optim::Vector& x, optim::Vector& g) {
    const double v = f(x, g);
    best = std::min(best, v);
    if (v <= a.target && reached < 0) {
      reached = seconds_since(t0);
      throw Reached{};
    }
    return v;
  };
  optim::Options oo;
  oo.history = a.history;
  auto opt = optim::make_optimizer(oo);
  try {
    optim::minimize(counted, read_tensor(a.tensor, a.D), *opt, {.max_steps = a.max_steps, .grad_tol = 1e-10});
  } catch (const Reached&) {
  }
  std::printf("{\"peer\": \"tnad\", \"mode\": \"lbfgs\", \"D\": %lld, \"chi\": %lld, \"target\": %.10g, "
              "\"seconds_to_target\": %s, \"seconds\": %.6g, \"evaluations\": %d, \"best_energy\": %.15g, "
              "\"mean_ctm_iterations\": %.4g, \"peak_rss_bytes\": %lld, \"threads\": %d}\n",
              static_cast<long long>(a.D), static_cast<long long>(a.chi), a.target,
              reached < 0 ? "null" : std::to_string(reached).c_str(), seconds_since(t0), evals, best,
              evals ? ctm_total / evals : 0.0, static_cast<long long>(memory::peak_rss_bytes()), omp_get_max_threads());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a;
    if (argc < 2) throw_error("usage: bench_ipeps grad|lbfgs --tensor FILE [--D N --chi N ...]");
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
      const std::string k = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw_error(k, " needs a value");
        return argv[++i];
      };
      if (k == "--tensor") a.tensor = next();
      else if (k == "--D") a.D = std::stoll(next());
      else if (k == "--chi") a.chi = std::stoll(next());
      else if (k == "--steps") a.steps = std::stoi(next());
      else if (k == "--repeat") a.repeat = std::stoi(next());
      else if (k == "--checkpoint") a.checkpoint = true;
      else if (k == "--no-remat") a.remat = false;
      else if (k == "--target") a.target = std::stod(next());
      else if (k == "--max-ctm") a.max_ctm = std::stoi(next());
      else if (k == "--ctm-tol") a.ctm_tol = std::stod(next());
      else if (k == "--max-steps") a.max_steps = std::stoi(next());
      else if (k == "--history") a.history = std::stoi(next());
      else throw_error("unknown option ", k);
    }
    if (a.tensor.empty()) throw_error("--tensor FILE is required");
    if (a.mode == "grad") return grad_mode(a);
    if (a.mode == "lbfgs") return lbfgs_mode(a);
    throw_error("unknown mode '", a.mode, "' (grad or lbfgs)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ipeps: %s\n", e.what());
    return 1;
  }
}
