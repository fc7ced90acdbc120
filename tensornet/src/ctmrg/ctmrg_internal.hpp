// Internal: what the C4v and the directional CTMRG share — contraction orders, the kept
// rank, option checks, corner spectra and the iteration loop.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/ctmrg.hpp"

namespace tnad::ctm_detail {

// Contraction orders chosen by flops alone: einsum's automatic objective depends on
// whether the call records, and a checkpointed step runs unrecorded first and recorded in
// the backward; one order for both makes the recomputation bit-identical (so are its
// discrete choices: kept ranks, eigenvector signs).
inline PathOptions fixed_path() {
  PathOptions p;
  p.objective = PathObjective::flops;
  return p;
}

void check_options(const CtmrgOptions& o, const char* who);

// max |x - permute(x, perm)| / max |x| (0 for x = 0): how far x is from invariance under a
// leg permutation (c4v_asymmetry, the mirror check of rdm2x1_mirror_symmetric).
double relative_asymmetry(const NDArray& x, const std::vector<int64_t>& perm);

// A 5-leg site tensor -> its double layer; a 4-leg tensor (u, l, d, r) with equal legs ->
// itself. Raises naming `who` otherwise or on NaN/Inf.
Tensor as_double_layer(const Tensor& A, const char* who);

// The truncation policy of kept_rank (truncation.hpp): o.truncation with max_rank = chi.
Truncation kept_policy(const CtmrgOptions& o);

// Singular values of a corner matrix, descending, divided by the largest (unrecorded).
std::vector<double> normalized_spectrum(const Tensor& C);
// sqrt(sum_i (s_i - t_i)^2), the shorter list padded with zeros.
double spectrum_distance(const std::vector<double>& s, const std::vector<double>& t);

// The sign gauge of the renormalized bonds of one boundary (ctmrg.hpp, "Gauge"): a periodic
// chain of edges T_i (k, d, k'), edge i joining bond i - 1 (first leg) to bond i (last leg);
// returns the signs of bond i (its dimension T_i.size(2)) so that the edges with the signs
// applied overlap ref (same shapes) positively, greedily, strongest evidence first; without
// refs of T's shapes, the largest entries positive. One edge: a bond shared by both ends.
std::vector<std::vector<double>> chain_signs(const std::vector<NDArray>& T, const std::vector<const NDArray*>& ref);
std::vector<double> bond_signs(const NDArray& T, const NDArray* ref);  // chain_signs of one edge
// The overall sign (+-1) making <T with the leg signs applied, ref> >= 0 (1 without ref).
double global_sign(const Tensor& T, const std::vector<std::vector<double>>& legs, const NDArray* ref);
// T_{i j ...} * global * legs[0][i] * legs[1][j] ... (an empty list: no signs on that leg),
// recorded as one product with a constant (T itself if every factor is 1).
Tensor apply_signs(const Tensor& T, const std::vector<std::vector<double>>& legs, double global = 1.0);

// The CTMRG loop: state_{k+1} = step(state_k, params) until the corner spectra change by
// less than tol or max_iter steps ran; each step checkpointed when options.checkpoint.
// `corners(state)` lists the corner matrices whose spectra are compared. The step records
// its truncation error into the double it is given (the forward's value; a checkpointed
// re-run writes the same again).
using StepFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& state,
                                                 const std::vector<Tensor>& params, double& truncation_error)>;
std::vector<Tensor> iterate(const StepFn& step, std::vector<Tensor> state, const std::vector<Tensor>& params,
                            const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& corners,
                            const CtmrgOptions& o, CtmrgInfo& info, const std::string& name);

}  // namespace tnad::ctm_detail
