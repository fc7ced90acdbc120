// Thermodynamics of the 2D Ising model by differentiating a coarse-graining program:
// ln Z / N from TRG or HOTRG (trg.hpp, hotrg.hpp) on the site tensor T(beta, J, h)
// (ising.hpp), then — no finite differences, no hand-derived formulas —
//   u     = -d (ln Z/N) / d beta                       (first-order AD)
//   C     = beta^2 d^2 (ln Z/N) / d beta^2             (nested AD: create_graph)
//   dlnz_dh = d (ln Z/N) / d h  (= beta m per site)    (first-order AD)
// as in Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019), Fig. 1.
//
// Two ways to the second derivative (SecondOrder):
//   reverse_over_reverse  grad(grad(lnZ, beta, create_graph), beta). Without checkpointing
//                         the recorded first backward spans every step: memory ~ steps x
//                         (forward + backward tape). With checkpoint = every_step each step
//                         is a node whose backward is itself checkpointed (rg.hpp), so the
//                         recorded first backward holds only (input, cotangent) per step and
//                         the second backward re-runs one step at a time: memory ~ one step's
//                         tapes + 2 tensors per step, for ~1.5-2.5x the time.
//   reverse_over_forward  the tangents dT/dbeta, dT/dh are carried forward through the
//                         steps (per step the double-VJP identity, rg.hpp), which gives u
//                         and d lnZ/dh in the forward pass; C is one reverse sweep over that
//                         program. Bounded memory with any checkpointing (also sqrt, whose
//                         libad checkpoints keep their re-run tapes under create_graph), for
//                         ~2-3x the time of reverse over reverse.
//   automatic             reverse_over_forward for checkpoint = sqrt, else reverse_over_reverse.
// Order 1 is a plain backward (with checkpointing: one step's tape + one T per step).
// Trap: near beta_c the error of finite chi dominates (u off by ~1e-3, C overshoots); the
// derivatives are exact derivatives of the approximate ln Z, which is also what a finite
// difference of the same program measures.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tnad/tensornet/rg.hpp"

namespace tnad {

enum class RgMethod { trg, hotrg };
RgMethod rg_method(const std::string& name);  // "trg" | "hotrg", else tnad::Error
const char* to_string(RgMethod m);

// ln Z / N of the site tensor T by the chosen method.
RgResult coarse_grain(RgMethod method, const Tensor& T, const RgOptions& options);

enum class SecondOrder { automatic, reverse_over_reverse, reverse_over_forward };

struct ThermoOptions {
  RgMethod method = RgMethod::trg;
  RgOptions rg = {};
  int order = 2;       // 0: ln Z only; 1: + u and d lnZ/dh; 2: + C
  SecondOrder second_order = SecondOrder::automatic;
  double J = 1.0;      // coupling (> 0)
  double h = 0.0;      // field
  // d lnZ/dh: free with reverse over reverse (the same backward); with reverse over forward
  // it is a second tangent carried through the steps (~1.5x the work), so it can be skipped.
  bool field_derivative = true;
};

struct ThermoPoint {
  double beta = 0;
  double ln_z = 0;     // ln Z / N
  double u = 0;        // order >= 1, else NaN
  double c = 0;        // order >= 2, else NaN
  double dlnz_dh = 0;  // order >= 1 (with reverse over forward: if field_derivative), else NaN
  std::vector<double> discarded_weight;  // per RG step
  std::vector<int64_t> bond_dim;         // per RG step
};

ThermoPoint ising_thermo(double beta, const ThermoOptions& options);

}  // namespace tnad
