// Faults: unwritable output, a full disk (a file-size limit makes every write fail the
// way ENOSPC does), corrupted / truncated / foreign files given to --resume. Each is one
// clear line on stderr and a non-zero exit, and the previous good file is never replaced
// by a broken one.
#include <signal.h>

#include <random>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

const char* kConfig =
    "[job]\ntype = \"minimize\"\ndim = 8\n[optimizer]\nmax_steps = 30\ngrad_tol = 1e-10\n[output]\ncheckpoint_every = 2\n";
const char* kLonger =
    "[job]\ntype = \"minimize\"\ndim = 8\n[optimizer]\nmax_steps = 500\ngrad_tol = 1e-10\n[output]\ncheckpoint_every = 2\n";

}  // namespace

TEST(CliFaults, UnwritableOutputPath) {
  TempDir tmp;
  write_file(tmp / "c.toml", kConfig);
  write_file(tmp / "plain", "a file, not a directory");
  Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "plain/out.h5"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "plain/out.h5: cannot create the output directory");
  r = run_tnad({"run", tmp / "c.toml", "-o", tmp.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "is a directory");
  r = run_tnad({"run", tmp / "c.toml", "-o", "/proc/tnad-test.h5"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "/proc/tnad-test.h5");
}

TEST(CliFaults, DiskFullKeepsThePreviousCheckpoint) {
  TempDir tmp;
  write_file(tmp / "c.toml", kConfig);
  write_file(tmp / "longer.toml", kLonger);
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  const std::string good = slurp(tmp / "run.h5");

  // Continuing needs new checkpoints; none can be written under a 4 KiB file-size limit.
  Spawn full;
  full.file_size_limit = 4096;
  Result r = run_tnad({"run", tmp / "longer.toml", "-o", tmp / "run.h5", "--resume", "-q"}, full);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "File too large");
  EXPECT_HAS(r.err, "is unchanged");
  EXPECT_EQ(slurp(tmp / "run.h5"), good);  // byte for byte the last good checkpoint
  EXPECT_FALSE(solvers_test::has_temporaries(tmp / "run.h5"));

  // A fresh run that cannot write fails before doing any work and leaves nothing behind.
  r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "fresh.h5", "-q"}, full);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_FALSE(std::filesystem::exists(tmp / "fresh.h5"));
  EXPECT_FALSE(solvers_test::has_temporaries(tmp / "fresh.h5"));

  // With room again, the same resume completes from the intact checkpoint.
  r = run_tnad({"run", tmp / "longer.toml", "-o", tmp / "run.h5", "--resume", "-q"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(read_h5(tmp / "run.h5").group("meta").attr_string("status"), "finished");
}

TEST(CliFaults, TruncatedGarbageAndForeignFilesAreRefusedUntouched) {
  TempDir tmp;
  write_file(tmp / "c.toml", kConfig);
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  const std::string good = slurp(tmp / "run.h5");

  struct Case {
    std::string name, bytes, expect;
  };
  Group foreign;
  foreign.group("entry").put("data", tnad::runs::Dataset::of(std::vector<double>{1, 2, 3}));
  tnad::runs::write_h5(tmp / "foreign.h5", foreign);
  std::vector<Case> cases = {
      {"truncated.h5", good.substr(0, good.size() / 2), "truncated.h5"},
      {"garbage.h5", std::string(5000, 'x'), "not an HDF5 file"},
      {"empty.h5", "", "not an HDF5 file"},
      {"foreign.h5", slurp(tmp / "foreign.h5"), "not a tnad run file (a foreign HDF5 file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    write_file(tmp / c.name, c.bytes);
    Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / c.name, "--resume", "-q"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_EQ(r.signal, 0);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, c.expect);
    EXPECT_EQ(slurp(tmp / c.name), c.bytes);
  }
}

TEST(CliFaults, RandomByteFlipsNeverCrashOrGiveWrongResults) {
  // Each copy of a mid-run checkpoint gets a few flipped bytes. --resume must either refuse
  // it with one error line (checksums: HDF5 metadata, Fletcher-32, the /state digest) or
  // finish with the same result as the intact file -- never crash, never differ.
  TempDir tmp;
  write_file(tmp / "short.toml",
             "[job]\ntype = \"minimize\"\ndim = 8\n[optimizer]\nmax_steps = 12\ngrad_tol = 1e-10\n[output]\ncheckpoint_every = 2\n");
  write_file(tmp / "c.toml", kLonger);
  ASSERT_EQ(run_tnad({"run", tmp / "short.toml", "-o", tmp / "mid.h5", "-q"}).exit_code, 0);
  const std::string mid = slurp(tmp / "mid.h5");
  write_file(tmp / "ok.h5", mid);
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "ok.h5", "--resume", "-q"}).exit_code, 0);
  const auto expect_x = read_h5(tmp / "ok.h5").group("results").dataset("x").doubles();

  std::mt19937_64 rng(11);
  int refused = 0, finished = 0;
  for (int trial = 0; trial < 30; ++trial) {
    std::string bytes = mid;
    for (int k = 0; k < 3; ++k)
      bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] ^=
          char(1 << std::uniform_int_distribution<int>(0, 7)(rng));
    const std::string f = tmp / ("flip" + std::to_string(trial) + ".h5");
    write_file(f, bytes);
    Result r = run_tnad({"run", tmp / "c.toml", "-o", f, "--resume", "-q"});
    ASSERT_EQ(r.signal, 0) << "crashed: " << describe(r);
    if (r.exit_code == 0) {
      ++finished;
      EXPECT_EQ(read_h5(f).group("results").dataset("x").doubles(), expect_x) << "trial " << trial;
    } else {
      ++refused;
      EXPECT_EQ(r.exit_code, 1) << describe(r);
      EXPECT_TRUE(r.one_line_error()) << describe(r);
      EXPECT_EQ(slurp(f), bytes) << "a refused file must stay as it was";
    }
  }
  std::cout << "byte flips: " << refused << " refused, " << finished << " harmless (same result)\n";
  EXPECT_GT(refused, 0);
}
