#include "tnad/tensornet/op_table.hpp"

#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/ncon.hpp"

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
  return t;
}

}  // namespace

const std::vector<OpInfo>& tensornet_op_table() {
  static const std::vector<OpInfo> table = build();
  return table;
}

}  // namespace tnad
