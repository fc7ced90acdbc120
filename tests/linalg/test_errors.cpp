// Every bad input is a tnad::Error naming the function, the shape and the reason.
#include <gtest/gtest.h>

#include <limits>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

// Runs f, expects a tnad::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a tnad::Error: " << e.what();
    return;
  }
  ADD_FAILURE() << "no error thrown";
}

TEST(LinalgErrors, NonSquare) {
  const Tensor a(NDArray::randn(Shape{3, 4}, 1));
  expect_error([&] { eigh(a); }, {"eigh", "[3, 4]", "not square"});
  expect_error([&] { eigvalsh(a); }, {"eigvalsh", "[3, 4]", "not square"});
  expect_error([&] { eigh_truncated(a, {.max_rank = 1}); }, {"eigh_truncated", "[3, 4]", "not square"});
  expect_error([&] { cholesky(a); }, {"cholesky", "[3, 4]", "not square"});
  expect_error([&] { inv(a); }, {"inv", "[3, 4]", "not square"});
  expect_error([&] { det(a); }, {"det", "[3, 4]", "not square"});
  expect_error([&] { slogdet(a); }, {"slogdet", "[3, 4]", "not square"});
  expect_error([&] { solve(a, Tensor(NDArray::randn(Shape{3, 1}, 2))); }, {"solve", "[3, 4]", "not square"});
}

TEST(LinalgErrors, NotAMatrix) {
  const Tensor v(NDArray::randn(Shape{4}, 3));
  expect_error([&] { svd(v); }, {"svd", "[4]", "not a matrix"});
  expect_error([&] { qr(v); }, {"qr", "[4]", "not a matrix"});
  expect_error([&] { lq(v); }, {"lq", "[4]", "not a matrix"});
  expect_error([&] { eigh(Tensor(NDArray::zeros(Shape{0, 0}))); }, {"eigh", "[0, 0]", "empty"});
}

TEST(LinalgErrors, NotPositiveDefinite) {
  Mat a(3, 3);
  a << 2, 0, 0, 0, -1, 0, 0, 0, 1;
  expect_error([&] { cholesky(Tensor(arr(a))); },
               {"cholesky", "[3, 3]", "not positive definite", "dpotrf", "info = 2"});
}

TEST(LinalgErrors, Singular) {
  Mat s(2, 2);
  s << 1, 2, 2, 4;
  const Tensor S(arr(s));
  expect_error([&] { solve(S, Tensor(NDArray::ones(Shape{2}))); }, {"solve", "[2, 2]", "singular", "dgetrf"});
  expect_error([&] { inv(S); }, {"inv", "[2, 2]", "singular"});
  Mat t(2, 2);
  t << 1, 1, 0, 0;
  expect_error([&] { solve_triangular(Tensor(arr(t)), Tensor(NDArray::ones(Shape{2, 1})), {.upper = true}); },
               {"solve_triangular", "[2, 2]", "singular", "diagonal entry 1"});
  // The value of slogdet at a singular matrix is (0, -inf); its gradient is infinite.
  const Tensor X(arr(s), true);
  const auto sl = slogdet(X);
  expect_error([&] { grad(sl.logabsdet, X); }, {"slogdet", "[2, 2]", "singular"});
  // det: first order is the (finite) cofactor matrix; second order there is refused.
  const Tensor g1 = grad(det(X), X, GradOptions{true});
  EXPECT_TRUE(nd::all_finite(g1.value()));
  expect_error([&] { grad(sum(grad(det(X), X, GradOptions{true}) * g1.detach()), X); },
               {"det", "second derivative", "singular"});
}

TEST(LinalgErrors, QrBackwardOfRankDeficientInput) {
  const Tensor X(arr(with_singular_values(4, 3, {1, 1, 0}, 5)), true);
  expect_error([&] { grad(sum(qr(X).Q), X); }, {"qr", "[4, 3]", "rank-deficient"});
  const Tensor Y(arr(with_singular_values(3, 4, {1, 1, 0}, 6)), true);
  expect_error([&] { grad(sum(lq(Y).Q), Y); }, {"lq", "[3, 4]", "rank-deficient"});
  // R alone is not differentiable there either (its rule also needs R^{-T}).
  expect_error([&] { grad(sum(qr(X).R), X); }, {"qr", "rank-deficient"});
}

TEST(LinalgErrors, NonFiniteInput) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    NDArray a = NDArray::randn(Shape{2, 3, 3}, 6);
    a.mutable_data()[10] = bad;
    const Tensor A(a), B(NDArray::randn(Shape{2, 3, 1}, 7));
    TruncationOptions o;
    o.max_rank = 1;
    auto check = [&](const char* name, auto&& f) { expect_error(f, {name, "[2, 3, 3]", "NaN or Inf"}); };
    check("svd", [&] { svd(A); });
    check("svdvals", [&] { svdvals(A); });
    check("svd_truncated", [&] { svd_truncated(A, o); });
    o.method = SvdMethod::randomized;
    check("svd_truncated", [&] { svd_truncated(A, o); });
    check("eigh", [&] { eigh(A); });
    check("eigvalsh", [&] { eigvalsh(A); });
    check("eigh_truncated", [&] { eigh_truncated(A, {.max_rank = 1}); });
    check("qr", [&] { qr(A); });
    check("lq", [&] { lq(A); });
    check("cholesky", [&] { cholesky(A); });
    check("solve", [&] { solve(A, B); });
    check("solve_triangular", [&] { solve_triangular(A, B, {.upper = true}); });
    check("inv", [&] { inv(A); });
    check("det", [&] { det(A); });
    check("slogdet", [&] { slogdet(A); });
    // A non-finite right-hand side.
    expect_error([&] { solve(Tensor(NDArray::eye(3)), Tensor(a.reshape(Shape{2, 3, 3}))); }, {"solve", "NaN or Inf"});
  }
}

TEST(LinalgErrors, BadShapesAndOptions) {
  const Tensor A(NDArray::randn(Shape{4, 4}, 8));
  expect_error([&] { solve(A, Tensor(NDArray::randn(Shape{3, 2}, 9))); }, {"solve", "[4, 4]", "[3, 2]"});
  expect_error([&] { solve(Tensor(NDArray::randn(Shape{2, 4, 4}, 9)), Tensor(NDArray::randn(Shape{3, 4, 1}, 9))); },
               {"solve", "broadcast"});
  expect_error([&] { eigh_truncated(A, {.max_rank = 0}); }, {"eigh_truncated", "max_rank", "got 0"});
  expect_error([&] { eigh_truncated(A, {.abs_cutoff = -1.0}); }, {"eigh_truncated", "abs_cutoff"});
  expect_error([&] { eigh_truncated(A, {.multiplet_tol = NAN}); }, {"eigh_truncated", "multiplet_tol"});
  TruncationOptions o;
  o.max_rank = 0;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "max_rank"});
  o.max_rank = -1;
  o.method = SvdMethod::randomized;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "randomized", "max_rank"});
  o.max_rank = 2;
  o.oversampling = -2;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "oversampling", "-2"});
  o.oversampling = -1;
  o.power_iterations = -1;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "power_iterations"});
  o.power_iterations = 2;
  o.method = SvdMethod::full;
  o.rel_cutoff = 1.5;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "rel_cutoff"});
  o.rel_cutoff = 0.0;
  o.method = SvdMethod::randomized;
  o.adjoint = SvdAdjoint::full_spectrum;
  expect_error([&] { svd_truncated(A, o); }, {"svd_truncated", "full_spectrum", "method full"});
  o.method = SvdMethod::full;
  o.adjoint = SvdAdjoint::automatic;
  DegeneracyOptions d;
  d.eps = -1.0;
  const Tensor X(A.value(), true);
  expect_error([&] { grad(sum(svd(X, {.degeneracy = d}).U), X); }, {"eps"});
}

}  // namespace
