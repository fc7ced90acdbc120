// iPEPS site tensors: the C4v-symmetric parametrization and the double layers that CTMRG
// (ctmrg.hpp) and the reduced density matrices (rdm.hpp) contract.
//
// Conventions. A site tensor A has legs (p, u, l, d, r) = (physical, up, left, down, right),
// shape (d, D, D, D, D), real float64. Its double layer (the norm network <psi|psi> per site)
//   a_{(u u')(l l')(d d')(r r')} = sum_p A_{p u l d r} A_{p u' l' d' r'}
// has legs (u, l, d, r) of dimension D^2, the ket index before the bra index when fused
// (x = k * D + b). A 4-leg tensor with legs (u, l, d, r) is a double layer (or the weight
// tensor of a classical model, e.g. ising_tensor) and is accepted wherever a is.
//
// C4v: the point group of the square (4 rotations, 4 reflections) acts on the virtual legs
// (u, l, d, r) by the 8 dihedral permutations. c4v_symmetrize averages over them, the
// parametrization of Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019) (one real tensor, every
// bond equivalent), for which the C4v CTMRG is valid.
// Trap: A from normally distributed entries, symmetrized, gives CTMRG spectra in exactly
// degenerate pairs (e.g. D = 3: corner eigenvalues +w, -w to 1e-16); start an optimization
// from uniform random entries instead. Degenerate spectra never make NaN (the eigh/SVD
// adjoints regularise them, keep_multiplets keeps pairs whole), but they cost gradient
// accuracy.
//
// Cost: double_layer d D^8 (one GEMM over p and a D^8 permutation), memory D^8.
#pragma once
#include "tnad/ad/tensor.hpp"

namespace tnad {

// (1/8) sum_{g in C4v} g.A, g permuting the virtual legs (u, l, d, r): for A of shape
// (d, D, D, D, D) the legs 1..4, for a 4-leg tensor (D, D, D, D) all legs.
// Differentiable (a sum of permutations).
Tensor c4v_symmetrize(const Tensor& A);

// The largest |g.A - A| over the 8 group elements, relative to max |A| (0 for a zero A): how
// far A is from C4v-symmetric. Not recorded.
double c4v_asymmetry(const Tensor& A);

// (D^2, D^2, D^2, D^2), legs (u, l, d, r), ket index first in each fused leg.
Tensor double_layer(const Tensor& A);

// The double layer with the physical legs left open: (d, d, D^2, D^2, D^2, D^2), legs
// (s, s', u, l, d, r), s of the ket and s' of the bra:
//   a_{s s' (u u') ...} = A_{s u l d r} A_{s' u' l' d' r'};  sum_s a_{s s ...} = double_layer(A).
Tensor double_layer_open(const Tensor& A);

}  // namespace tnad
