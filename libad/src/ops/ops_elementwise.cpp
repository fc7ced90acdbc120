// Elementwise ops: forward kernel and VJP side by side. Binary ops broadcast; their
// gradients are summed back to each input's shape (unbroadcast = sum_to).
#include <array>
#include <cmath>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {
// Gradient of a broadcast operand: sum over the broadcast axes.
Tensor unbroadcast(const Tensor& g, const Shape& shape) {
  return g.shape() == shape ? g : sum_to(g, shape);
}
// unbroadcast(g * x, shape) where g and x have the output's shape; a scalar operand's
// gradient is then one fused dot product, with no full-size temporary.
Tensor unbroadcast_product(const Tensor& g, const Tensor& x, const Shape& shape) {
  if (g.shape() == x.shape() && !(g.shape() == shape) && numel(shape) == 1) return reshape(vdot(g, x), shape);
  return unbroadcast(g * x, shape);
}
// A constant (non-differentiable) tensor, e.g. a mask or sign(x): its own derivative is 0.
Tensor constant(NDArray v) { return Tensor(std::move(v)); }
}  // namespace

// ---------------------------------------------------------------- binary
Tensor add(const Tensor& a, const Tensor& b) {
  return record("add", {a, b}, nd::add(a.value(), b.value()), save::none, [](OpContext& c, const Tensor& g) {
    return grads(c.needs_grad(0) ? unbroadcast(g, c.input_shape(0)) : Tensor(),
                 c.needs_grad(1) ? unbroadcast(g, c.input_shape(1)) : Tensor());
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return record("sub", {a, b}, nd::sub(a.value(), b.value()), save::none, [](OpContext& c, const Tensor& g) {
    return grads(c.needs_grad(0) ? unbroadcast(g, c.input_shape(0)) : Tensor(),
                 c.needs_grad(1) ? unbroadcast(-g, c.input_shape(1)) : Tensor());
  });
}

// d(ab) = b da + a db
Tensor mul(const Tensor& a, const Tensor& b) {
  return record("mul", {a, b}, nd::mul(a.value(), b.value()), save::in(0) | save::in(1),
                [](OpContext& c, const Tensor& g) {
                  return grads(c.needs_grad(0) ? unbroadcast_product(g, c.input(1), c.input_shape(0)) : Tensor(),
                               c.needs_grad(1) ? unbroadcast_product(g, c.input(0), c.input_shape(1)) : Tensor());
                });
}

// d(a/b) = da / b - a db / b^2. The b-gradient reduces g a to b's shape first, so a
// broadcast divisor (T / |T|) costs one pass over g, not three.
Tensor div(const Tensor& a, const Tensor& b) {
  return record("div", {a, b}, nd::div(a.value(), b.value()), save::in(0) | save::in(1),
                [](OpContext& c, const Tensor& g) {
                  Tensor b = c.input(1);
                  Tensor gb = c.needs_grad(1) ? -(unbroadcast_product(g, c.input(0), c.input_shape(1)) / (b * b)) : Tensor();
                  return grads(c.needs_grad(0) ? unbroadcast(g / b, c.input_shape(0)) : Tensor(), gb);
                });
}

// d(a^b) = b a^(b-1) da + a^b ln(a) db   (the db part needs a > 0)
Tensor pow(const Tensor& a, const Tensor& b) {
  return record("pow", {a, b}, nd::pow(a.value(), b.value()), save::in(0) | save::in(1) | save::out(0),
                [](OpContext& c, const Tensor& g) {
                  Tensor x = c.input(0), y = c.input(1);
                  Tensor gx = c.needs_grad(0) ? unbroadcast(g * y * pow(x, y - 1.0), c.input_shape(0)) : Tensor();
                  Tensor gy = c.needs_grad(1) ? unbroadcast(g * c.output(0) * log(x), c.input_shape(1)) : Tensor();
                  return grads(gx, gy);
                });
}

// Ties split the gradient evenly between the two operands (as torch does).
Tensor maximum(const Tensor& a, const Tensor& b) {
  return record("maximum", {a, b}, nd::maximum(a.value(), b.value()), save::in(0) | save::in(1),
                [](OpContext& c, const Tensor& g) {
                  const NDArray &x = c.input(0).value(), &y = c.input(1).value();
                  Tensor wa = constant(nd::add(nd::greater(x, y), nd::mul(nd::equal(x, y), 0.5)));
                  return grads(c.needs_grad(0) ? unbroadcast(g * wa, c.input_shape(0)) : Tensor(),
                               c.needs_grad(1) ? unbroadcast(g * (1.0 - wa), c.input_shape(1)) : Tensor());
                });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  return record("minimum", {a, b}, nd::minimum(a.value(), b.value()), save::in(0) | save::in(1),
                [](OpContext& c, const Tensor& g) {
                  const NDArray &x = c.input(0).value(), &y = c.input(1).value();
                  Tensor wa = constant(nd::add(nd::less(x, y), nd::mul(nd::equal(x, y), 0.5)));
                  return grads(c.needs_grad(0) ? unbroadcast(g * wa, c.input_shape(0)) : Tensor(),
                               c.needs_grad(1) ? unbroadcast(g * (1.0 - wa), c.input_shape(1)) : Tensor());
                });
}

// where(m, a, b) = m a + (1 - m) b with m a constant 0/1 mask.
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b) {
  if (mask.requires_grad()) throw_error("where: the mask must not require grad");
  return record("where", {a, b, mask}, nd::where(mask.value(), a.value(), b.value()), save::in(2),
                [](OpContext& c, const Tensor& g) {
                  Tensor m = constant(nd::where(c.input(2).value(), NDArray::scalar(1.0), NDArray::scalar(0.0)));
                  return grads(c.needs_grad(0) ? unbroadcast(g * m, c.input_shape(0)) : Tensor(),
                               c.needs_grad(1) ? unbroadcast(g * (1.0 - m), c.input_shape(1)) : Tensor(), Tensor());
                });
}

// sign(x): the derivative is 0 wherever it exists; the VJP returns that zero explicitly.
Tensor sign(const Tensor& x) {
  return record("sign", {x}, nd::sign(x.value()), save::none,
                [](OpContext& c, const Tensor&) { return grads(zeros(c.input_shape(0))); });
}

// ---------------------------------------------------------------- comparisons (constants)
Tensor greater(const Tensor& a, const Tensor& b) { return constant(nd::greater(a.value(), b.value())); }
Tensor greater_equal(const Tensor& a, const Tensor& b) { return constant(nd::greater_equal(a.value(), b.value())); }
Tensor less(const Tensor& a, const Tensor& b) { return constant(nd::less(a.value(), b.value())); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return constant(nd::less_equal(a.value(), b.value())); }
Tensor equal(const Tensor& a, const Tensor& b) { return constant(nd::equal(a.value(), b.value())); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return constant(nd::not_equal(a.value(), b.value())); }
Tensor greater(const Tensor& a, double s) { return constant(nd::greater(a.value(), NDArray::scalar(s))); }
Tensor greater_equal(const Tensor& a, double s) { return constant(nd::greater_equal(a.value(), NDArray::scalar(s))); }
Tensor less(const Tensor& a, double s) { return constant(nd::less(a.value(), NDArray::scalar(s))); }
Tensor less_equal(const Tensor& a, double s) { return constant(nd::less_equal(a.value(), NDArray::scalar(s))); }
Tensor equal(const Tensor& a, double s) { return constant(nd::equal(a.value(), NDArray::scalar(s))); }
Tensor not_equal(const Tensor& a, double s) { return constant(nd::not_equal(a.value(), NDArray::scalar(s))); }

// ---------------------------------------------------------------- with a scalar
Tensor add(const Tensor& a, double s) {
  return record("add_scalar", {a}, nd::add(a.value(), s), save::none, [](OpContext&, const Tensor& g) { return grads(g); });
}
Tensor mul(const Tensor& a, double s) {
  return record("mul_scalar", {a}, nd::mul(a.value(), s), save::none,
                [s](OpContext&, const Tensor& g) { return grads(g * s); });
}
Tensor rsub(double s, const Tensor& a) {
  return record("rsub_scalar", {a}, nd::rsub(s, a.value()), save::none, [](OpContext&, const Tensor& g) { return grads(-g); });
}
// d(s/a) = -s/a^2 da = -(s/a)/a da
Tensor rdiv(double s, const Tensor& a) {
  return record("rdiv_scalar", {a}, nd::rdiv(s, a.value()), save::in(0) | save::out(0),
                [](OpContext& c, const Tensor& g) { return grads(-g * c.output(0) / c.input(0)); });
}
Tensor neg(const Tensor& a) {
  return record("neg", {a}, nd::neg(a.value()), save::none, [](OpContext&, const Tensor& g) { return grads(-g); });
}
// d(x^p) = p x^(p-1) dx
Tensor pow(const Tensor& a, double p) {
  return record("pow_scalar", {a}, nd::pow(a.value(), p), save::in(0), [p](OpContext& c, const Tensor& g) {
    if (p == 1.0) return grads(g);
    if (p == 2.0) return grads(g * c.input(0) * 2.0);
    return grads(g * p * pow(c.input(0), p - 1.0));
  });
}
Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw_error("clamp: lo = ", lo, " > hi = ", hi);
  return record("clamp", {x}, nd::clamp(x.value(), lo, hi), save::in(0), [lo, hi](OpContext& c, const Tensor& g) {
    const NDArray& v = c.input(0).value();
    Tensor inside = constant(nd::mul(nd::greater(v, NDArray::scalar(lo)), nd::less(v, NDArray::scalar(hi))));
    return grads(g * inside);
  });
}

// ---------------------------------------------------------------- unary math
Tensor exp(const Tensor& x) {
  return record("exp", {x}, nd::exp(x.value()), save::out(0),
                [](OpContext& c, const Tensor& g) { return grads(g * c.output(0)); });
}
Tensor log(const Tensor& x) {
  return record("log", {x}, nd::log(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g / c.input(0)); });
}
// d sqrt(x) = dx / (2 sqrt(x))
Tensor sqrt(const Tensor& x) {
  return record("sqrt", {x}, nd::sqrt(x.value()), save::out(0),
                [](OpContext& c, const Tensor& g) { return grads(g * 0.5 / c.output(0)); });
}
// d|x| = sign(x) dx (0 at x = 0: the subgradient of least norm)
Tensor abs(const Tensor& x) {
  return record("abs", {x}, nd::abs(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g * constant(nd::sign(c.input(0).value()))); });
}
Tensor sin(const Tensor& x) {
  return record("sin", {x}, nd::sin(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g * cos(c.input(0))); });
}
Tensor cos(const Tensor& x) {
  return record("cos", {x}, nd::cos(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(-g * sin(c.input(0))); });
}
// d tan(x) = (1 + tan^2 x) dx
Tensor tan(const Tensor& x) {
  return record("tan", {x}, nd::tan(x.value()), save::out(0), [](OpContext& c, const Tensor& g) {
    Tensor y = c.output(0);
    return grads(g * (1.0 + y * y));
  });
}
// d asin(x) = dx / sqrt(1 - x^2)   (|x| < 1)
Tensor asin(const Tensor& x) {
  return record("asin", {x}, nd::asin(x.value()), save::in(0), [](OpContext& c, const Tensor& g) {
    Tensor v = c.input(0);
    return grads(g / sqrt(1.0 - v * v));
  });
}
Tensor acos(const Tensor& x) {
  return record("acos", {x}, nd::acos(x.value()), save::in(0), [](OpContext& c, const Tensor& g) {
    Tensor v = c.input(0);
    return grads(-g / sqrt(1.0 - v * v));
  });
}
Tensor atan(const Tensor& x) {
  return record("atan", {x}, nd::atan(x.value()), save::in(0), [](OpContext& c, const Tensor& g) {
    Tensor v = c.input(0);
    return grads(g / (1.0 + v * v));
  });
}
Tensor sinh(const Tensor& x) {
  return record("sinh", {x}, nd::sinh(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g * cosh(c.input(0))); });
}
Tensor cosh(const Tensor& x) {
  return record("cosh", {x}, nd::cosh(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g * sinh(c.input(0))); });
}
// d tanh(x) = (1 - tanh^2 x) dx. A backward that is not recorded forms it in one pass
// (the same bits as the ops, which a recorded one composes to stay differentiable).
Tensor tanh(const Tensor& x) {
  return record("tanh", {x}, nd::tanh(x.value()), save::out(0), [](OpContext& c, const Tensor& g) {
    Tensor y = c.output(0);
    const std::array<Tensor, 2> in{g, y};
    if (!detail::should_record(in) && g.shape() == y.shape()) return grads(Tensor(nd::tanh_backward(g.value(), y.value())));
    return grads(g * (1.0 - y * y));
  });
}
// d sigma(x) = sigma (1 - sigma) dx
Tensor sigmoid(const Tensor& x) {
  return record("sigmoid", {x}, nd::sigmoid(x.value()), save::out(0), [](OpContext& c, const Tensor& g) {
    Tensor y = c.output(0);
    return grads(g * y * (1.0 - y));
  });
}
Tensor relu(const Tensor& x) {
  return record("relu", {x}, nd::relu(x.value()), save::in(0),
                [](OpContext& c, const Tensor& g) { return grads(g * constant(nd::step(c.input(0).value()))); });
}
// d erf(x) = 2/sqrt(pi) exp(-x^2) dx
Tensor erf(const Tensor& x) {
  return record("erf", {x}, nd::erf(x.value()), save::in(0), [](OpContext& c, const Tensor& g) {
    Tensor v = c.input(0);
    return grads(g * (M_2_SQRTPI * exp(-(v * v))));
  });
}
// gelu(x) = x Phi(x);  d gelu = [Phi(x) + x phi(x)] dx,  phi(x) = exp(-x^2/2)/sqrt(2 pi)
Tensor gelu(const Tensor& x) {
  return record("gelu", {x}, nd::gelu(x.value()), save::in(0), [](OpContext& c, const Tensor& g) {
    Tensor v = c.input(0);
    Tensor Phi = 0.5 * (1.0 + erf(v * M_SQRT1_2));
    Tensor phi = exp(-0.5 * (v * v)) * (0.5 * M_2_SQRTPI * M_SQRT1_2);
    return grads(g * (Phi + v * phi));
  });
}

Tensor identity(const Tensor& a) {
  return record("identity", {a}, a.value(), save::none, [](OpContext&, const Tensor& g) { return grads(g); });
}

}  // namespace tnad
