// matmul. C = op(A) op(B), op = identity or transpose of the last two axes (dgemm flags).
// VJP (Giles 2008):  dA = g op(B)^T  (or its transpose),  dB = op(A)^T g  (or its transpose),
// expressed again as flagged matmuls, so the backward never copies a transpose either.
// Batch axes broadcast; their gradients are summed back (sum_to).
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  if (a.ndim() < 2 || b.ndim() < 2)
    throw_error("matmul: flagged form needs operands with at least 2 dimensions, got ", a.shape(), " and ", b.shape());
  return record("matmul", {a, b}, nd::matmul(a.value(), b.value(), ta, tb), save::in(0) | save::in(1),
                [ta, tb](OpContext& c, const Tensor& g) {
                  Tensor A = c.input(0), B = c.input(1);
                  Tensor gA, gB;
                  if (c.needs_grad(0)) {
                    // C = op(A) op(B):  d op(A) = g op(B)^T
                    gA = ta ? matmul(B, g, tb, true)    // dA = (g op(B)^T)^T = op(B) g^T
                            : matmul(g, B, false, !tb);  // dA = g op(B)^T
                    if (!(gA.shape() == c.input_shape(0))) gA = sum_to(gA, c.input_shape(0));
                  }
                  if (c.needs_grad(1)) {
                    gB = tb ? matmul(g, A, true, ta)     // dB = (op(A)^T g)^T = g^T op(A)
                            : matmul(A, g, !ta, false);  // dB = op(A)^T g
                    if (!(gB.shape() == c.input_shape(1))) gB = sum_to(gB, c.input_shape(1));
                  }
                  return grads(gA, gB);
                });
}

// numpy semantics: a 1-D left operand is a row vector, a 1-D right operand a column
// vector, and the added axis is removed from the result.
Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.ndim() == 0 || b.ndim() == 0)
    throw_error("matmul: operands must have at least 1 dimension, got ", a.shape(), " and ", b.shape());
  Tensor a2 = a.ndim() == 1 ? reshape(a, Shape{1, a.size(0)}) : a;
  Tensor b2 = b.ndim() == 1 ? reshape(b, Shape{b.size(0), 1}) : b;
  Tensor c = matmul(a2, b2, false, false);
  if (a.ndim() == 1 && b.ndim() == 1) return reshape(c, Shape(c.shape().begin(), c.shape().end() - 2));
  if (a.ndim() == 1) return squeeze(c, -2);
  if (b.ndim() == 1) return squeeze(c, -1);
  return c;
}

}  // namespace tnad
