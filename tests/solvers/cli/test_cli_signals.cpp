// SIGTERM / SIGINT during long physics steps: the step in progress is abandoned at the next
// interruption point (a CTMRG iteration, a backward node, a Krylov iteration) and the
// checkpoint holds the state from before it, so the run stops at once instead of after a
// step that a batch system's SIGKILL would cut short; the resumed run ends like an
// uninterrupted one, bit for bit. A signal delivered twice (timeout(1), schedulers) counts
// once.
//
// The slow steps come from a CTMRG that cannot converge (ctm_tol = 1e-300): each evaluation
// runs ctm_max_iter iterations. The D = 1 stage before it is exact after one iteration.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

int64_t step_of(const std::string& line) {
  long long s = -1;
  if (std::sscanf(line.c_str(), "step %lld", &s) == 1) return s;
  return -1;
}

// TFIM h = 3, C4v, stages D = 1 (fast) then D = 2 (each evaluation ctm_max_iter iterations).
std::string staged(int ctm_max_iter) {
  return "[job]\ntype = \"ipeps\"\nmodel = \"tfim\"\nh = 3.0\nansatz = \"c4v\"\nD_start = 1\nD = 2\nchi = 8\n"
         "init = \"neel\"\nnoise = 0.1\nctm_tol = 1e-300\nctm_max_iter = " +
         std::to_string(ctm_max_iter) +
         "\ngradient = \"checkpointed\"\n[optimizer]\nmax_steps = 1\n[output]\ncheckpoint_every = 1000\n";
}

// Sends `sig` to the run `copies` times, waits for it, and checks what every stop by signal
// must leave: exit code 128 + sig, `message` on stderr, status "interrupted" in the file
// (returned for the test's own checks).
Group stop_by_signal(Child& c, int sig, const std::string& file, const std::string& message, int copies = 1) {
  for (int i = 0; i < copies; ++i) c.kill(sig);
  Result r = c.wait();
  EXPECT_EQ(r.exit_code, 128 + sig) << describe(r);
  EXPECT_HAS(r.err, message);
  Group g = read_h5(file);
  EXPECT_EQ(g.group("meta").attr_string("status"), "interrupted");
  return g;
}

}  // namespace

// Step 2 (the D = 2 stage's first evaluation, 2500 CTMRG iterations, a second or more) is cut
// short: the file holds the state of step 1 and no row for step 2. Before, the step ran to
// its end and the state was that of step 2.
TEST(CliSignals, SigtermMidStepAbandonsTheStepAndTheResumeEqualsTheUninterruptedRun) {
  TempDir tmp;
  write_file(tmp / "s.toml", staged(2500));
  ASSERT_EQ(run_tnad({"run", tmp / "s.toml", "-o", tmp / "ref.h5", "-q"}).exit_code, 0);
  const Group ref = read_h5(tmp / "ref.h5");
  ASSERT_EQ(ref.group("history").dataset("step").ints().back(), 3);

  Child c({tnad_exe(), "run", tmp / "s.toml", "-o", tmp / "out.h5"});
  ASSERT_TRUE(c.wait_line([](const std::string& l) { return step_of(l) == 1; }).has_value()) << c.err();
  const Group g = stop_by_signal(c, SIGTERM, tmp / "out.h5", "interrupted by SIGTERM at step 1");
  EXPECT_EQ(g.group("state").attr_int("step"), 1);
  EXPECT_EQ(g.group("history").dataset("step").ints(), (std::vector<int64_t>{0, 1}));

  Result fin = run_tnad({"run", tmp / "s.toml", "-o", tmp / "out.h5", "--resume", "-q"});
  ASSERT_EQ(fin.exit_code, 0) << describe(fin);
  const Group out = read_h5(tmp / "out.h5");
  EXPECT_EQ(out.group("history").dataset("step").ints(), ref.group("history").dataset("step").ints());
  EXPECT_EQ(out.group("history").doubles("energy"), ref.group("history").doubles("energy"));
  EXPECT_EQ(out.group("results").dataset("A").doubles(), ref.group("results").dataset("A").doubles());
}

// A signal during the first evaluation (no state yet): the run stops without one and
// --resume starts afresh. Each evaluation here would take 100000 iterations (minutes).
TEST(CliSignals, SigtermDuringTheFirstEvaluationStopsBeforeAnyState) {
  TempDir tmp;
  write_file(tmp / "s.toml",
             "[job]\ntype = \"ipeps\"\nmodel = \"tfim\"\nh = 3.0\nansatz = \"c4v\"\nD = 2\nchi = 8\ninit = \"neel\"\n"
             "noise = 0.1\nctm_tol = 1e-300\nctm_max_iter = 100000\ngradient = \"checkpointed\"\n");
  const std::string out = tmp / "out.h5";
  Child c({tnad_exe(), "run", tmp / "s.toml", "-o", out});
  // the file (status "starting") is written after the handlers are installed, before start()
  for (int i = 0; i < 6000 && !std::filesystem::exists(out); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(std::filesystem::exists(out)) << c.err();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const Group g = stop_by_signal(c, SIGTERM, out, "interrupted by SIGTERM at step 0");
  EXPECT_FALSE(g.has_group("state"));
  EXPECT_FALSE(g.has_group("history") && g.group("history").has_dataset("step") &&
               g.group("history").dataset("step").numel() > 0);

  Child again({tnad_exe(), "run", tmp / "s.toml", "-o", out, "--resume"});
  ASSERT_TRUE(again.wait_line([](const std::string& l) { return l.find("starting fresh") != std::string::npos; })
                  .has_value())
      << again.err();
  again.kill(SIGINT);
  Result r2 = again.wait();
  EXPECT_EQ(r2.exit_code, 128 + SIGINT) << describe(r2);
}

// timeout(1) sends SIGTERM to its child and then to the whole process group: two copies
// within microseconds. The second one killed tnad (one-shot handler) before the final
// checkpoint, leaving status "running".
TEST(CliSignals, ASignalDeliveredTwiceCountsOnce) {
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig);
    TempDir tmp;
    write_file(tmp / "slow.toml",
               "[job]\ntype = \"minimize\"\ndim = 20\nstep_delay = 0.002\n[optimizer]\nmethod = \"lbfgs\"\n"
               "history = 5\nmax_steps = 400\ngrad_tol = 1e-10\n[output]\ncheckpoint_every = 50\n");
    Child c({tnad_exe(), "run", tmp / "slow.toml", "-o", tmp / "out.h5"});
    ASSERT_TRUE(c.wait_line([](const std::string& l) { return step_of(l) >= 5; }).has_value()) << c.err();
    const Group g = stop_by_signal(c, sig, tmp / "out.h5", "checkpoint written (continue with --resume)", 2);
    EXPECT_EQ(g.group("history").dataset("step").ints().back(), g.group("state").attr_int("step"));
  }
}
