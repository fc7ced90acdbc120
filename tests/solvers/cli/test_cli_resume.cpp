// Resume after real kills: a run is SIGKILLed at random moments several times and resumed
// each time; it must end exactly like an uninterrupted run (to 1e-12; in practice bit for
// bit), with a history that has every step once. SIGINT/SIGTERM write a final checkpoint.
#include <signal.h>

#include <chrono>
#include <random>
#include <thread>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

// L-BFGS on Rosenbrock (deterministic) or Adam with gradient noise (exercises the RNG
// state). step_delay slows each evaluation so that kills land mid-run.
std::string config(const std::string& kind, double delay, int checkpoint_every, int dim = 20, int max_steps = 400) {
  std::string c = "[job]\ntype = \"minimize\"\ndim = " + std::to_string(dim) + "\nstep_delay = " + std::to_string(delay) + "\n";
  if (kind == "lbfgs") {
    c += "[optimizer]\nmethod = \"lbfgs\"\nhistory = 5\nmax_steps = " + std::to_string(max_steps) + "\ngrad_tol = 1e-10\n";
  } else {
    c += "noise = 0.05\n[optimizer]\nmethod = \"adam\"\nlr = 0.01\nmax_steps = 150\nseed = 17\n";
  }
  c += "[output]\ncheckpoint_every = " + std::to_string(checkpoint_every) + "\n";
  return c;
}

int64_t step_of(const std::string& line) {
  long long s = -1;
  if (std::sscanf(line.c_str(), "step %lld", &s) == 1) return s;
  return -1;
}

void expect_same_run(const Group& a, const Group& b) {
  const auto& xa = a.group("results").dataset("x").doubles();
  const auto& xb = b.group("results").dataset("x").doubles();
  ASSERT_EQ(xa.size(), xb.size());
  for (std::size_t i = 0; i < xa.size(); ++i) EXPECT_NEAR(xa[i], xb[i], 1e-12) << i;
  EXPECT_NEAR(a.group("results").scalar("objective"), b.group("results").scalar("objective"), 1e-12);
  EXPECT_EQ(a.group("results").scalar("steps"), b.group("results").scalar("steps"));
  const auto& sa = a.group("history").dataset("step").ints();
  const auto& sb = b.group("history").dataset("step").ints();
  ASSERT_EQ(sa, sb);
  for (std::size_t i = 0; i < sb.size(); ++i) ASSERT_EQ(sb[i], int64_t(i)) << "gap or duplicate at row " << i;
  auto oa = a.group("history").doubles("objective"), ob = b.group("history").doubles("objective");
  for (std::size_t i = 0; i < oa.size(); ++i) EXPECT_NEAR(oa[i], ob[i], 1e-12 * (1 + std::abs(oa[i]))) << i;
  bool bitwise = xa == xb;
  std::cout << "resumed run equals the uninterrupted one " << (bitwise ? "bit for bit" : "to 1e-12") << "\n";
}

// max_delay_us: a random pause between seeing a step's progress line and the kill. With
// aim_at_writes the pause starts only once a temporary OUT.h5.tmp-XXXXXX appears, i.e.
// while the step's checkpoint is being written, so that kills land inside (or just after)
// the write.
void kill_and_resume(const std::string& kind, int checkpoint_every, uint64_t seed, int dim = 20,
                     int max_delay_us = 4000, int max_steps = 400, bool aim_at_writes = false) {
  TempDir tmp;
  write_file(tmp / "ref.toml", config(kind, 0.0, checkpoint_every, dim, max_steps));
  write_file(tmp / "slow.toml", config(kind, 0.002, checkpoint_every, dim, max_steps));
  Result ref = run_tnad({"run", tmp / "ref.toml", "-o", tmp / "ref.h5", "-q"});
  ASSERT_EQ(ref.exit_code, 0) << describe(ref);
  Group reference = read_h5(tmp / "ref.h5");
  const int64_t total = reference.group("state").attr_int("step");
  ASSERT_GT(total, 30);

  std::mt19937_64 rng(seed);
  int kills = 0, mid_write = 0;
  int64_t target = 0;
  for (int round = 0; round < 6; ++round) {
    target += std::uniform_int_distribution<int64_t>(3, total / 8)(rng);
    if (target >= total - 2) break;
    std::vector<std::string> args = {tnad_exe(), "run", tmp / "slow.toml", "-o", tmp / "out.h5"};
    if (round > 0) args.push_back("--resume");
    Child c(args);
    auto line = c.wait_line([&](const std::string& l) { return step_of(l) >= target; });
    ASSERT_TRUE(line.has_value()) << "the run ended before step " << target << ":\n" << c.err();
    if (aim_at_writes)
      for (int spin = 0; spin < 20000 && !solvers_test::has_temporaries(tmp / "out.h5"); ++spin)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    // a random extra moment
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, max_delay_us)(rng)));
    c.kill(SIGKILL);
    Result r = c.wait();
    ASSERT_EQ(r.signal, SIGKILL);
    ++kills;
    // a leftover temporary means the kill interrupted a checkpoint being written
    if (solvers_test::has_temporaries(tmp / "out.h5")) ++mid_write;
    // whatever moment the kill hit, the file is a complete, readable checkpoint
    Group g = read_h5(tmp / "out.h5");
    EXPECT_TRUE(g.has_group("state"));
    EXPECT_EQ(g.group("history").dataset("step").ints().back(), g.group("state").attr_int("step"));
  }
  EXPECT_GE(kills, 3);
  std::cout << kills << " SIGKILLs, " << mid_write << " of them during a checkpoint write\n";
  Result fin = run_tnad({"run", tmp / "slow.toml", "-o", tmp / "out.h5", "--resume", "-q"});
  ASSERT_EQ(fin.exit_code, 0) << describe(fin);
  EXPECT_FALSE(solvers_test::has_temporaries(tmp / "out.h5"));  // the run removes those a kill left
  Group resumed = read_h5(tmp / "out.h5");
  EXPECT_EQ(resumed.group("meta").attr_string("status"), "finished");
  // every resume is recorded when it starts (a kill may beat even that first write)
  EXPECT_LE(resumed.group("meta").attr_int("resumes"), kills);
  EXPECT_GE(resumed.group("meta").attr_int("resumes"), 1);
  expect_same_run(reference, resumed);
}

}  // namespace

TEST(CliResume, LBFGSKilledSeveralTimesEndsLikeTheUninterruptedRun) { kill_and_resume("lbfgs", 3, 1); }

TEST(CliResume, AdamWithNoiseKilledSeveralTimesReplaysTheRandomStream) { kill_and_resume("adam", 4, 2); }

// A checkpoint after every step of a large state (10000 parameters, 5 L-BFGS pairs: a 1 MB
// file, a few ms per write), and kills aimed at the writes.
TEST(CliResume, KillsDuringCheckpointWritesLeaveAReadableFile) {
  kill_and_resume("lbfgs", 1, 3, 10000, 1000, 40, true);
}

TEST(CliResume, SigtermAndSigintWriteAFinalCheckpoint) {
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig);
    TempDir tmp;
    write_file(tmp / "ref.toml", config("lbfgs", 0.0, 50));
    write_file(tmp / "slow.toml", config("lbfgs", 0.002, 50));
    ASSERT_EQ(run_tnad({"run", tmp / "ref.toml", "-o", tmp / "ref.h5", "-q"}).exit_code, 0);
    Child c({tnad_exe(), "run", tmp / "slow.toml", "-o", tmp / "out.h5"});
    auto line = c.wait_line([](const std::string& l) { return step_of(l) >= 12; });
    ASSERT_TRUE(line.has_value()) << c.err();
    c.kill(sig);
    Result r = c.wait();
    EXPECT_EQ(r.exit_code, 128 + sig) << describe(r);
    EXPECT_HAS(r.err, sig == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT");
    EXPECT_HAS(r.err, "continue with --resume");
    Group g = read_h5(tmp / "out.h5");
    EXPECT_EQ(g.group("meta").attr_string("status"), "interrupted");
    // checkpoint_every is 50: the state at the signal came from the final checkpoint
    const int64_t at = g.group("state").attr_int("step");
    EXPECT_GE(at, 12);
    EXPECT_EQ(g.group("history").dataset("step").ints().back(), at);
    Result fin = run_tnad({"run", tmp / "slow.toml", "-o", tmp / "out.h5", "--resume", "-q"});
    ASSERT_EQ(fin.exit_code, 0) << describe(fin);
    expect_same_run(read_h5(tmp / "ref.h5"), read_h5(tmp / "out.h5"));
  }
}

TEST(CliResume, ResumeContinuesWithALargerStepLimitAndRefusesAnotherCalculation) {
  TempDir tmp;
  write_file(tmp / "a.toml", "[job]\ntype = \"minimize\"\ndim = 6\n[optimizer]\nmax_steps = 10\n");
  ASSERT_EQ(run_tnad({"run", tmp / "a.toml", "-q"}, {{}, {}, tmp.path(), -1}).exit_code, 0);
  Result again = run_tnad({"run", tmp / "a.toml"}, {{}, {}, tmp.path(), -1});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(again.one_line_error()) << describe(again);
  EXPECT_HAS(again.err, "a.h5: already exists (status: finished); use --resume");
  write_file(tmp / "b.toml", "[job]\ntype = \"minimize\"\ndim = 7\n[optimizer]\nmax_steps = 100\n");
  Result other = run_tnad({"run", tmp / "b.toml", "-o", tmp / "a.h5", "--resume"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_TRUE(other.one_line_error()) << describe(other);
  EXPECT_HAS(other.err, "cannot resume: it was made with a different [job] dim");
  write_file(tmp / "a.toml", "[job]\ntype = \"minimize\"\ndim = 6\n[optimizer]\nmax_steps = 100\n");
  Result more = run_tnad({"run", tmp / "a.toml", "--resume", "-q"}, {{}, {}, tmp.path(), -1});
  EXPECT_EQ(more.exit_code, 0) << describe(more);
  Group g = read_h5(tmp / "a.h5");
  EXPECT_GT(g.group("state").attr_int("step"), 10);
  EXPECT_EQ(g.group("meta").attr_int("resumes"), 1);
  Result done = run_tnad({"run", tmp / "a.toml", "--resume"}, {{}, {}, tmp.path(), -1});
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_HAS(done.err, "already finished");
}
