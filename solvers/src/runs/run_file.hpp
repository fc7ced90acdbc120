// Pieces of the run-file format shared by run, sweep, merge and inspect (not installed).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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
// Hex digest of a /state group, ignoring its own "digest" attribute.
std::string digest_hex(const Group& state);

}  // namespace tnad::runs
