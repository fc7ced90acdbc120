// Timed whole computations of Ising thermodynamics by AD through TRG/HOTRG: one process per
// configuration (so the process peak RSS belongs to it), one JSON line per beta point.
//
//   bench_ising [--method trg|hotrg] [--chi N] [--steps N] [--order 0|1|2]
//               [--svd full|sylvester|randomized] [--checkpoint none|every_step|sqrt]
//               [--second-order automatic|reverse_over_reverse|reverse_over_forward]
//               [--keep-multiplets 0|1] [--oversampling P] [--power-iterations Q] [--remat 0|1]
//               [--beta B]... [--repeat R]
//
// Prints per beta: seconds (best of R), ln Z, u, C and their errors against Onsager,
// tnad::memory::peak_bytes of the computation, the process peak RSS, the max discarded
// weight, and the contraction kernel's counters of the last repeat (pairwise contractions,
// those that looped over a label, elements copied by permutations: tn::pair_kernel_stats).
// run.sh drives it together with the PyTorch peer (torch_trg.py).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "contract/kernels.hpp"  // tensornet/src: the kernel counters (internal)
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/solvers/onsager.hpp"

using namespace tnad;

// A JSON number as Python's json module reads it (NaN / Infinity for non-finite values).
static std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

int main(int argc, char** argv) {
  ThermoOptions o;
  o.field_derivative = false;  // the workload is ln Z, u, C (as the PyTorch peer's)
  o.rg.truncation.max_rank = 24;
  o.rg.steps = 20;
  std::vector<double> betas;
  int repeat = 1;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw_error("bench_ising: ", a, " needs a value");
        return argv[++i];
      };
      if (a == "--method") o.method = rg_method(next());
      else if (a == "--chi") o.rg.truncation.max_rank = std::stoll(next());
      else if (a == "--steps") o.rg.steps = std::stoi(next());
      else if (a == "--order") o.order = std::stoi(next());
      else if (a == "--beta") betas.push_back(std::stod(next()));
      else if (a == "--repeat") repeat = std::stoi(next());
      else if (a == "--keep-multiplets") o.rg.truncation.keep_multiplets = next() != "0";
      else if (a == "--oversampling") o.rg.truncation.oversampling = std::stoll(next());
      else if (a == "--power-iterations") o.rg.truncation.power_iterations = std::stoi(next());
      else if (a == "--svd") {
        std::string m = next();
        if (m == "full") o.rg.truncation.method = SvdMethod::full;
        else if (m == "randomized") o.rg.truncation.method = SvdMethod::randomized;
        else if (m == "sylvester") { o.rg.truncation.method = SvdMethod::full; o.rg.truncation.adjoint = SvdAdjoint::sylvester; }
        else throw_error("bench_ising: --svd full|randomized, got ", m);
      } else if (a == "--second-order") {
        std::string m = next();
        if (m == "automatic") o.second_order = SecondOrder::automatic;
        else if (m == "reverse_over_reverse") o.second_order = SecondOrder::reverse_over_reverse;
        else if (m == "reverse_over_forward") o.second_order = SecondOrder::reverse_over_forward;
        else throw_error("bench_ising: --second-order automatic|reverse_over_reverse|reverse_over_forward, got ", m);
      } else if (a == "--remat") {
        const std::string m = next();
        if (m != "0" && m != "1") throw_error("bench_ising: --remat 0|1, got ", m);
        o.rg.rematerialize = m == "1";
      } else if (a == "--checkpoint") {
        std::string m = next();
        if (m == "none") o.rg.checkpoint = ChainCheckpoint::none;
        else if (m == "every_step") o.rg.checkpoint = ChainCheckpoint::every_step;
        else if (m == "sqrt") o.rg.checkpoint = ChainCheckpoint::sqrt;
        else throw_error("bench_ising: --checkpoint none|every_step|sqrt, got ", m);
      } else {
        throw_error("bench_ising: unknown argument ", a);
      }
    }
    if (betas.empty()) betas = {0.40};
    for (double beta : betas) {
      double best = 1e300;
      ThermoPoint p;
      int64_t peak = 0;
      for (int r = 0; r < repeat; ++r) {
        const int64_t live0 = memory::live_bytes();
        memory::reset_peak();
        tn::reset_pair_kernel_stats();
        auto t0 = std::chrono::steady_clock::now();
        p = ising_thermo(beta, o);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
        peak = std::max(peak, memory::peak_bytes() - live0);
      }
      const tn::PairKernelStats ks = tn::pair_kernel_stats();  // of the last repeat
      const OnsagerValues ex = onsager(beta);
      double dw = 0;
      for (double w : p.discarded_weight) dw = std::max(dw, w);
      std::printf(
          "{\"method\": \"%s\", \"chi\": %lld, \"steps\": %d, \"order\": %d, \"svd\": \"%s\", "
          "\"checkpoint\": \"%s\", \"beta\": %.17g, \"seconds\": %.4f, \"ln_z\": %s, \"u\": %s, "
          "\"c\": %s, \"err_ln_z\": %s, \"err_u\": %s, \"err_c\": %s, \"peak_bytes\": %lld, "
          "\"peak_rss_bytes\": %lld, \"max_discarded_weight\": %s, \"contractions\": %lld, "
          "\"looped_contractions\": %lld, \"permuted_elements\": %lld}\n",
          to_string(o.method), (long long)o.rg.truncation.max_rank, o.rg.steps, o.order,
          o.rg.truncation.method == SvdMethod::randomized ? "randomized" : o.rg.truncation.adjoint == SvdAdjoint::sylvester ? "sylvester" : "full",
          o.rg.checkpoint == ChainCheckpoint::none ? "none"
          : o.rg.checkpoint == ChainCheckpoint::every_step ? "every_step" : "sqrt",
          beta, best, num(p.ln_z).c_str(), num(p.u).c_str(), num(p.c).c_str(), num(p.ln_z - ex.ln_z).c_str(),
          num(p.u - ex.u).c_str(), num(p.c - ex.c).c_str(), (long long)peak, (long long)memory::peak_rss_bytes(),
          num(dw).c_str(), (long long)ks.contractions, (long long)ks.looped, (long long)ks.permuted_elements);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ising: %s\n", e.what());
    return 1;
  }
  return 0;
}
