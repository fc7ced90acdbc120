// Other tools consume the files: Python's h5py reads a run file (layout of docs/files.md),
// and scripts/plot.py draws a run and a merged sweep headless into PNG files.
#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;

namespace {
bool is_png(const std::string& path) {
  std::string b = slurp(path);
  return b.size() > 1000 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}
}  // namespace

TEST(CliPython, H5pyReadsARunFile) {
  TempDir tmp;
  const std::string cfg = source_dir() + "/data/configs/minimize-rosenbrock.toml";
  ASSERT_EQ(run_tnad({"run", cfg, "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  Result r = run({python(), source_dir() + "/tests/solvers/cli/read_run.py", tmp / "run.h5"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto g = tnad::runs::read_h5(tmp / "run.h5");
  char expect[256];
  std::snprintf(expect, sizeof expect, "%zu %.17g %.17g grad_tol 500",
                g.group("history").dataset("step").ints().size(), g.group("results").scalar("objective"),
                g.group("results").dataset("x").doubles()[0]);
  // Python's repr of a float is its shortest exact text, like %.17g up to trailing digits:
  // compare the numbers, not the strings.
  std::istringstream py(r.out), cpp(expect);
  std::string a, b;
  py >> a;
  cpp >> b;
  EXPECT_EQ(a, b);
  double pa, pb;
  py >> pa;
  cpp >> pb;
  EXPECT_EQ(pa, pb);
  py >> pa;
  cpp >> pb;
  EXPECT_EQ(pa, pb);
  py >> a;
  cpp >> b;
  EXPECT_EQ(a, b);
}

TEST(CliPython, PlotScriptWritesPngs) {
  TempDir tmp;
  const std::string cfg = source_dir() + "/data/configs/minimize-rosenbrock.toml";
  ASSERT_EQ(run_tnad({"run", cfg, "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  Spawn headless;
  headless.env = {"MPLBACKEND=Agg", "MPLCONFIGDIR=" + tmp.path()};
  headless.unset = {"DISPLAY"};
  const std::string plot = source_dir() + "/scripts/plot.py";
  Result r = run({python(), plot, tmp / "run.h5", "-o", tmp / "run.png"}, headless);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(is_png(tmp / "run.png"));

  const std::string sweep = source_dir() + "/data/configs/sweep-rosenbrock.toml";
  ASSERT_EQ(run_tnad({"sweep", sweep, "--all", "-q", "-o", tmp / "sw"}).exit_code, 0);
  ASSERT_EQ(run_tnad({"merge", tmp / "sw", "-o", tmp / "merged.h5"}).exit_code, 0);
  r = run({python(), plot, tmp / "merged.h5", "-o", tmp / "sweep.png", "--result", "steps"}, headless);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(is_png(tmp / "sweep.png"));
  r = run({python(), plot, tmp / "merged.h5"}, headless);  // default name FILE.png
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(is_png(tmp / "merged.png"));

  write_file(tmp / "x.h5", "not hdf5");
  r = run({python(), plot, tmp / "x.h5"}, headless);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "plot.py: ");
}

// The figure's output policy (scripts/figure_output.py): an earlier figure is replaced, any
// other file only with --overwrite, never an input or something that is not a regular file.
TEST(CliPython, PlotScriptsKeepWhatIsNotAFigure) {
  TempDir tmp;
  const std::string cfg = source_dir() + "/data/configs/minimize-rosenbrock.toml";
  ASSERT_EQ(run_tnad({"run", cfg, "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  Spawn headless;
  headless.env = {"MPLBACKEND=Agg", "MPLCONFIGDIR=" + tmp.path()};
  headless.unset = {"DISPLAY"};
  const std::string plot = source_dir() + "/scripts/plot.py";
  const std::string run_bytes = slurp(tmp / "run.h5");

  // a result file (here a copy of the run) at -o is kept without --overwrite
  write_file(tmp / "other.h5", run_bytes);
  Result r = run({python(), plot, tmp / "run.h5", "-o", tmp / "other.h5"}, headless);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "--overwrite");
  EXPECT_EQ(slurp(tmp / "other.h5"), run_bytes);
  // never the plot's own input, even with --overwrite
  r = run({python(), plot, tmp / "run.h5", "-o", tmp / "run.h5", "--overwrite"}, headless);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "input");
  EXPECT_EQ(slurp(tmp / "run.h5"), run_bytes);
  // not a regular file, even with --overwrite; an empty name is an error, not the default
  r = run({python(), plot, tmp / "run.h5", "-o", tmp.path(), "--overwrite"}, headless);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "directory");
  r = run({python(), plot, tmp / "run.h5", "-o", ""}, headless);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "empty");
  // an earlier figure is replaced; --overwrite replaces the kept file
  write_file(tmp / "fig.png", "\x89PNG\r\n\x1a\nold figure");
  r = run({python(), plot, tmp / "run.h5", "-o", tmp / "fig.png"}, headless);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(is_png(tmp / "fig.png"));
  EXPECT_GT(slurp(tmp / "fig.png").size(), 1000u);
  r = run({python(), plot, tmp / "run.h5", "-o", tmp / "other.h5", "--overwrite"}, headless);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(is_png(tmp / "other.h5"));
  // plot_ising.py and plot_ipeps.py follow the same policy
  for (const char* script : {"/scripts/plot_ising.py", "/scripts/plot_ipeps.py"}) {
    r = run({python(), source_dir() + script, tmp / "run.h5", "-o", tmp / "run.h5"}, headless);
    EXPECT_NE(r.exit_code, 0) << script;
    EXPECT_HAS(r.err, "input");
    EXPECT_EQ(slurp(tmp / "run.h5"), run_bytes) << script;
  }
}
