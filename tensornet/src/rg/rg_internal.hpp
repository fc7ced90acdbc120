// Internal: the RG loop shared by TRG and HOTRG — normalization, ln Z bookkeeping, the
// checkpointed step chain and the per-step records (rg.hpp).
#pragma once
#include <functional>

#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/rg.hpp"

namespace tnad::rg_detail {

// Contraction orders chosen by flops alone: einsum's automatic objective depends on
// whether the call is recorded, and a checkpointed step runs unrecorded first and recorded
// in the backward — with one order for both, the recomputation is bit-identical (and so
// are its discrete choices: kept ranks, the HOTRG side).
inline PathOptions fixed_path() {
  PathOptions p;
  p.objective = PathObjective::flops;
  return p;
}

struct StepOut {
  Tensor T;
  double discarded_weight = 0;
};
// One coarse-graining step of the normalized tensor T / c, c = |T|_F (0-d), given T and c
// apart so that a step may apply 1/c where it is cheapest (TRG: to chi singular values, not
// to chi^4 entries and their cotangents). Deterministic: the checkpointed backward re-runs it.
using StepFn = std::function<StepOut(const Tensor& T, const Tensor& c, const RgOptions& o)>;

// tangents: directions T_dot of T0 (may be empty); RgResult::ln_z_dot gets one directional
// derivative of ln Z / N per tangent, propagated forward through the steps.
// `layout`: the axis order in which the chain keeps T, as a permutation of T_uldr (stored
// axis i = axis layout[i] of T_uldr; empty = uldr). T0 and the tangents are permuted into it
// once; `step` takes and returns T in it; the final trace reads it directly.
RgResult run_rg(const Tensor& T0, const std::vector<Tensor>& tangents, const RgOptions& o,
                const StepFn& step, const char* who, const std::vector<int64_t>& layout = {});

}  // namespace tnad::rg_detail
