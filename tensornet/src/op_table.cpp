#include "tnad/tensornet/op_table.hpp"

#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/ncon.hpp"
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
