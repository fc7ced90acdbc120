// Parameter sweeps: a [sweep] table lists axes; their cartesian product is the task list.
//
//   [sweep]
//   "job.dim" = [2, 10, 100]                                  # a list
//   optimizer.lr = { start = 0.01, stop = 0.1, num = 4 }      # linspace, ends included
//   job.seed = { start = 0, stop = 9, step = 1 }              # range, stop included if hit
//   "job.condition" = { start = 1, stop = 1e6, num = 7, log = true }   # geomspace
//
// Axis names are SECTION.KEY of the config (written quoted, or as TOML dotted keys).
// Numbering is deterministic: axes in the order they are written, the last varying
// fastest (like nested loops); task i's config is the base config with the axis values
// substituted, validated like any config (errors point at the [sweep] line).
//
// Each task writes DIR/task-NNNN.h5, a normal run file (it can be inspected, plotted and
// resumed) with /meta/task holding its index and parameters. Running a task whose file
// says finished is skipped, an unfinished one is resumed: re-running a sweep completes it.
// A file is trusted as task i's only if it holds /meta/task@index = i and task i's
// config digest (run_file.hpp); a copied or renamed file is refused, never skipped.
// DIR/sweep.toml keeps the sweep's config, so that `tnad merge` knows every task and a
// different sweep cannot write into the same directory by mistake.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tnad/solvers/config.hpp"
#include "tnad/solvers/group.hpp"
#include "tnad/solvers/run.hpp"

namespace tnad::runs {

struct Axis {
  std::string name;           // "job.dim"
  std::vector<Value> values;  // each with the location it was written at
  Loc loc;
};

class Sweep {
 public:
  // Parses base.sweep; throws tnad::Error with file:line for a malformed axis. Every
  // task's config is validated here too, so a bad value fails before anything runs.
  explicit Sweep(const Config& base);

  int64_t size() const { return size_; }
  const std::vector<Axis>& axes() const { return axes_; }
  const Config& base() const { return base_; }
  std::vector<std::pair<std::string, Value>> params(int64_t task) const;
  Config task_config(int64_t task) const;
  std::string describe(int64_t task) const;  // "job.dim = 10, optimizer.lr = 0.1"
  std::string task_file(const std::string& dir, int64_t task) const;  // DIR/task-0003.h5
  Group task_group(int64_t task, const std::string& dir) const;        // for /meta/task

 private:
  void check_index(int64_t task) const;
  Config base_;
  std::vector<Axis> axes_;
  int64_t size_ = 1;
};

// [output] dir, else the config's file name + "-sweep".
std::string default_sweep_dir(const Config& base);

// Creates DIR and DIR/sweep.toml (the config text); throws if DIR belongs to another sweep.
void prepare_sweep_dir(const std::string& dir, const Config& base);

struct TaskOutcome {
  int64_t task = 0;
  std::string status;  // finished | skipped (already finished) | failed | interrupted
  std::string message;
  int signal = 0;
};

struct SweepOptions {
  int threads = -1;
  bool progress = false;  // per-step lines of every task (default: one line per task)
  bool quiet = false;     // nothing at all
  std::string command;
};

// Runs task i into DIR: skipped if finished, resumed if started, else fresh. Never throws
// for a task's own failure: it is recorded in the task file (when one can be written) and
// returned as "failed".
TaskOutcome run_task(const Sweep& sweep, int64_t task, const std::string& dir, const SweepOptions& o);

// Status of task i's file in DIR without reading its data: "missing", "finished",
// "failed", "interrupted", "running", "starting", "unreadable", or "mismatched" (the file
// belongs to another task or another config: copied or renamed; see run_file_mismatch).
std::string task_status(const Sweep& sweep, int64_t task, const std::string& dir);

// `tnad sweep --list`: one line per task with its parameters and status in DIR.
std::string list_tasks(const Sweep& sweep, const std::string& dir);

// `tnad merge DIR -o OUT`: one file with /tasks (a table: index, file, status, error,
// steps, params/<axis>, results/<name> for scalar results) and /runs/task-NNNN/results.
// OUT follows the output policy (file_policy.hpp): an existing OUT is replaced only with
// overwrite, and never when it is one of the files merged (or named like one in DIR). A
// task file that belongs to another task or config is not trusted: its row says
// "mismatched" with the reason, and none of its results are used.
// Returns a one-line summary ("12 tasks: 10 finished, 1 failed, 1 missing"); `problems`
// (if given) receives one line per mismatched or unreadable task file.
struct MergeOptions {
  bool overwrite = false;
  std::vector<std::string>* problems = nullptr;
};
std::string merge_sweep(const std::string& dir, const std::string& out, const MergeOptions& options = {});

// `tnad inspect FILE`: a human summary of a run file or a merged sweep file.
std::string describe_file(const std::string& path);

}  // namespace tnad::runs
