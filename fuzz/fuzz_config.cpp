// Fuzz target: TOML run configs — parsing, schema validation, sweeps, job construction.
//
// The input is the text of a config file. Allowed outcomes: a valid Config, or a
// tnad::Error (which must start with the file name, as every config error names the file
// and line). Checked besides:
//   - the effective config (every key with defaults filled in, what a run stores in
//     /meta/config) parses back to a config with the same effective text, the same
//     trajectory and the same digest (config.hpp promises these);
//   - a [sweep] expands: the first and last few tasks describe themselves and validate;
//   - the job is constructed (cross-key checks throw tnad::Error with file:line).
// Stepping a job is not fuzzed: that is the solvers' physics, with its own tests.
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/sweep.hpp"

using namespace tnad;
using namespace tnad::runs;

namespace {

constexpr const char* kName = "fuzz.toml";

void check_config(const Config& c) {
  const std::string eff = c.effective_toml();
  Config back;
  try {
    back = parse_config(eff, c.file);  // the same name: the text names its file in a comment
  } catch (const Error& e) {
    fuzz::finding(std::string("the effective config does not parse back: ") + e.what() + "\n--- effective:\n" + eff);
  }
  if (back.effective_toml() != eff)
    fuzz::finding("the effective config changes when parsed back:\n--- first:\n" + eff + "--- second:\n" +
                  back.effective_toml());
  const std::string diff = c.trajectory_difference(back);
  if (!diff.empty()) fuzz::finding("the effective config parsed back differs in " + diff + ":\n" + eff);
  if (back.digest() != c.digest())
    fuzz::finding("the effective config parsed back has another digest (" + back.digest() + " vs " + c.digest() +
                  "):\n" + eff);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Config cfg;
  bool valid = false;
  try {
    cfg = parse_config(text, kName);
    valid = true;
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(kName, 0) != 0)
      fuzz::finding(std::string("a config error that does not start with the file name: ") + e.what());
  } catch (const std::exception& e) {
    fuzz::finding(std::string("parse_config: not a tnad::Error: ") + e.what());
  }
  if (!valid) return 0;
  check_config(cfg);
  fuzz::expect_ok_or_error("sweep", [&] {
    Sweep sweep(cfg);
    const int64_t n = sweep.size();
    for (int64_t t : {int64_t(0), int64_t(1), n / 2, n - 2, n - 1}) {
      if (t < 0 || t >= n) continue;
      (void)sweep.describe(t);
      check_config(sweep.task_config(t));
      (void)sweep.task_group(t, "dir");
    }
  });
  fuzz::expect_ok_or_error("make_job", [&] { (void)make_job(cfg); });
  return 0;
}
