// Pieces of the run-file format shared by run, sweep, merge and inspect (not installed).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tnad/solvers/config.hpp"
#include "tnad/solvers/group.hpp"
#include "tnad/solvers/job.hpp"

namespace tnad::runs {

constexpr int64_t kRunFormatVersion = 1;
constexpr int64_t kSweepFormatVersion = 1;

// /history in memory: one row per step; a column a step did not report is NaN.
struct History {
  std::vector<int64_t> steps;
  std::vector<double> seconds;
  std::vector<std::pair<std::string, std::vector<double>>> columns;  // display order

  void append(int64_t step, double seconds, const StepRecord& r);
  void write(Group& g) const;
  // Throws if the columns differ in length or the steps are not contiguous.
  static History read(const Group& g);
};

// Throws a clear error unless root is a tnad run file this version can read.
void check_run_file(const Group& root, const std::string& path);
// The one trust check of a run file's identity, used by --resume, the sweep's skip test and
// merge. `meta` is the file's /meta; `task` the sweep task index expected (-1: not a task).
//   same_computation  (resume) the config in /meta/config differs from cfg at most in keys
//                     that may change on resume (stopping criteria, threads);
//   same_config       (skip a finished task, merge) /meta@config_digest equals cfg.digest().
// A task file must also hold /meta/task@index == task. Returns "" when the file is
// trusted, else one message naming the file, the expected and the found value.
enum class Trust { same_computation, same_config };
// The task part alone: "" when /meta/task@index == task.
std::string task_index_mismatch(const Group& meta, const std::string& path, int64_t task);
std::string run_file_mismatch(const Group& meta, const std::string& path, const Config& cfg, int64_t task,
                              Trust level);
// Hex digest of a /state group, ignoring its own "digest" attribute.
std::string digest_hex(const Group& state);

}  // namespace tnad::runs
