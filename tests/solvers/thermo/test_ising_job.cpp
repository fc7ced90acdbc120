// The ising-thermo job through the tnad command: /history and /results against the library
// and Onsager, resume after SIGTERM equal to an uninterrupted run, a sweep over chi, config
// errors, and scripts/plot_ising.py drawing a PNG headless.
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli_util.hpp"
#include "onsager_ref.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/solvers/onsager.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/registry.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

std::string config(int chi, int steps, double lo, double hi, double step, const std::string& extra = "") {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "[job]\ntype = \"ising-thermo\"\nchi = %d\nsteps = %d\nbeta_min = %.17g\nbeta_max = %.17g\n"
                "beta_step = %.17g\n%s",
                chi, steps, lo, hi, step, extra.c_str());
  return buf;
}

TEST(IsingJob, HistoryAndResultsMatchTheLibraryAndOnsager) {
  TempDir tmp;
  write_file(tmp / "a.toml", config(6, 10, 0.40, 0.50, 0.05));
  Result r = run_tnad({"run", tmp / "a.toml", "-o", tmp / "a.h5"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.err, "beta_grid_done");
  const Group f = read_h5(tmp / "a.h5");
  EXPECT_EQ(f.group("meta").attr_string("status"), "finished");
  const Group& h = f.group("history");
  EXPECT_EQ(h.dataset("step").ints(), (std::vector<int64_t>{0, 1, 2}));
  const std::vector<double> beta = h.doubles("beta");
  ASSERT_EQ(beta.size(), 3u);
  tnad::ThermoOptions o;
  o.rg.truncation.max_rank = 6;
  o.rg.steps = 10;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(beta[i], 0.40 + 0.05 * double(i), 1e-15);
    const tnad::ThermoPoint t = tnad::ising_thermo(beta[i], o);
    EXPECT_NEAR(h.doubles("ln_z")[i], t.ln_z, 1e-13);
    EXPECT_NEAR(h.doubles("u")[i], t.u, 1e-11);
    EXPECT_NEAR(h.doubles("c")[i], t.c, 1e-9);
    const physref::Exact e = physref::exact(beta[i]);
    EXPECT_NEAR(h.doubles("ln_z_exact")[i], e.ln_z, 1e-12);
    EXPECT_NEAR(h.doubles("u_exact")[i], e.u, 1e-11);
    EXPECT_NEAR(h.doubles("c_exact")[i], e.c, 1e-9);
    EXPECT_DOUBLE_EQ(h.doubles("err_u")[i], h.doubles("u")[i] - h.doubles("u_exact")[i]);
    EXPECT_DOUBLE_EQ(h.doubles("err_c")[i], h.doubles("c")[i] - h.doubles("c_exact")[i]);
    EXPECT_GT(h.doubles("max_discarded_weight")[i], 0.0);  // chi = 6 truncates
    EXPECT_EQ(h.doubles("bond_dim")[i], 6.0);
  }
  const Group& res = f.group("results");
  EXPECT_EQ(res.doubles("u"), h.doubles("u"));
  EXPECT_EQ(res.dataset("discarded_weight").shape, (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(res.attr_string("method"), "trg");
  EXPECT_EQ(res.attr_int("chi"), 6);
  EXPECT_NEAR(res.scalar("beta_c"), physref::beta_c(), 1e-15);
  EXPECT_EQ(res.scalar("c_peak_beta"), 0.45);  // of 0.40, 0.45, 0.50
}

TEST(IsingJob, ResumeAfterSigtermEqualsAnUninterruptedRun) {
  TempDir tmp;
  write_file(tmp / "r.toml", config(8, 12, 0.40, 0.50, 0.01));  // 11 points
  Result ref = run_tnad({"run", tmp / "r.toml", "-o", tmp / "ref.h5", "-q"});
  ASSERT_EQ(ref.exit_code, 0) << describe(ref);
  Child c({tnad_exe(), "run", tmp / "r.toml", "-o", tmp / "out.h5"});
  auto line = c.wait_line([](const std::string& l) { return l.rfind("step      2", 0) == 0; });
  ASSERT_TRUE(line.has_value()) << c.err();
  c.kill(SIGTERM);
  Result k = c.wait();
  const Group cut = read_h5(tmp / "out.h5");
  ASSERT_EQ(cut.group("meta").attr_string("status"), "interrupted") << describe(k);
  const auto done = cut.group("history").doubles("beta").size();
  EXPECT_GE(done, 3u);
  EXPECT_LT(done, 11u);
  Result res = run_tnad({"run", tmp / "r.toml", "-o", tmp / "out.h5", "--resume", "-q"});
  ASSERT_EQ(res.exit_code, 0) << describe(res);
  const Group a = read_h5(tmp / "ref.h5"), b = read_h5(tmp / "out.h5");
  EXPECT_EQ(b.group("meta").attr_string("status"), "finished");
  EXPECT_EQ(b.group("history").dataset("step").ints(), a.group("history").dataset("step").ints());
  for (const char* k2 : {"beta", "ln_z", "u", "c", "err_u", "max_discarded_weight"})
    EXPECT_EQ(b.group("history").doubles(k2), a.group("history").doubles(k2)) << k2;
  EXPECT_EQ(b.group("results").doubles("discarded_weight"), a.group("results").doubles("discarded_weight"));
}

TEST(IsingJob, SweepOverChi) {
  TempDir tmp;
  write_file(tmp / "s.toml", config(4, 12, 0.40, 0.45, 0.05, "order = 0\n[sweep]\n\"job.chi\" = [4, 16]\n"));
  Result r = run_tnad({"sweep", tmp / "s.toml", "--all", "-o", tmp / "sw"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const Group t0 = read_h5(tmp / "sw/task-0000.h5"), t1 = read_h5(tmp / "sw/task-0001.h5");
  EXPECT_EQ(t0.group("meta").attr_string("status"), "finished");
  EXPECT_EQ(t1.group("meta").attr_string("status"), "finished");
  EXPECT_EQ(t0.group("results").attr_int("chi"), 4);
  EXPECT_EQ(t1.group("results").attr_int("chi"), 16);
  EXPECT_EQ(t0.group("results").doubles("beta"), t1.group("results").doubles("beta"));
  // More kept states, a smaller error of ln Z (beta = 0.40, a 64 x 64 torus; TRG is not
  // monotonic in chi at the smallest chi, so 4 against 16).
  const double e4 = std::abs(t0.group("results").doubles("ln_z")[0] - tnad::onsager(0.40).ln_z);
  const double e16 = std::abs(t1.group("results").doubles("ln_z")[0] - tnad::onsager(0.40).ln_z);
  EXPECT_LT(10 * e16, e4);
}

TEST(IsingJob, ConfigErrorsNameTheKey) {
  TempDir tmp;
  write_file(tmp / "b.toml", config(8, 10, 0.4, 0.5, 0.05, "beta = [0.4, 0.5]\n"));
  Result r = run_tnad({"run", tmp / "b.toml", "-o", tmp / "b.h5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "b.toml:");
  EXPECT_HAS(r.err, "beta_min");
  write_file(tmp / "m.toml", "[job]\ntype = \"ising-thermo\"\nmethod = \"ctmrg\"\n");
  r = run_tnad({"run", tmp / "m.toml", "-o", tmp / "m.h5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "method");
  write_file(tmp / "n.toml", "[job]\ntype = \"ising-thermo\"\nbeta_min = 0.5\nbeta_max = 0.4\n");
  r = run_tnad({"run", tmp / "n.toml", "-o", tmp / "n.h5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "beta_max");
  // The README job validates (it is run in full by the CLI example test).
  r = run_tnad({"run", source_dir() + "/data/configs/ising-trg.toml", "--print-config"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.out, "ising-thermo");
}

TEST(IsingJob, PlotScriptDrawsAPng) {
  TempDir tmp;
  write_file(tmp / "p.toml", config(6, 10, 0.40, 0.50, 0.025));
  Result r = run_tnad({"run", tmp / "p.toml", "-o", tmp / "p.h5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  Spawn headless;
  headless.env = {"MPLBACKEND=Agg", "DISPLAY="};
  Result p = run({python(), source_dir() + "/scripts/plot_ising.py", tmp / "p.h5", "-o", tmp / "p.png"}, headless);
  ASSERT_EQ(p.exit_code, 0) << describe(p);
  const std::string png = slurp(tmp / "p.png");
  ASSERT_GT(png.size(), 30000u);  // a 2x2 figure with curves, not an empty canvas
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
           (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
  };
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1210u);  // 11 x 7.5 inches at 110 dpi
  EXPECT_EQ(be32(20), 825u);
  // Not an ising-thermo file: a clear error, non-zero exit.
  write_file(tmp / "m.toml", "[job]\ntype = \"minimize\"\n[optimizer]\nmax_steps = 3\n");
  ASSERT_EQ(run_tnad({"run", tmp / "m.toml", "-o", tmp / "m.h5", "-q"}).exit_code, 0);
  Result bad = run({python(), source_dir() + "/scripts/plot_ising.py", tmp / "m.h5", "-o", tmp / "m.png"}, headless);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_HAS(bad.err, "not ising-thermo");
}

// The schema states no default of its own: each equals the option struct's (rg.hpp,
// options.hpp, ising_thermo.hpp), so changing a struct default changes the job's.
TEST(IsingJob, SchemaDefaultsAreTheOptionStructs) {
  const tnad::runs::JobType* t = tnad::runs::find_job_type("ising-thermo");
  ASSERT_NE(t, nullptr);
  auto def = [&](const std::string& key) -> const tnad::runs::Value& {
    for (const auto& p : t->params)
      if (p.key == key && p.default_value) return *p.default_value;
    throw std::runtime_error("no default for " + key);
  };
  const tnad::ThermoOptions d;
  const tnad::TruncationOptions& tr = d.rg.truncation;
  EXPECT_EQ(def("chi").i, tr.max_rank);
  EXPECT_EQ(def("steps").i, d.rg.steps);
  EXPECT_EQ(def("order").i, d.order);
  EXPECT_EQ(def("J").number(), d.J);
  EXPECT_EQ(def("h").number(), d.h);
  EXPECT_EQ(def("keep_multiplets").b, tr.keep_multiplets);
  EXPECT_EQ(def("multiplet_tol").number(), tr.multiplet_tol);
  EXPECT_EQ(def("rel_cutoff").number(), tr.rel_cutoff);
  EXPECT_EQ(def("oversampling").i, tr.oversampling);
  EXPECT_EQ(def("power_iterations").i, tr.power_iterations);
  EXPECT_EQ(def("broadening_eps").number(), tr.degeneracy.eps);
  EXPECT_EQ(def("broadening").s, tr.degeneracy.rule == tnad::Broadening::cutoff ? "cutoff" : "lorentzian");
  EXPECT_EQ(def("svd").s, tr.method == tnad::SvdMethod::randomized ? "randomized" : "full");
}

}  // namespace
