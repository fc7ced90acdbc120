// `tnad sweep --mpi` under mpirun with 3 ranks (one manager, two workers): every task is
// run once, a failing task is recorded while the others go on, and a re-run skips the
// finished tasks. Also the MPI SLURM template, run by bash.
#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

const char* kSweep = R"([job]
type = "minimize"
objective = "quadratic"
condition = 10.0
step_delay = 0.001

[optimizer]
method = "gd"
max_steps = 100
grad_tol = 1e-6

[sweep]
"optimizer.lr" = [0.05, 10.0, 0.1, 0.08]
"job.seed" = [1, 2]
)";

std::vector<std::string> mpirun3() {
  return {mpirun(), "--allow-run-as-root", "--oversubscribe", "-n", "3"};
}

}  // namespace

TEST(CliMpi, ThreeRanksRunAllTasksAndRecordFailures) {
  TempDir tmp;
  write_file(tmp / "s.toml", kSweep);
  auto args = mpirun3();
  for (std::string a : {tnad_exe(), std::string("sweep"), tmp / "s.toml", std::string("--mpi"), std::string("-o"), tmp / "out"})
    args.push_back(a);
  Spawn s;
  s.env = {"OMP_NUM_THREADS=1"};
  s.unset = {"SLURM_ARRAY_TASK_ID"};
  Result r = run(args, s);
  EXPECT_EQ(r.exit_code, 1) << describe(r);  // tasks 2 and 3 (lr = 10) fail
  EXPECT_HAS(r.err, "8 tasks, 0 already finished, 8 to run on 2 worker rank(s)");
  EXPECT_HAS(r.err, "failed tasks: ");
  int on_rank1 = 0, on_rank2 = 0;
  for (std::size_t p = 0; (p = r.err.find("on rank ", p)) != std::string::npos; ++p)
    (r.err[p + 8] == '1' ? on_rank1 : on_rank2)++;
  EXPECT_EQ(on_rank1 + on_rank2, 8) << r.err;
  for (int i = 0; i < 8; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/task-%04d.h5", i);
    Group g = read_h5(tmp / "out" + name);
    EXPECT_EQ(g.group("meta").attr_string("status"), (i == 2 || i == 3) ? "failed" : "finished") << i;
  }
  EXPECT_HAS(r.err, "task 2 (optimizer.lr = 10.0, job.seed = 1) on rank");

  Result again = run(args, s);
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_HAS(again.err, "8 tasks, 6 already finished, 2 to run");

  Result merge = run_tnad({"merge", tmp / "out", "-o", tmp / "m.h5"});
  EXPECT_EQ(merge.exit_code, 0) << describe(merge);
  EXPECT_HAS(merge.err, "8 tasks: 6 finished, 2 failed");
}

TEST(CliMpi, SlurmMpiTemplate) {
  TempDir tmp;
  std::string text = kSweep;
  text.replace(text.find("[0.05, 10.0, 0.1, 0.08]"), 23, "[0.05, 0.1]");
  write_file(tmp / "s.toml", text);
  Spawn s;
  s.cwd = tmp.path();
  std::string launcher;
  for (const auto& a : mpirun3()) launcher += (launcher.empty() ? "" : " ") + a;
  s.env = {"SLURM_CPUS_PER_TASK=1", "TNAD=" + tnad_exe(), "MPIRUN=" + launcher};
  Result r = run({"/bin/bash", source_dir() + "/scripts/slurm/mpi.sbatch", "s.toml"}, s);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  Result m = run_tnad({"merge", tmp / "s-sweep", "-o", tmp / "m.h5"});
  EXPECT_HAS(m.err, "4 tasks: 4 finished");
}
