// iPEPS site tensors (peps.hpp).
#include "tnad/tensornet/peps.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/einsum.hpp"

namespace tnad {

namespace {

// The 8 elements of C4v as permutations of the cyclically ordered legs (u, l, d, r):
// rotations i -> i + k and reflections i -> k - i (mod 4).
std::array<std::array<int64_t, 4>, 8> c4v_leg_permutations() {
  std::array<std::array<int64_t, 4>, 8> g{};
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 4; ++i) {
      g[std::size_t(k)][std::size_t(i)] = (i + k) % 4;
      g[std::size_t(4 + k)][std::size_t(i)] = (k - i + 4) % 4;
    }
  return g;
}

// Axis permutation of A applying leg permutation g to its virtual legs (offset 1 when A
// has a physical leg in front).
std::vector<int64_t> axes_of(const std::array<int64_t, 4>& g, int64_t offset) {
  std::vector<int64_t> p;
  for (int64_t i = 0; i < offset; ++i) p.push_back(i);
  for (int64_t i = 0; i < 4; ++i) p.push_back(offset + g[std::size_t(i)]);
  return p;
}

int64_t virtual_offset(const Tensor& A, const char* who) {
  if (!A.defined()) throw_error(who, ": undefined tensor");
  const int64_t off = A.ndim() == 5 ? 1 : A.ndim() == 4 ? 0 : -1;
  if (off < 0 || A.size(off) != A.size(off + 1) || A.size(off) != A.size(off + 2) || A.size(off) != A.size(off + 3))
    throw_error(who, ": need a site tensor A (d, D, D, D, D) or a 4-leg tensor (D, D, D, D), got shape ", A.shape());
  return off;
}

void check_site_tensor(const Tensor& A, const char* who) {
  if (!A.defined() || A.ndim() != 5 || A.size(1) != A.size(2) || A.size(1) != A.size(3) || A.size(1) != A.size(4))
    throw_error(who, ": need a site tensor A with legs (p, u, l, d, r), shape (d, D, D, D, D), got shape ",
                A.defined() ? A.shape() : Shape{});
}

}  // namespace

Tensor c4v_symmetrize(const Tensor& A) {
  const int64_t off = virtual_offset(A, "c4v_symmetrize");
  Tensor s;
  for (const auto& g : c4v_leg_permutations()) {
    const Tensor t = permute(A, axes_of(g, off));
    s = s.defined() ? s + t : t;
  }
  return s * 0.125;
}

double ctm_detail::relative_asymmetry(const NDArray& x, const std::vector<int64_t>& perm) {
  const double scale = nd::max_abs(x);
  return scale == 0.0 ? 0.0 : nd::max_abs(nd::sub(nd::permute(x, perm), x)) / scale;
}

double c4v_asymmetry(const Tensor& A) {
  const int64_t off = virtual_offset(A, "c4v_asymmetry");
  double worst = 0.0;
  for (const auto& g : c4v_leg_permutations())
    worst = std::max(worst, ctm_detail::relative_asymmetry(A.value(), axes_of(g, off)));
  return worst;
}

Tensor double_layer(const Tensor& A) {
  check_site_tensor(A, "double_layer");
  const int64_t D = A.size(1);
  const Tensor a = einsum("puldr,pULDR->uUlLdDrR", {A, A}, ctm_detail::fixed_path());
  return reshape(a, Shape{D * D, D * D, D * D, D * D});
}

Tensor double_layer_open(const Tensor& A) {
  check_site_tensor(A, "double_layer_open");
  const int64_t d = A.size(0), D = A.size(1);
  const Tensor a = einsum("puldr,qULDR->pquUlLdDrR", {A, A}, ctm_detail::fixed_path());
  return reshape(a, Shape{d, d, D * D, D * D, D * D, D * D});
}

}  // namespace tnad
