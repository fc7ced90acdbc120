#include "tnad/tensornet/chain.hpp"

#include <cmath>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/interrupt.hpp"

namespace tnad {

namespace {

using State = std::vector<Tensor>;

std::vector<Tensor> join(const State& s, const std::vector<Tensor>& p) {
  std::vector<Tensor> r = s;
  r.insert(r.end(), p.begin(), p.end());
  return r;
}

// Runs steps [k0, k1); with `inner` each step is its own checkpoint.
State run_steps(const ChainStep& step, State s, const std::vector<Tensor>& params, int k0, int k1,
                bool inner) {
  for (int k = k0; k < k1; ++k) {
    interruption_point();  // each RG step (TRG / HOTRG run through run_chain)
    if (!inner) {
      s = step(s, params, k);
      continue;
    }
    const std::size_t ns = s.size();
    s = checkpoint(
        [step, ns, k](const std::vector<Tensor>& in) {
          State st(in.begin(), in.begin() + ns);
          std::vector<Tensor> pr(in.begin() + ns, in.end());
          return step(st, pr, k);
        },
        join(s, params));
    if (s.size() != ns)
      throw_error("run_chain: step ", k, " returned ", s.size(), " tensors for a state of ", ns);
  }
  return s;
}

}  // namespace

std::vector<Tensor> run_chain(const ChainStep& step, const std::vector<Tensor>& state,
                              const std::vector<Tensor>& params, int n_steps,
                              const ChainOptions& options) {
  if (n_steps < 0) throw_error("run_chain: n_steps = ", n_steps, " < 0");
  if (state.empty()) throw_error("run_chain: empty state");
  switch (options.checkpoint) {
    case ChainCheckpoint::none: return run_steps(step, state, params, 0, n_steps, false);
    case ChainCheckpoint::every_step: return run_steps(step, state, params, 0, n_steps, true);
    case ChainCheckpoint::sqrt: break;
  }
  int seg = options.segment > 0 ? options.segment
                                : static_cast<int>(std::ceil(std::sqrt(double(n_steps))));
  seg = std::max(seg, 1);
  State s = state;
  const std::size_t ns = s.size();
  for (int k0 = 0; k0 < n_steps; k0 += seg) {
    const int k1 = std::min(n_steps, k0 + seg);
    s = checkpoint(
        [step, ns, k0, k1](const std::vector<Tensor>& in) {
          State st(in.begin(), in.begin() + ns);
          std::vector<Tensor> pr(in.begin() + ns, in.end());
          return run_steps(step, st, pr, k0, k1, true);
        },
        join(s, params));
  }
  return s;
}

}  // namespace tnad
