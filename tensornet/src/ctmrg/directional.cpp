// The directional CTMRG (ctmrg.hpp): left moves with projectors from half- or full-system
// enlarged corners, the other moves by rotating the network; single sites and unit cells.
#include <algorithm>
#include <cmath>
#include <utility>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/svd.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"

namespace tnad {

namespace cd = ctm_detail;

namespace {

Tensor contract(const std::string& spec, const std::vector<Tensor>& ops) { return einsum(spec, ops, cd::fixed_path()); }
Tensor normalize(const Tensor& t) { return t / norm(t); }
int64_t wrap(int64_t i, int64_t n) { return ((i % n) + n) % n; }

// A unit cell of 4-leg tensors and their environments, site (x, y) at y * Lx + x.
struct Cell {
  int64_t Lx = 1, Ly = 1;
  std::vector<CtmEnv> env;
  std::vector<Tensor> a;
  int64_t at(int64_t x, int64_t y) const { return wrap(y, Ly) * Lx + wrap(x, Lx); }
};

CtmEnv rotate_env(const CtmEnv& e) {
  CtmEnv r;
  r.C_tl = transpose(e.C_tr);
  r.C_tr = transpose(e.C_br);
  r.C_br = transpose(e.C_bl);
  r.C_bl = transpose(e.C_tl);
  r.T_t = e.T_r;
  r.T_r = permute(e.T_b, {2, 1, 0});
  r.T_b = e.T_l;
  r.T_l = permute(e.T_t, {2, 1, 0});
  return r;
}

// Counterclockwise by 90 degrees: the site at (x, y) moves to (y, -x).
Cell rotate(const Cell& c) {
  Cell r;
  r.Lx = c.Ly;
  r.Ly = c.Lx;
  r.env.resize(c.env.size());
  r.a.resize(c.a.size());
  for (int64_t y = 0; y < c.Ly; ++y)
    for (int64_t x = 0; x < c.Lx; ++x) {
      const int64_t to = r.at(y, -x), from = c.at(x, y);
      r.env[std::size_t(to)] = rotate_env(c.env[std::size_t(from)]);
      r.a[std::size_t(to)] = rotate_ccw_site(c.a[std::size_t(from)]);
    }
  return r;
}

// Enlarged corners as matrices (bond to the horizontal neighbour) x (bond to the vertical one),
// each bond (chi, D^2) with chi outer.
Tensor matrix(const Tensor& q) { return reshape(q, Shape{q.size(0) * q.size(1), q.size(2) * q.size(3)}); }
Tensor corner_tl(const CtmEnv& e, const Tensor& a) {  // (right) x (down)
  return matrix(contract("hv,huX,vlY,uldr->XrYd", {e.C_tl, e.T_t, e.T_l, a}));
}
Tensor corner_tr(const CtmEnv& e, const Tensor& a) {  // (left) x (down)
  return matrix(contract("hv,Xuh,vrY,uldr->XlYd", {e.C_tr, e.T_t, e.T_r, a}));
}
Tensor corner_br(const CtmEnv& e, const Tensor& a) {  // (left) x (up)
  return matrix(contract("hv,Xdh,Yrv,uldr->XlYu", {e.C_br, e.T_b, e.T_r, a}));
}
Tensor corner_bl(const CtmEnv& e, const Tensor& a) {  // (right) x (up)
  return matrix(contract("hv,hdX,Ylv,uldr->XrYu", {e.C_bl, e.T_b, e.T_l, a}));
}

struct Projectors {
  Tensor upper, lower;  // (chi, D^2, k): P1 on the upper side of the cut, P2 on the lower side
};

// The projectors of the cut between rows y and y + 1 at column x (the left move's cut below
// site (x, y)), from the 2x2 block with top-left site (x, y).
Projectors projectors(const Cell& c, int64_t x, int64_t y, const CtmrgOptions& o, double& discarded) {
  const int64_t i1 = c.at(x, y), i4 = c.at(x, y + 1);
  Tensor R1 = corner_tl(c.env[std::size_t(i1)], c.a[std::size_t(i1)]);
  Tensor R2 = corner_bl(c.env[std::size_t(i4)], c.a[std::size_t(i4)]);
  if (o.projectors == CtmrgProjectors::full_system) {
    const int64_t i2 = c.at(x + 1, y), i3 = c.at(x + 1, y + 1);
    R1 = matmul(corner_tr(c.env[std::size_t(i2)], c.a[std::size_t(i2)]), R1, true, false);
    R2 = matmul(corner_br(c.env[std::size_t(i3)], c.a[std::size_t(i3)]), R2, true, false);
  }
  // R1 R2^T = U S V^T; P1 = R2^T V S^{-1/2}, P2 = R1^T U S^{-1/2}. svd_truncated with
  // o.truncated_adjoint (default: the full thin SVD recorded and its kept columns sliced,
  // exact truncated adjoint, svd.hpp option A); the
  // kept rank follows kept_rank (truncation.hpp), whose multiplets are relative to the pair at
  // the cut, as are the adjoint's gap regularisation widths (linalg/options.hpp): the
  // spectrum of R1 R2^T spans twice (half system) or four times (full system) the decades
  // of the corners'.
  TruncationOptions t;
  static_cast<Truncation&>(t) = cd::kept_policy(o);
  t.adjoint = o.truncated_adjoint;
  t.degeneracy = o.degeneracy;
  const TruncatedSVD f = svd_truncated(matmul(R1, R2, false, true), t);
  const int64_t k = f.S.size(0);
  discarded = std::max(discarded, f.discarded_weight.item());
  const Tensor isq = reshape(1.0 / sqrt(f.S), Shape{1, k});
  const Tensor P1 = matmul(R2, transpose(f.Vh) * isq, true, false);
  const Tensor P2 = matmul(R1, f.U * isq, true, false);
  const int64_t Dd = c.a[std::size_t(i1)].size(2);  // the cut: (T_l down, a down)
  return {reshape(P1, Shape{P1.size(0) / Dd, Dd, k}), reshape(P2, Shape{P2.size(0) / Dd, Dd, k})};
}

// Absorbs every column into the left boundary of the next, in order x = 0 .. Lx - 1.
void move_left(Cell& c, const CtmrgOptions& o, double& discarded) {
  for (int64_t x = 0; x < c.Lx; ++x) {
    std::vector<Projectors> P;
    for (int64_t y = 0; y < c.Ly; ++y) P.push_back(projectors(c, x, y, o, discarded));
    std::vector<CtmEnv> next(std::size_t(c.Ly));
    for (int64_t y = 0; y < c.Ly; ++y) {
      const CtmEnv& e = c.env[std::size_t(c.at(x, y))];
      const Tensor& a = c.a[std::size_t(c.at(x, y))];
      const Projectors& above = P[std::size_t(wrap(y - 1, c.Ly))];
      const Projectors& below = P[std::size_t(y)];
      CtmEnv& n = next[std::size_t(y)];
      n.C_tl = normalize(contract("hv,huX,vuk->Xk", {e.C_tl, e.T_t, above.upper}));
      n.T_l = normalize(contract("alb,uldr,auk,bdK->krK", {e.T_l, a, above.lower, below.upper}));
      n.C_bl = normalize(contract("hv,hdX,vdk->Xk", {e.C_bl, e.T_b, below.lower}));
    }
    for (int64_t y = 0; y < c.Ly; ++y) {
      CtmEnv& t = c.env[std::size_t(c.at(x + 1, y))];
      t.C_tl = next[std::size_t(y)].C_tl;
      t.T_l = next[std::size_t(y)].T_l;
      t.C_bl = next[std::size_t(y)].C_bl;
    }
  }
}

// left, top, right, bottom: four times (left move, rotate counterclockwise).
void iteration(Cell& c, const CtmrgOptions& o, double& discarded) {
  for (int m = 0; m < 4; ++m) {
    move_left(c, o, discarded);
    c = rotate(c);
  }
}

// The bond gauge of a cell (ctmrg.hpp, "Gauge"). The renormalized bonds, named by the
// edge whose last leg they are:
//   top(x, y) = T_t(x, y) right = T_t(x+1, y) left = C_tr(x, y) h = C_tl(x+1, y) h,
//   bottom(x, y) likewise with T_b, C_br, C_bl,
//   left(x, y) = T_l(x, y) down = T_l(x, y+1) up = C_bl(x, y) v = C_tl(x, y+1) v,
//   right(x, y) likewise with T_r, C_br, C_tr
// (each is one truncated SVD's basis: the left move's cut below (x - 1, y), P1 on its upper
// side, P2 on its lower side). Each boundary — the top and bottom boundaries of row y, the
// left and right ones of column x — is a periodic chain of edges whose signs come from
// chain_signs; then every tensor gets the overall sign that overlaps its reference
// positively. 1 x 1: every name collapses to one bond per side. Without references of
// matching shapes (chi still growing): the largest entries positive, no overall signs.
std::vector<Tensor> flatten(const std::vector<CtmEnv>& env);

std::vector<CtmEnv> fix_gauge(const std::vector<CtmEnv>& e, const std::vector<CtmEnv>& ref, int64_t Lx, int64_t Ly) {
  const auto at = [&](int64_t x, int64_t y) { return std::size_t(wrap(y, Ly) * Lx + wrap(x, Lx)); };
  bool same = ref.size() == e.size();
  for (std::size_t i = 0; i < e.size() && same; ++i) {
    const std::vector<Tensor> a = flatten({e[i]}), b = flatten({ref[i]});
    for (std::size_t j = 0; j < a.size() && same; ++j) same = b[j].defined() && b[j].shape() == a[j].shape();
  }
  // signs[side][at(x, y)]: side 0 top, 1 right, 2 bottom, 3 left (the edge member T_t, T_r, T_b, T_l)
  std::vector<std::vector<double>> signs[4];
  for (auto& v : signs) v.resize(e.size());
  const auto edge = [](const CtmEnv& c, int side) -> const Tensor& {
    return side == 0 ? c.T_t : side == 1 ? c.T_r : side == 2 ? c.T_b : c.T_l;
  };
  for (int side = 0; side < 4; ++side) {
    const bool horizontal = side == 0 || side == 2;  // chains along x (rows) or along y (columns)
    const int64_t chains = horizontal ? Ly : Lx, length = horizontal ? Lx : Ly;
    for (int64_t c = 0; c < chains; ++c) {
      std::vector<NDArray> T;
      std::vector<const NDArray*> R;
      std::vector<NDArray> keep;  // the references' values (R points into it)
      keep.reserve(std::size_t(length));
      for (int64_t i = 0; i < length; ++i) {
        const std::size_t k = horizontal ? at(i, c) : at(c, i);
        T.push_back(edge(e[k], side).value());
        if (same) keep.push_back(edge(ref[k], side).value());
      }
      for (const NDArray& r : keep) R.push_back(&r);
      const std::vector<std::vector<double>> s = cd::chain_signs(T, R);
      for (int64_t i = 0; i < length; ++i) signs[side][horizontal ? at(i, c) : at(c, i)] = s[std::size_t(i)];
    }
  }
  std::vector<CtmEnv> out(e.size());
  for (int64_t y = 0; y < Ly; ++y)
    for (int64_t x = 0; x < Lx; ++x) {
      const auto& top = signs[0];
      const auto& right = signs[1];
      const auto& bottom = signs[2];
      const auto& left = signs[3];
      const std::size_t i = at(x, y);
      const Tensor* in[8] = {&e[i].C_tl, &e[i].C_tr, &e[i].C_br, &e[i].C_bl, &e[i].T_t, &e[i].T_r, &e[i].T_b, &e[i].T_l};
      const Tensor* rin[8] = {&ref[i].C_tl, &ref[i].C_tr, &ref[i].C_br, &ref[i].C_bl,
                              &ref[i].T_t,  &ref[i].T_r,  &ref[i].T_b,  &ref[i].T_l};
      const std::vector<std::vector<double>> legs[8] = {
          {top[at(x - 1, y)], left[at(x, y - 1)]},  {top[i], right[at(x, y - 1)]},
          {bottom[i], right[i]},                    {bottom[at(x - 1, y)], left[i]},
          {top[at(x - 1, y)], {}, top[i]},          {right[at(x, y - 1)], {}, right[i]},
          {bottom[at(x - 1, y)], {}, bottom[i]},    {left[at(x, y - 1)], {}, left[i]}};
      Tensor fixed[8];
      for (int j = 0; j < 8; ++j) {
        for (std::size_t l = 0; l < legs[j].size(); ++l)
          if (!legs[j][l].empty() && int64_t(legs[j][l].size()) != in[j]->size(int64_t(l)))
            throw_error("ctmrg gauge: site (", x, ", ", y, "): a bond of the environment has dimension ",
                        in[j]->size(int64_t(l)), " on one tensor and ", legs[j][l].size(),
                        " on its neighbour (the cell's environments do not fit together)");
        NDArray r;
        if (same) r = rin[j]->value();
        fixed[j] = cd::apply_signs(*in[j], legs[j], cd::global_sign(*in[j], legs[j], same ? &r : nullptr));
      }
      out[i] = {fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5], fixed[6], fixed[7]};
    }
  return out;
}

// ---- checks and the flat state of the iteration loop
void check_env(const CtmEnv& e, int64_t Dd, const char* who) {
  const Tensor* all[8] = {&e.C_tl, &e.C_tr, &e.C_br, &e.C_bl, &e.T_t, &e.T_r, &e.T_b, &e.T_l};
  for (int i = 0; i < 8; ++i)
    if (!all[i]->defined() || all[i]->ndim() != (i < 4 ? 2 : 3))
      throw_error(who, ": the environment needs 4 corners (chi, chi') and 4 edges (chi, D^2, chi')");
  for (int i = 4; i < 8; ++i)
    if (all[i]->size(1) != Dd)
      throw_error(who, ": an edge's in-leg has dimension ", all[i]->size(1), ", the site's legs ", Dd,
                  " (edge shape ", all[i]->shape(), ")");
  // The bonds inside one site's environment, clockwise from the top-left corner.
  const bool ok = e.C_tl.size(0) == e.T_t.size(0) && e.T_t.size(2) == e.C_tr.size(0) &&
                  e.C_tr.size(1) == e.T_r.size(0) && e.T_r.size(2) == e.C_br.size(1) &&
                  e.C_br.size(0) == e.T_b.size(2) && e.T_b.size(0) == e.C_bl.size(0) &&
                  e.C_bl.size(1) == e.T_l.size(2) && e.T_l.size(0) == e.C_tl.size(1);
  if (!ok)
    throw_error(who, ": the environment's bond dimensions do not match: C_tl ", e.C_tl.shape(), ", T_t ",
                e.T_t.shape(), ", C_tr ", e.C_tr.shape(), ", T_r ", e.T_r.shape(), ", C_br ", e.C_br.shape(),
                ", T_b ", e.T_b.shape(), ", C_bl ", e.C_bl.shape(), ", T_l ", e.T_l.shape());
}

std::vector<Tensor> flatten(const std::vector<CtmEnv>& env) {
  std::vector<Tensor> s;
  for (const CtmEnv& e : env)
    for (const Tensor& t : {e.C_tl, e.C_tr, e.C_br, e.C_bl, e.T_t, e.T_r, e.T_b, e.T_l}) s.push_back(t);
  return s;
}
std::vector<CtmEnv> unflatten(const std::vector<Tensor>& s) {
  std::vector<CtmEnv> env;
  for (std::size_t i = 0; i + 8 <= s.size(); i += 8)
    env.push_back({s[i], s[i + 1], s[i + 2], s[i + 3], s[i + 4], s[i + 5], s[i + 6], s[i + 7]});
  return env;
}
std::vector<Tensor> corners_of(const std::vector<Tensor>& s) {
  std::vector<Tensor> c;
  for (std::size_t i = 0; i + 8 <= s.size(); i += 8) c.insert(c.end(), s.begin() + std::ptrdiff_t(i), s.begin() + std::ptrdiff_t(i + 4));
  return c;
}

std::vector<Tensor> double_layers(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly, const char* who) {
  if (Lx < 1 || Ly < 1 || int64_t(A.size()) != Lx * Ly)
    throw_error(who, ": need Lx * Ly site tensors (Lx, Ly >= 1), got ", A.size(), " for Lx = ", Lx, ", Ly = ", Ly);
  std::vector<Tensor> a;
  for (const Tensor& t : A) a.push_back(cd::as_double_layer(t, who));
  return a;
}

void check_cell(const CtmCellEnv& env, const std::vector<Tensor>& a, const char* who) {
  if (env.Lx < 1 || env.Ly < 1 || int64_t(env.site.size()) != env.Lx * env.Ly || a.size() != env.site.size())
    throw_error(who, ": the environment has ", env.site.size(), " sites for Lx = ", env.Lx, ", Ly = ", env.Ly,
                " and there are ", a.size(), " site tensors");
  for (std::size_t i = 0; i < a.size(); ++i) check_env(env.site[i], a[i].size(0), who);
}

Cell make_cell(const CtmCellEnv& env, const std::vector<Tensor>& a) {
  Cell c;
  c.Lx = env.Lx;
  c.Ly = env.Ly;
  c.env = env.site;
  c.a = a;
  return c;
}

// The open boundary around site (x, y): each environment tensor is the neighbouring site's
// tensor with its outward legs summed.
CtmEnv open_boundary(const Cell& c, int64_t x, int64_t y) {
  auto site = [&](int64_t dx, int64_t dy) { return c.a[std::size_t(c.at(x + dx, y + dy))]; };
  CtmEnv e;
  e.C_tl = normalize(contract("uldr->rd", {site(-1, -1)}));
  e.C_tr = normalize(contract("uldr->ld", {site(1, -1)}));
  e.C_br = normalize(contract("uldr->lu", {site(1, 1)}));
  e.C_bl = normalize(contract("uldr->ru", {site(-1, 1)}));
  e.T_t = normalize(contract("uldr->ldr", {site(0, -1)}));
  e.T_r = normalize(contract("uldr->uld", {site(1, 0)}));
  e.T_b = normalize(contract("uldr->lur", {site(0, 1)}));
  e.T_l = normalize(contract("uldr->urd", {site(-1, 0)}));
  for (const Tensor& t : flatten({e}))
    if (!(nd::norm(t.value()) > 0.0))
      throw_error("initial_env: the open boundary of this tensor vanishes (a sum over legs is zero); "
                  "pass an initial environment to ctmrg");
  return e;
}

}  // namespace

// ---------------------------------------------------------------- public
CtmEnv CtmEnv::detach() const {
  return {C_tl.detach(), C_tr.detach(), C_br.detach(), C_bl.detach(),
          T_t.detach(),  T_r.detach(),  T_b.detach(),  T_l.detach()};
}

const CtmEnv& CtmCellEnv::at(int64_t x, int64_t y) const {
  if (int64_t(site.size()) != Lx * Ly || Lx < 1 || Ly < 1)
    throw_error("CtmCellEnv::at: ", site.size(), " sites for Lx = ", Lx, ", Ly = ", Ly);
  return site[std::size_t(wrap(y, Ly) * Lx + wrap(x, Lx))];
}

CtmCellEnv CtmCellEnv::detach() const {
  CtmCellEnv r{Lx, Ly, {}};
  for (const CtmEnv& e : site) r.site.push_back(e.detach());
  return r;
}

CtmEnv to_ctm_env(const C4vEnv& e) {
  if (!e.C.defined() || !e.T.defined()) throw_error("to_ctm_env: the environment has an undefined C or T");
  return {e.C, e.C, e.C, e.C, e.T, e.T, e.T, e.T};
}

Tensor rotate_ccw_site(const Tensor& a) {
  if (!a.defined() || a.ndim() != 4) throw_error("rotate_ccw_site: need a 4-leg tensor (u, l, d, r), got shape ",
                                                  a.defined() ? a.shape() : Shape{});
  return permute(a, {3, 0, 1, 2});
}

CtmEnv rotate_ccw(const CtmEnv& env) { return rotate_env(env); }

CtmCellEnv initial_env(const std::vector<Tensor>& A, int64_t Lx, int64_t Ly) {
  Cell c;
  c.Lx = Lx;
  c.Ly = Ly;
  c.a = double_layers(A, Lx, Ly, "initial_env");
  CtmCellEnv r{Lx, Ly, {}};
  for (int64_t y = 0; y < Ly; ++y)
    for (int64_t x = 0; x < Lx; ++x) r.site.push_back(open_boundary(c, x, y));
  return r;
}

CtmEnv initial_env(const Tensor& A) { return initial_env(std::vector<Tensor>{A}, 1, 1).site[0]; }

CtmCellEnv ctmrg_step(const CtmCellEnv& env, const std::vector<Tensor>& A, const CtmrgOptions& options,
                      double* truncation_error) {
  cd::check_options(options, "ctmrg_step");
  Cell c = make_cell(env, double_layers(A, env.Lx, env.Ly, "ctmrg_step"));
  check_cell(env, c.a, "ctmrg_step");
  double discarded = 0.0;
  iteration(c, options, discarded);
  if (options.fix_gauge) c.env = fix_gauge(c.env, env.site, c.Lx, c.Ly);
  if (truncation_error) *truncation_error = discarded;
  return {c.Lx, c.Ly, c.env};
}

CtmEnv ctmrg_step(const CtmEnv& env, const Tensor& A, const CtmrgOptions& options, double* truncation_error) {
  return ctmrg_step(CtmCellEnv{1, 1, {env}}, {A}, options, truncation_error).site[0];
}

CtmEnv ctmrg_move_left(const CtmEnv& env, const Tensor& A, const CtmrgOptions& options, double* truncation_error) {
  cd::check_options(options, "ctmrg_move_left");
  const CtmCellEnv cell{1, 1, {env}};
  Cell c = make_cell(cell, double_layers({A}, 1, 1, "ctmrg_move_left"));
  check_cell(cell, c.a, "ctmrg_move_left");
  double discarded = 0.0;
  move_left(c, options, discarded);
  if (truncation_error) *truncation_error = discarded;
  return c.env[0];
}

CtmrgCell ctmrg(const std::vector<Tensor>& A, const CtmCellEnv& init, const CtmrgOptions& options) {
  cd::check_options(options, "ctmrg");
  const std::vector<Tensor> a = double_layers(A, init.Lx, init.Ly, "ctmrg");
  check_cell(init, a, "ctmrg");
  const int64_t Lx = init.Lx, Ly = init.Ly;
  const cd::StepFn f = [options, Lx, Ly](const std::vector<Tensor>& s, const std::vector<Tensor>& p, double& err) {
    Cell c;
    c.Lx = Lx;
    c.Ly = Ly;
    c.env = unflatten(s);
    c.a = p;
    err = 0.0;
    iteration(c, options, err);
    if (options.fix_gauge) c.env = fix_gauge(c.env, unflatten(s), Lx, Ly);
    return flatten(c.env);
  };
  CtmrgCell r;
  const std::vector<Tensor> s = cd::iterate(f, flatten(init.site), a, corners_of, options, r.info, "ctmrg");
  r.env = {Lx, Ly, unflatten(s)};
  return r;
}

Ctmrg ctmrg(const Tensor& A, const CtmEnv& init, const CtmrgOptions& options) {
  CtmrgCell r = ctmrg(std::vector<Tensor>{A}, CtmCellEnv{1, 1, {init}}, options);
  return {r.env.site[0], r.info};
}

Ctmrg ctmrg(const Tensor& A, const CtmrgOptions& options) {
  const Tensor a = cd::as_double_layer(A, "ctmrg");
  return ctmrg(a, initial_env(a), options);
}

// ---------------------------------------------------------------- fixed-point gradient
CtmCellEnv fixed_point_env(const std::vector<Tensor>& A, const CtmCellEnv& converged, const CtmrgOptions& options,
                           const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info) {
  cd::check_options(options, "fixed_point_env");
  std::vector<Tensor> detached;
  for (const Tensor& t : A) detached.push_back(t.detach());
  const std::vector<Tensor> a = double_layers(detached, converged.Lx, converged.Ly, "fixed_point_env");
  check_cell(converged, a, "fixed_point_env");
  // The differentiated step: one iteration, its signs fixed against x* itself (constants),
  // the kept ranks those at x* (recorded once, at x*).
  const std::vector<CtmEnv> ref = converged.detach().site;
  std::vector<bool> site;
  for (const Tensor& t : A) site.push_back(t.ndim() == 5);
  const int64_t Lx = converged.Lx, Ly = converged.Ly;
  const FixedPointStep f = [options, ref, site, Lx, Ly](const TensorList& x, const TensorList& p) {
    Cell c;
    c.Lx = Lx;
    c.Ly = Ly;
    c.env = unflatten(x);
    for (std::size_t i = 0; i < p.size(); ++i) c.a.push_back(site[i] ? double_layer(p[i]) : Tensor(p[i]));
    double discarded = 0.0;
    iteration(c, options, discarded);
    return flatten(fix_gauge(c.env, ref, Lx, Ly));
  };
  return {Lx, Ly, unflatten(fixed_point(f, flatten(converged.site), A, fp, std::move(info)))};
}

CtmEnv fixed_point_env(const Tensor& A, const CtmEnv& converged, const CtmrgOptions& options,
                       const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info) {
  return fixed_point_env(std::vector<Tensor>{A}, CtmCellEnv{1, 1, {converged}}, options, fp, std::move(info)).site[0];
}

CtmrgCell ctmrg_fixed_point(const std::vector<Tensor>& A, const CtmCellEnv& init, const CtmrgOptions& options,
                            const FixedPointOptions& fp, std::shared_ptr<FixedPointInfo> info) {
  if (!options.fix_gauge)
    throw_error("ctmrg_fixed_point: needs fix_gauge = true (an environment converged only up to its bond gauge "
                "is no fixed point of the step)");
  CtmrgCell r;
  {
    NoGradGuard forward_unrecorded;
    std::vector<Tensor> detached;
    for (const Tensor& t : A) detached.push_back(t.detach());
    r = ctmrg(detached, init.detach(), options);
  }
  r.env = fixed_point_env(A, r.env, options, fp, std::move(info));
  return r;
}

Ctmrg ctmrg_fixed_point(const Tensor& A, const CtmEnv& init, const CtmrgOptions& options, const FixedPointOptions& fp,
                        std::shared_ptr<FixedPointInfo> info) {
  CtmrgCell r = ctmrg_fixed_point(std::vector<Tensor>{A}, CtmCellEnv{1, 1, {init}}, options, fp, std::move(info));
  return {r.env.site[0], r.info};
}

Ctmrg ctmrg_fixed_point(const Tensor& A, const CtmrgOptions& options, const FixedPointOptions& fp,
                        std::shared_ptr<FixedPointInfo> info) {
  CtmEnv init;
  {
    NoGradGuard ng;
    init = initial_env(A.detach());
  }
  return ctmrg_fixed_point(A, init, options, fp, std::move(info));
}

}  // namespace tnad
