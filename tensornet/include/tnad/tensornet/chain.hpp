// run_chain: an N-step iterative contraction state_{k+1} = step(state_k, params, k) — the
// shape of a TRG or CTMRG loop — recorded for AD with a chosen checkpoint strategy.
//
// With n steps, S the size of the carried state and T the tape of one step (all its
// intermediates; T >> S for TRG/CTMRG), the memory the backward holds and the extra work
// (docs/adjoints.md, "Checkpointing and rematerialization"; Chen et al. arXiv:1604.06174):
//   none        record everything                   n T              no recomputation
//   every_step  checkpoint each step                n S + T          +1 forward
//   sqrt        segments of k ~ sqrt(n) steps,      (n/k + k) S + T  +2 forwards
//               each step inside checkpointed too   = O(sqrt(n) S + T)
// Built on checkpoint() (tnad/ad/checkpoint.hpp), so it works under create_graph (second order) —
// but there the recomputed step tapes become part of the recorded backward, so the memory
// bound above holds for first derivatives only.
// Trap: the step is re-run in the backward, so it must be deterministic (e.g. a fixed SVD
// gauge); its inputs are the state and the params only — capture nothing that changes.
#pragma once
#include <functional>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

enum class ChainCheckpoint { none, every_step, sqrt };

struct ChainOptions {
  ChainCheckpoint checkpoint = ChainCheckpoint::sqrt;
  int segment = 0;  // steps per segment for sqrt; 0 = ceil(sqrt(n_steps))
};

// state: the carried tensors; params: tensors every step reads (e.g. the site tensor),
// differentiable too; k: the step number 0..n_steps-1. The step is copied and kept until
// the backward has run.
using ChainStep = std::function<std::vector<Tensor>(const std::vector<Tensor>& state,
                                                    const std::vector<Tensor>& params, int k)>;

std::vector<Tensor> run_chain(const ChainStep& step, const std::vector<Tensor>& state,
                              const std::vector<Tensor>& params, int n_steps,
                              const ChainOptions& options = {});

}  // namespace tnad
