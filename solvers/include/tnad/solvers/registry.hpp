// The job registry: which `[job] type = "..."` names exist, their parameters and how to
// build them. `tnad jobs` lists it; config validation (config.hpp) checks [job] against
// the chosen entry's schema.
//
// ---- How to add a job (one file; no line to add elsewhere)
//
// 1. Write solvers/src/<concept>/<name>_job.cpp (the concept folder it belongs to:
//    thermo/, ground_state/, optim/ ...) defining `JobType <name>_job_type()`:
//
//      namespace tnad::runs {
//      JobType ising_thermo_job_type() {
//        JobType t;
//        t.name = "ising-thermo";
//        t.summary = "ln Z, energy and specific heat of the 2D Ising model by TRG";
//        t.params = {
//            Param::floats("beta", {}, "inverse temperatures"),
//            Param::integer("chi", 16, "bond dimension kept by TRG").at_least(1),
//            ...};
//        t.uses_optimizer = false;  // true: [optimizer] is validated and passed on
//        t.make = [](const Config& c) { return std::make_unique<IsingThermo>(c); };
//        return t;
//      }
//      }
//
//    CMake finds the file by its name and adds it to the registry (solvers/CMakeLists.txt
//    generates the list), so nothing else needs an edit. The job class derives from Job
//    (job.hpp), or from OptimizationJob for variational jobs (then it only writes
//    initial_point() and evaluate()). Read parameters with c.job.number("chi") etc.;
//    reject bad combinations with c.job.fail("chi", "...") so the error names the file and
//    line. save_state/load_state must capture everything the remaining steps depend on: the
//    resume test compares resumed and uninterrupted runs bit for bit.
// 2. Add data/configs/<name>*.toml (embedded into `tnad example`, run by the CLI tests).
// 3. Describe its /history and /results datasets in docs/files.md.
// 4. Test it in tests/solvers/<concept>/.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tnad/solvers/config.hpp"
#include "tnad/solvers/job.hpp"

namespace tnad::runs {

struct JobType {
  std::string name;      // [job] type
  std::string summary;   // one line for `tnad jobs`
  Schema params;         // [job] keys besides `type`
  bool uses_optimizer = false;
  std::function<std::unique_ptr<Job>(const Config&)> make;
};

const std::vector<JobType>& job_types();
// The registered type; nullptr if unknown.
const JobType* find_job_type(const std::string& name);
// Builds the job of a validated config (checks across parameters may throw with file:line).
std::unique_ptr<Job> make_job(const Config& config);

}  // namespace tnad::runs
