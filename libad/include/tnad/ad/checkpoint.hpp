// Checkpointing: trading recomputation for the memory of a recorded tape.
//
//   checkpoint(f, x)      keep only x; the backward re-runs f recorded and backpropagates
//                         through it. Memory of f's tape for one extra forward.
//   checkpoint(f, x, {.checkpoint_backward = true})
//                         the same, and its VJP is itself a checkpoint: under create_graph
//                         (second derivatives) the recorded first backward keeps only
//                         (x, cotangents) instead of f's forward and backward tapes, and the
//                         second backward re-runs f's forward + backward once. A chain of
//                         such steps has first and second derivatives in one step's tapes.
//   rematerialize(f, x)   selective: y = f(x) is kept by the ops that save it as a recipe
//                         and recomputed when their VJP reads it.
//
// f must be deterministic (fixed SVD gauge, contraction orders that do not depend on
// whether the call records), since it is recomputed and must reproduce its forward; the
// node keeps its own copy of f. Any number of inputs and outputs.
#pragma once
#include <vector>

#include "tnad/ad/autograd.hpp"

namespace tnad {

struct CheckpointOptions {
  // The VJP of the checkpoint is checkpointed as well (see above).
  bool checkpoint_backward = false;
  // When f is re-run only to be differentiated, its outputs' values are never read (the
  // VJPs of its last ops do not read their own outputs): rerun_values_unused() tells f so
  // while it re-runs, and f may leave its last contraction unevaluated (TRG's chi^6 step).
  bool values_unused_on_rerun = false;
};

// Runs f without recording and keeps only its inputs; backward re-runs f with recording
// and backpropagates through it. Works under create_graph (higher order through the
// checkpoint).
std::vector<Tensor> checkpoint(const MultiFn& f, const std::vector<Tensor>& inputs,
                               CheckpointOptions options = {});
Tensor checkpoint(const Fn& f, const Tensor& x, CheckpointOptions options = {});

// True while a checkpoint with values_unused_on_rerun re-runs f for its VJP only.
// Thread-local.
bool rerun_values_unused();

// y = f(inputs), rematerialized instead of kept for backward: an op that saves y for its
// VJP keeps f and the inputs rather than y's value, and recomputes y when that VJP runs
// (recorded under create_graph, and rematerializable again there). Selective
// checkpointing for a cheap producer of a large tensor that its consumers save: TRG's
// chi^5 half-plaquettes, read by the VJPs of the chi^6 product and of its VJP. Memory per
// saving consumer drops from y's size to nothing (the inputs are held anyway); time grows
// by one f per VJP that reads y. f must be deterministic; an input modified in place
// before the recomputation is an error.
Tensor rematerialize(const FnN& f, const std::vector<Tensor>& inputs);

}  // namespace tnad
