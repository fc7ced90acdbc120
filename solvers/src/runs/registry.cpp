// The list of job types. Adding a job: see the comment block in tnad/solvers/registry.hpp.
#include "tnad/solvers/registry.hpp"

#include "tnad/ad/error.hpp"

// registered_job_types(): one entry per solvers/src/<concept>/<name>_job.cpp, generated
// by solvers/CMakeLists.txt.
#include "job_list.inc"

namespace tnad::runs {

const std::vector<JobType>& job_types() {
  static const std::vector<JobType> types = registered_job_types();
  return types;
}

const JobType* find_job_type(const std::string& name) {
  for (const auto& t : job_types())
    if (t.name == name) return &t;
  return nullptr;
}

std::unique_ptr<Job> make_job(const Config& c) {
  const JobType* t = find_job_type(c.job_type);
  if (!t) throw_error(c.file, ": unknown job type '", c.job_type, "'");
  return t->make(c);
}

}  // namespace tnad::runs
