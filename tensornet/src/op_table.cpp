#include "tnad/tensornet/op_table.hpp"

#include <algorithm>
#include <cmath>

#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/linalg/svd.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/hotrg.hpp"
#include "tnad/tensornet/ncon.hpp"
#include "tnad/tensornet/trg.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

namespace tnad {

namespace {

using Shapes = std::vector<std::vector<Shape>>;

OpInfo einsum_row(const std::string& spec, Shapes cases) {
  OpInfo r;
  r.name = "einsum " + spec;
  r.fn = [spec](const std::vector<Tensor>& x) { return einsum(spec, x); };
  r.cases = std::move(cases);
  return r;
}

OpInfo ncon_row(const std::string& name, std::vector<std::vector<int>> labels, Shapes cases) {
  OpInfo r;
  r.name = "ncon " + name;
  r.fn = [labels](const std::vector<Tensor>& x) { return ncon(x, labels); };
  r.cases = std::move(cases);
  return r;
}

// ---- RG steps: one trg_step / hotrg_step per row, so that a wrong derivative of the
// chain is located to a step. Inputs are site tensors T_uldr (dims 2-3, chi = 4) whose
// spectra have no small gap (checked by the sampler, which redraws otherwise): a tiny gap
// makes the exact derivative ~1/gap and a finite difference meaningless, and a cut or a
// HOTRG side choice close to a tie would flip under the finite-difference steps.

// Descending values have every gap (and the smallest value) >= min_gap * max.
bool well_separated(std::vector<double> v, double min_gap) {
  std::sort(v.begin(), v.end(), [](double a, double b) { return a > b; });
  for (std::size_t i = 0; i + 1 < v.size(); ++i)
    if (v[i] - v[i + 1] < min_gap * v[0]) return false;
  return v.back() >= min_gap * v[0];
}

std::vector<double> singular_values_of(const Tensor& M) { return svdvals(M).value().to_vector(); }

// Symmetric-ish: the mirror image u <-> d of a Gaussian plus a smaller asymmetric part.
NDArray rg_candidate(const Shape& s, uint64_t seed) {
  const NDArray g = NDArray::randn(s, seed), h = NDArray::randn(s, seed + 1);
  return nd::axpby(1.0, nd::axpby(0.5, g, 0.5, nd::permute(g, {2, 1, 0, 3})), 0.3, h);
}

// Both TRG matrices, (u l) x (d r) and (l d) x (r u), well separated.
bool trg_ok(const NDArray& t) {
  const int64_t Du = t.size(0), Dl = t.size(1);
  const Tensor T(t);
  return well_separated(singular_values_of(reshape(T, Shape{Du * Dl, Du * Dl})), 0.02) &&
         well_separated(singular_values_of(reshape(permute(T, {1, 2, 3, 0}), Shape{Du * Dl, Du * Dl})), 0.02);
}

// HOTRG's two Gram matrices (hotrg.cpp) well separated, and when they truncate, their
// discarded weights (which pick the side) 10% apart.
bool hotrg_ok(const NDArray& t, int64_t chi) {
  const Tensor T(t);
  const int64_t Dl = t.size(1), n = Dl * Dl;
  auto gram = [&](const char* p, const char* q) {
    const Tensor P = einsum(p, {T, T}), Q = einsum(q, {T, T});
    return einsum("ambn,cmen->acbe", {P, Q});
  };
  double discarded[2];
  int side = 0;
  for (const Tensor& G : {gram("uamr,ubnr->ambn", "mcds,neds->cmen"), gram("ulma,ulnb->ambn", "msdc,nsde->cmen")}) {
    std::vector<double> w = eigvalsh(reshape(G, Shape{n, n})).value().to_vector();  // ascending
    if (!well_separated(w, 1e-3)) return false;
    double total = 0, lost = 0;
    for (int64_t i = 0; i < n; ++i) {
      total += w[std::size_t(i)];
      if (i < n - chi) lost += w[std::size_t(i)];
    }
    discarded[side++] = lost / total;
  }
  return n <= chi || std::abs(discarded[0] - discarded[1]) > 0.1 * std::max(discarded[0], discarded[1]);
}

OpInfo rg_row(std::string name, std::function<Tensor(const Tensor&)> step, std::function<bool(const NDArray&)> ok,
              std::vector<std::vector<Shape>> cases) {
  OpInfo r;
  r.name = std::move(name);
  // A gauge-invariant readout of T'_uldr: the gauge of a step acts on the new legs as
  // T' -> T' (O_u, O_l, O_u, O_l) (the same orthogonal O on both ends of a bond), so every
  // closed network with u paired to d and l to r is invariant: tr M^p and tr N^p with
  // M_ud = sum_j T'_ujdj, N_lr = sum_i T'_ilir, |T'|^2 and the 2 x 2 torus.
  r.fn = [step](const std::vector<Tensor>& x) {
    const Tensor Tn = step(x[0]);
    const Tensor M = einsum("ujdj->ud", {Tn}), N = einsum("ilir->lr", {Tn});
    const Tensor M2 = matmul(M, M), N2 = matmul(N, N);
    std::vector<Tensor> parts = {einsum("ii->", {M}), einsum("ii->", {M2}), einsum("ij,ji->", {M2, M}),
                                 einsum("ii->", {N}), einsum("ii->", {N2}), einsum("ij,ji->", {N2, N}),
                                 vdot(Tn, Tn), einsum("aibj,cjdi,bkal,dlck->", {Tn, Tn, Tn, Tn})};
    for (Tensor& p : parts) p = reshape(p, Shape{1});
    return concatenate(parts, 0);
  };
  r.cases = std::move(cases);
  r.sample = [ok, name = r.name](const std::vector<Shape>& shapes, uint64_t seed) {
    for (uint64_t t = 0; t < 1000; ++t) {
      NDArray c = rg_candidate(shapes[0], 7919 * seed + 2 * t);
      if (ok(c)) return std::vector<NDArray>{c};
    }
    throw_error("tensornet_op_table: ", name, ": no input of shape ", shapes[0], " with well-separated spectra in 1000 draws");
    return std::vector<NDArray>{};
  };
  // Central differences at eps = 1e-6 on O(1) values reach ~1e-9; the tolerances leave
  // a margin without hiding a wrong term (those are O(1) off).
  r.tolerances.eps = 1e-6;
  r.tolerances.rtol = 1e-6;
  r.tolerances.atol = 1e-7;
  return r;
}

RgOptions rg_options(SvdAdjoint adjoint) {
  RgOptions o;
  o.truncation.max_rank = 4;
  o.truncation.adjoint = adjoint;
  return o;
}

// ---- CTMRG steps (ctmrg.hpp). The new environment is defined up to a gauge of its
// renormalized bonds (eigenvector / singular vector signs, rotations in multiplets), so the
// rows read out gauge-invariant numbers: the environment closed around fixed 4-leg tensors
// W1, W2 (one site, a pair) and tr C^4. Inputs positive with a random part, so the spectra
// are generic (no multiplet at the cut under the finite-difference steps).
std::vector<NDArray> ctm_inputs(const std::vector<Shape>& shapes, uint64_t seed) {
  std::vector<NDArray> v;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    v.push_back(NDArray::rand(shapes[i], seed + 31 * i, 0.2, 1.0));
  return v;
}
Tensor readout(const CtmEnv& e) {
  const Tensor W1 = rand({2, 2, 2, 2}, 91, -1.0, 1.0), W2 = rand({2, 2, 2, 2}, 92, -1.0, 1.0);
  const Tensor C4 = matmul(matmul(e.C_tl, e.C_tl, true, false), matmul(e.C_tl, e.C_tl, true, false));
  return stack({network_value_1x1(e, W1), network_value_2x1(e, W1, W2), network_value_1x2(e, W2, W1), trace(C4)});
}

OpInfo c4v_step_row() {
  OpInfo r;
  r.name = "ctmrg_c4v_step";
  // x = (B, C, T): a = c4v_symmetrize(B) (D^2 = 2), the corner and edge symmetrized, chi 2 -> 2
  // (the enlarged corner is 4 x 4, two of its eigenpairs kept).
  r.fn = [](const std::vector<Tensor>& x) {
    CtmrgOptions o;
    o.chi = 2;
    const C4vEnv e{(x[1] + transpose(x[1])) * 0.5, (x[2] + permute(x[2], {2, 1, 0})) * 0.5};
    return readout(to_ctm_env(ctmrg_c4v_step(e, c4v_symmetrize(x[0]), o)));
  };
  r.cases = {{{2, 2, 2, 2}, {2, 2}, {2, 2, 2}}};
  r.sample = ctm_inputs;
  return r;
}

OpInfo move_left_row(CtmrgProjectors p) {
  OpInfo r;
  r.name = std::string("ctmrg_move_left ") + (p == CtmrgProjectors::half_system ? "half_system" : "full_system");
  // x = (a, C_tl, C_tr, C_br, C_bl, T_t, T_r, T_b, T_l), no symmetry, chi 2 -> 2.
  r.fn = [p](const std::vector<Tensor>& x) {
    CtmrgOptions o;
    o.chi = 2;
    o.projectors = p;
    const CtmEnv e{x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8]};
    return readout(ctmrg_move_left(e, x[0], o));
  };
  r.cases = {{{2, 2, 2, 2}, {2, 2}, {2, 2}, {2, 2}, {2, 2}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}}};
  r.sample = ctm_inputs;
  return r;
}

std::vector<OpInfo> build() {
  std::vector<OpInfo> t;
  // one operand: permutation, trace, diagonal, partial sums
  t.push_back(einsum_row("ij->ji", {{{3, 4}}}));
  t.push_back(einsum_row("ii->", {{{4, 4}}}));
  t.push_back(einsum_row("ii->i", {{{4, 4}}}));
  t.push_back(einsum_row("iji->j", {{{3, 2, 3}}}));
  t.push_back(einsum_row("ijk->ki", {{{2, 3, 4}}}));
  // two operands: GEMM-shaped, outer, Hadamard, batch, implicit output
  t.push_back(einsum_row("ij,jk->ik", {{{3, 4}, {4, 5}}, {{1, 4}, {4, 1}}}));
  t.push_back(einsum_row("abcd,bcef->adef", {{{2, 3, 2, 2}, {3, 2, 2, 3}}}));
  t.push_back(einsum_row("i,j->ij", {{{3}, {4}}}));
  t.push_back(einsum_row("ij,ij->ij", {{{3, 4}, {3, 4}}}));
  t.push_back(einsum_row("bij,bjk->bik", {{{2, 3, 4}, {2, 4, 3}}}));
  t.push_back(einsum_row("ibj,kbj", {{{3, 2, 4}, {2, 2, 4}}}));
  t.push_back(einsum_row("iij,jk->ik", {{{3, 3, 4}, {4, 2}}}));
  // networks
  t.push_back(einsum_row("abc,cd,db->a", {{{3, 2, 4}, {4, 3}, {3, 2}}}));
  t.push_back(einsum_row("ab,bc,cd,da->", {{{3, 4}, {4, 2}, {2, 5}, {5, 3}}}));
  t.push_back(einsum_row("ab,bc,cd,de,ef->af", {{{2, 3}, {3, 4}, {4, 2}, {2, 3}, {3, 2}}}));
  t.push_back(einsum_row("ab,apc,bqd,pqrs,crx,dsy->xy",
                         {{{3, 3}, {3, 2, 3}, {3, 2, 3}, {2, 2, 2, 2}, {3, 2, 2}, {3, 2, 2}}}));
  t.push_back(einsum_row("ab,ab,ab->a", {{{3, 2}, {3, 2}, {3, 2}}}));  // hyperedge b, batch a
  {
    OpInfo r;  // one tensor used twice: the two partial gradients add up
    r.name = "einsum ij,jk->ik on (A, A)";
    r.fn = [](const std::vector<Tensor>& x) { return einsum("ij,jk->ik", x[0], x[0]); };
    r.cases = {{{3, 3}}};
    t.push_back(r);
  }
  {
    OpInfo r;  // a recorded multi-step plan under a memory cap, greedy order
    r.name = "einsum greedy memory-capped ab,bc,cd,de->ae";
    r.fn = [](const std::vector<Tensor>& x) {
      PathOptions o;
      o.algorithm = PathAlgorithm::greedy;
      o.memory_limit = 12;
      return einsum("ab,bc,cd,de->ae", x, o);
    };
    r.cases = {{{2, 3}, {3, 4}, {4, 3}, {3, 2}}};
    t.push_back(r);
  }
  // ncon: matrix product, partial trace, a ring with open legs
  t.push_back(ncon_row("matmul", {{-1, 1}, {1, -2}}, {{{3, 4}, {4, 2}}}));
  t.push_back(ncon_row("trace", {{1, -1, 1}, {-2, 2, 2}}, {{{3, 2, 3}, {4, 2, 2}}}));
  t.push_back(ncon_row("ring", {{1, 2, -2}, {2, 3, -1}, {3, 1}}, {{{2, 3, 2}, {3, 4, 3}, {4, 2}}}));
  // tensordot
  {
    OpInfo r;
    r.name = "tensordot axes=2";
    r.fn = [](const std::vector<Tensor>& x) { return tensordot(x[0], x[1], 2); };
    r.cases = {{{2, 3, 4}, {3, 4, 2}}};
    t.push_back(r);
    r.name = "tensordot axes=([0,2],[2,0])";
    r.fn = [](const std::vector<Tensor>& x) { return tensordot(x[0], x[1], {0, 2}, {2, 0}); };
    r.cases = {{{2, 3, 4}, {4, 3, 2}}};
    t.push_back(r);
  }
  // RG steps (trg.hpp, hotrg.hpp), chi = 4: truncating (6 x 6 and 9 x 9 matrices, a 9 x 9
  // Gram matrix) and not (4 x 4). trg_step with both truncated-SVD adjoints.
  const std::vector<std::vector<Shape>> trg_cases = {{{2, 3, 2, 3}}, {{3, 3, 3, 3}}, {{2, 2, 2, 2}}};
  for (SvdAdjoint adj : {SvdAdjoint::full_spectrum, SvdAdjoint::sylvester}) {
    const RgOptions o = rg_options(adj);
    t.push_back(rg_row(adj == SvdAdjoint::sylvester ? "trg_step sylvester" : "trg_step",
                       [o](const Tensor& T) { return trg_step(T, o).T; }, trg_ok, trg_cases));
  }
  {
    const RgOptions o = rg_options(SvdAdjoint::automatic);
    t.push_back(rg_row("hotrg_step", [o](const Tensor& T) { return hotrg_step(T, o).T; },
                       [](const NDArray& x) { return hotrg_ok(x, 4); }, {{{2, 3, 2, 3}}, {{3, 2, 3, 2}}}));
  }
  // CTMRG: one C4v step, one directional move with either projector kind
  t.push_back(c4v_step_row());
  t.push_back(move_left_row(CtmrgProjectors::half_system));
  t.push_back(move_left_row(CtmrgProjectors::full_system));
  return t;
}

}  // namespace

const std::vector<OpInfo>& tensornet_op_table() {
  static const std::vector<OpInfo> table = build();
  return table;
}

}  // namespace tnad
