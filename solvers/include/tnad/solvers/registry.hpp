// The job registry: which `[job] type = "..."` names exist, their parameters and how to
// build them. `tnad jobs` lists it; config validation (config.hpp) checks [job] against
// the chosen entry's schema.
//
// ---- How to add a job (one file + one registration line)
//
// 1. Write solvers/src/jobs/<name>.cpp (picked up by the CMake glob) defining
//
//      namespace tnad::runs {
//      JobType ising_thermo_job_type() {
//        JobType t;
//        t.name = "ising-thermo";
//        t.summary = "ln Z, energy and specific heat of the 2D Ising model by TRG";
//        t.params = {
//            Param::floats("T", {2.0, 2.269, 2.5}, "temperatures").required(),
//            Param::integer("chi", 16, "bond dimension kept by TRG").at_least(2),
//            ...};
//        t.uses_optimizer = false;  // true: [optimizer] is validated and passed on
//        t.make = [](const Config& c) { return std::make_unique<IsingThermo>(c); };
//        return t;
//      }
//      }
//
//    The job class derives from Job (job.hpp), or from OptimizationJob for variational
//    jobs (then it only writes initial_point() and evaluate()). Read parameters with
//    c.job.number("chi") etc.; reject bad combinations with c.job.fail("chi", "...") so the
//    error names the file and line. save_state/load_state must capture everything the
//    remaining steps depend on: the resume test compares resumed and uninterrupted runs
//    bit for bit.
// 2. Register it: add `JobType ising_thermo_job_type();` and one line in the list in
//    solvers/src/registry.cpp.
// 3. Add data/configs/<name>*.toml (embedded into `tnad example`, run by the CLI tests) and
//    describe any new /results datasets in docs/files.md.
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
