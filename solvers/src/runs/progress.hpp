// Progress output on stderr: one line per step, or one updating line on a terminal.
#pragma once
#include <string>

#include "tnad/solvers/job.hpp"

namespace tnad::runs {

class Progress {
 public:
  Progress(bool quiet, std::string label);
  ~Progress() { end(); }
  // "step 12  objective 1.234567890123e+00  grad_norm 3.210e-04  0.0123 s/step"
  void step(int64_t step, const StepRecord& r, double seconds);
  // A message on its own line (closes an updating line first).
  void note(const std::string& msg);
  // Ends an updating line with a newline.
  void end();
  static std::string format_step(int64_t step, const StepRecord& r, double seconds);

 private:
  bool quiet_, tty_;
  bool open_line_ = false;
  std::string label_;
};

}  // namespace tnad::runs
