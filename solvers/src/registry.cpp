// The list of job types. Adding a job: see the comment block in tnad/solvers/registry.hpp.
#include "tnad/solvers/registry.hpp"

#include "tnad/error.hpp"

namespace tnad::runs {

// ---- one declaration per job (defined in solvers/src/jobs/<name>.cpp)
JobType minimize_job_type();
JobType ising_thermo_job_type();

const std::vector<JobType>& job_types() {
  // ---- one line per job
  static const std::vector<JobType> types = {
      minimize_job_type(),
      ising_thermo_job_type(),
  };
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
