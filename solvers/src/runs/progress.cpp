#include "runs/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace tnad::runs {

Progress::Progress(bool quiet, std::string label)
    : quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1), label_(std::move(label)) {}

std::string Progress::format_step(int64_t step, const StepRecord& r, double seconds) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "step %6lld", static_cast<long long>(step));
  std::string line = buf;
  // The first value (the objective/energy) at full precision, then two more compactly.
  for (std::size_t k = 0; k < r.values.size() && k < 3; ++k) {
    std::snprintf(buf, sizeof buf, k == 0 ? "  %s %.12e" : "  %s %.3e", r.values[k].first.c_str(),
                  r.values[k].second);
    line += buf;
  }
  std::snprintf(buf, sizeof buf, "  %.4g s/step", seconds);
  return line + buf;
}

void Progress::step(int64_t step, const StepRecord& r, double seconds) {
  if (quiet_) return;
  std::string line = (label_.empty() ? "" : "[" + label_ + "] ") + format_step(step, r, seconds);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    open_line_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::note(const std::string& msg) {
  if (quiet_) return;
  end();
  std::fprintf(stderr, "%s%s\n", label_.empty() ? "" : ("[" + label_ + "] ").c_str(), msg.c_str());
  std::fflush(stderr);
}

void Progress::end() {
  if (open_line_) {
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
    open_line_ = false;
  }
}

}  // namespace tnad::runs
