// ln Z, u, C and d lnZ/dh of the Ising model by (nested) AD through TRG/HOTRG
// (ising_thermo.hpp).
#include "tnad/solvers/ising_thermo.hpp"

#include <cmath>
#include <limits>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/forward.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/tensornet/hotrg.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/tensornet/trg.hpp"

namespace tnad {

RgMethod rg_method(const std::string& name) {
  if (name == "trg") return RgMethod::trg;
  if (name == "hotrg") return RgMethod::hotrg;
  throw_error("rg_method: unknown method '", name, "' (trg | hotrg)");
}

const char* to_string(RgMethod m) { return m == RgMethod::trg ? "trg" : "hotrg"; }

RgResult coarse_grain(RgMethod method, const Tensor& T, const RgOptions& options) {
  return method == RgMethod::trg ? trg(T, options) : hotrg(T, options);
}

namespace {

RgResult coarse_grain(RgMethod method, const Tensor& T, const std::vector<Tensor>& tangents,
                      const RgOptions& options) {
  return method == RgMethod::trg ? trg(T, tangents, options) : hotrg(T, tangents, options);
}

ThermoPoint start_point(double beta, const RgResult& r) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ThermoPoint p;
  p.beta = beta;
  p.ln_z = r.ln_z.item();
  p.u = p.c = p.dlnz_dh = nan;
  p.discarded_weight = r.discarded_weight;
  p.bond_dim = r.bond_dim;
  return p;
}

}  // namespace

ThermoPoint ising_thermo(double beta, const ThermoOptions& o) {
  if (o.order < 0 || o.order > 2) throw_error("ising_thermo: order must be 0, 1 or 2, got ", o.order);
  Tensor b = scalar(beta, o.order >= 1), h = scalar(o.h, o.order >= 1);
  const Tensor J = scalar(o.J);
  const bool forward_tangents =
      o.order == 2 && (o.second_order == SecondOrder::reverse_over_forward ||
                       (o.second_order == SecondOrder::automatic && o.rg.checkpoint == ChainCheckpoint::sqrt));
  if (forward_tangents) {
    // T and its tangents dT/dbeta, dT/dh (recorded: they depend on beta), then u and
    // d lnZ/dh from the forward-propagated tangents, C from one reverse sweep.
    std::vector<std::vector<Tensor>> directions = {{scalar(1.0), scalar(0.0)}};
    if (o.field_derivative) directions.push_back({scalar(0.0), scalar(1.0)});
    JvpResult t = jvp(
        [&J](const std::vector<Tensor>& x) { return std::vector<Tensor>{ising_tensor(x[0], J, x[1])}; },
        {b, h}, directions);
    std::vector<Tensor> tangents;
    for (const auto& d : t.tangents) tangents.push_back(d[0]);
    const RgResult r = coarse_grain(o.method, t.outputs[0], tangents, o.rg);
    ThermoPoint p = start_point(beta, r);
    p.u = -r.ln_z_dot[0].item();
    if (o.field_derivative) p.dlnz_dh = r.ln_z_dot[1].item();
    p.c = beta * beta * grad(r.ln_z_dot[0], b).item();
    return p;
  }
  const RgResult r = coarse_grain(o.method, ising_tensor(b, J, h), o.rg);
  ThermoPoint p = start_point(beta, r);
  if (o.order == 0) return p;
  GradOptions go;
  go.create_graph = o.order >= 2;
  const std::vector<Tensor> g = grad({r.ln_z}, {b, h}, {}, go);
  p.u = -g[0].item();
  p.dlnz_dh = g[1].item();
  if (o.order == 1) return p;
  p.c = beta * beta * grad(g[0], b).item();
  return p;
}

}  // namespace tnad
