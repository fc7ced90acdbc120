// The RG loop shared by TRG and HOTRG (rg.hpp): per-step normalization accumulated into
// ln Z / N, the step chain with optional checkpointing, the per-step records.
#include <cmath>
#include <memory>
#include <string>

#include "rg/rg_internal.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/forward.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

void check_rg_options(const RgOptions& o, const char* who) {
  const TruncationOptions& t = o.truncation;
  if (t.max_rank < 1) throw_error(who, ": chi (truncation.max_rank) must be >= 1, got ", t.max_rank);
  check_truncation(t, who);
  if (o.steps < 0 || o.steps > 1000) throw_error(who, ": steps must be in [0, 1000], got ", o.steps);
  if (t.oversampling < 0) throw_error(who, ": oversampling must be >= 0, got ", t.oversampling);
  if (t.power_iterations < 0) throw_error(who, ": power_iterations must be >= 0, got ", t.power_iterations);
  if (!(t.degeneracy.eps >= 0.0)) throw_error(who, ": degeneracy eps must be >= 0, got ", t.degeneracy.eps);
  if (t.method == SvdMethod::randomized && t.adjoint == SvdAdjoint::full_spectrum)
    throw_error(who, ": adjoint full_spectrum (option A) needs the full SVD method");
  if (o.segment < 0) throw_error(who, ": segment must be >= 0, got ", o.segment);
}

namespace {
// einsum subscripts of the torus trace T_ijij for T stored in `layout` (run_rg): u and d
// carry i, l and r carry j.
std::string torus_trace_spec(const std::vector<int64_t>& layout) {
  std::string spec = "ijij->";
  if (!layout.empty())
    for (std::size_t i = 0; i < 4; ++i) spec[i] = layout[i] % 2 == 0 ? 'i' : 'j';
  return spec;
}
}  // namespace

Tensor torus_trace(const Tensor& T) {
  if (T.ndim() != 4 || T.size(0) != T.size(2) || T.size(1) != T.size(3))
    throw_error("torus_trace: need T_uldr with dim u = dim d and dim l = dim r, got shape ", T.shape());
  return einsum(torus_trace_spec({}), {T}, rg_detail::fixed_path());
}

namespace rg_detail {

RgResult run_rg(const Tensor& T0_uldr, const std::vector<Tensor>& tangents_uldr, const RgOptions& o,
                const StepFn& step, const char* who, const std::vector<int64_t>& layout) {
  check_rg_options(o, who);
  if (T0_uldr.ndim() != 4 || T0_uldr.size(0) != T0_uldr.size(2) || T0_uldr.size(1) != T0_uldr.size(3))
    throw_error(who, ": need a site tensor T_uldr with dim u = dim d and dim l = dim r, got shape ",
                T0_uldr.defined() ? T0_uldr.shape() : Shape{});
  if (!nd::all_finite(T0_uldr.value())) throw_error(who, ": the site tensor has NaN or Inf entries");
  for (const Tensor& t : tangents_uldr)
    if (!t.defined() || !(t.shape() == T0_uldr.shape()))
      throw_error(who, ": a tangent must have the shape of T ", T0_uldr.shape(), ", got ",
                  t.defined() ? t.shape() : Shape{});
  const std::size_t m = tangents_uldr.size();
  auto stored = [&layout](const Tensor& t) { return layout.empty() ? t : permute(t, layout); };
  const Tensor T0 = stored(T0_uldr);
  std::vector<Tensor> tangents;
  for (const Tensor& t : tangents_uldr) tangents.push_back(stored(t));
  const std::string trace = torus_trace_spec(layout);

  // Side records written by index: the checkpointed backward re-runs a step and writes the
  // same values again (the step is deterministic), so the records stay those of the forward.
  auto dw = std::make_shared<std::vector<double>>(std::size_t(o.steps), 0.0);
  auto dims = std::make_shared<std::vector<int64_t>>(std::size_t(o.steps), 0);
  RgOptions opt = o;
  if (o.checkpoint != ChainCheckpoint::none && o.truncation.method == SvdMethod::randomized && !opt.truncation.cache)
    opt.truncation.cache = std::make_shared<SvdCache>(2 * std::size_t(o.steps) + 2);
  const std::string name = who;
  // One level: normalize by c = |T|_F, coarse-grain; returns {T', ln c}.
  auto level = [step, opt, dw, dims, name](const Tensor& T, int k) {
    const Tensor c = norm(T);
    if (!(c.item() > 0.0) || !std::isfinite(c.item()))
      throw_error(name, ": step ", k, ": |T| = ", c.item(), " (the network vanished or overflowed)");
    StepOut out = step(T, c, opt);
    (*dw)[std::size_t(k)] = out.discarded_weight;
    (*dims)[std::size_t(k)] = std::max(out.T.size(0), out.T.size(1));
    if (opt.truncation.max_rank > 0 && (*dims)[std::size_t(k)] > 2 * opt.truncation.max_rank)
      throw_error(name, ": step ", k, ": keep_multiplets kept a bond of dimension ", (*dims)[std::size_t(k)],
                  ", more than twice chi = ", opt.truncation.max_rank, " (the leading values are one multiplet within ",
                  "multiplet_tol = ", opt.truncation.multiplet_tol, "); raise chi or lower multiplet_tol");
    return std::vector<Tensor>{out.T, log(c)};
  };
  // State: {T, acc, T_dot_1..m, acc_dot_1..m}; ln c_k enters ln Z / N with weight 1/2^k
  // (N / 2^k tensors at level k).
  ChainStep chain_step = [level, name, m](const std::vector<Tensor>& s, const std::vector<Tensor>&, int k) {
    NameScope scope(name + " step " + std::to_string(k));
    const double w = std::ldexp(1.0, -k);
    if (m == 0) {
      std::vector<Tensor> y = level(s[0], k);
      return std::vector<Tensor>{y[0], s[1] + y[1] * w};
    }
    std::vector<std::vector<Tensor>> v;
    for (std::size_t j = 0; j < m; ++j) v.push_back({s[2 + j]});
    JvpResult r = jvp([&](const std::vector<Tensor>& x) { return level(x[0], k); }, {s[0]}, v);
    std::vector<Tensor> next = {r.outputs[0], s[1] + r.outputs[1] * w};
    for (std::size_t j = 0; j < m; ++j) next.push_back(r.tangents[j][0]);
    for (std::size_t j = 0; j < m; ++j) next.push_back(s[2 + m + j] + r.tangents[j][1] * w);
    return next;
  };
  ChainOptions co;
  co.checkpoint = o.checkpoint;
  co.segment = o.segment;
  if (o.checkpoint == ChainCheckpoint::every_step) {
    // Per-step checkpoints that also bound the memory of second derivatives (above).
    co.checkpoint = ChainCheckpoint::none;
    // Without tangents the step's state output is the plaquette contraction itself (TRG),
    // whose value the re-runs never read.
    CheckpointOptions cpo;
    cpo.checkpoint_backward = true;
    cpo.values_unused_on_rerun = m == 0;
    chain_step = [inner = chain_step, cpo](const std::vector<Tensor>& s, const std::vector<Tensor>& p, int k) {
      return checkpoint([inner, p, k](const std::vector<Tensor>& x) { return inner(x, p, k); }, s, cpo);
    };
  }
  std::vector<Tensor> s0 = {T0, scalar(0.0)};
  for (const Tensor& t : tangents) s0.push_back(t);
  for (std::size_t j = 0; j < m; ++j) s0.push_back(scalar(0.0));
  std::vector<Tensor> s = run_chain(chain_step, s0, {}, o.steps, co);

  // ln Z / N += [ln c_n + ln tr(T_n / c_n)] / 2^n
  const double w = std::ldexp(1.0, -o.steps);
  auto last = [name, w, trace](const std::vector<Tensor>& x) {
    const Tensor cn = norm(x[0]);
    const Tensor tr = einsum(trace, {x[0] / cn}, rg_detail::fixed_path());
    if (!(tr.item() > 0.0))
      throw_error(name, ": the final trace is ", tr.item(), " (not a positive partition function; ",
                  "chi or steps too small for this tensor?)");
    return std::vector<Tensor>{(log(cn) + log(tr)) * w};
  };
  RgResult r;
  if (m == 0) {
    r.ln_z = s[1] + last({s[0]})[0];
  } else {
    std::vector<std::vector<Tensor>> v;
    for (std::size_t j = 0; j < m; ++j) v.push_back({s[2 + j]});
    JvpResult f = jvp(last, {s[0]}, v);
    r.ln_z = s[1] + f.outputs[0];
    for (std::size_t j = 0; j < m; ++j) r.ln_z_dot.push_back(s[2 + m + j] + f.tangents[j][0]);
  }
  r.discarded_weight = *dw;
  r.bond_dim = *dims;
  return r;
}

}  // namespace rg_detail
}  // namespace tnad
