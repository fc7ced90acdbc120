// Whole-config validation, the fixed sections' schemas and the effective config text.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "runs/internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/registry.hpp"

namespace tnad::runs {

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Schema output_schema() {
  return {
      Param::string("file", "", "run output file (default: CONFIG name with .h5; -o overrides)"),
      Param::string("dir", "", "sweep output directory (default: CONFIG name + -sweep; -o overrides)"),
      Param::integer("checkpoint_every", 10, "write a checkpoint every N steps").at_least(1),
      Param::floating("checkpoint_seconds", 600.0, "also checkpoint when this long since the last (0: off)")
          .at_least(0.0),
  };
}

Schema run_schema() {
  return {
      Param::integer("threads", 0, "OpenMP threads (0: OMP_NUM_THREADS or all cores; --threads overrides)")
          .at_least(0)
          .at_most(kMaxThreads)
          .may_change_on_resume(),
  };
}

Schema optimizer_schema(const std::string& method) {
  Schema s = {
      Param::string("method", "lbfgs", "optimizer").one_of({"lbfgs", "adam", "gd"}),
      Param::integer("max_steps", 1000, "stop after this many steps").at_least(0).may_change_on_resume(),
      Param::floating("grad_tol", 1e-8, "stop when the gradient 2-norm is <= this").at_least(0.0)
          .may_change_on_resume(),
      Param::floating("energy_tol", 0.0, "stop when |f_k - f_(k-1)| <= this (0: off)").at_least(0.0)
          .may_change_on_resume(),
      Param::integer("seed", 0, "seed of the optimizer's random generator").at_least(0),
  };
  auto line_search_keys = [&s] {
    s.push_back(Param::floating("c1", 1e-4, "line search: sufficient-decrease constant").above(0.0).below(1.0));
    s.push_back(Param::floating("c2", 0.9, "line search: curvature constant (c1 < c2)").above(0.0).below(1.0));
    s.push_back(Param::integer("max_line_search", 25, "line search: most evaluations per step").at_least(2));
  };
  if (method == "gd") {
    s.push_back(Param::floating("lr", 1e-2, "step size (first trial step with line_search)").above(0.0));
    s.push_back(Param::boolean("line_search", false, "strong-Wolfe line search instead of a fixed step"));
    line_search_keys();
  } else if (method == "adam") {
    s.push_back(Param::floating("lr", 1e-3, "step size").above(0.0));
    s.push_back(Param::floating("beta1", 0.9, "decay of the first moment").at_least(0.0).below(1.0));
    s.push_back(Param::floating("beta2", 0.999, "decay of the second moment").at_least(0.0).below(1.0));
    s.push_back(Param::floating("eps", 1e-8, "denominator guard").above(0.0));
  } else {
    s.push_back(Param::integer("history", 10, "number of (s, y) pairs kept").at_least(1).at_most(10000));
    line_search_keys();
  }
  return s;
}

namespace {

const char* const kSections[] = {"job", "optimizer", "output", "run", "sweep"};

Schema job_schema(const JobType& t) {
  std::vector<std::string> names;
  for (const auto& jt : job_types()) names.push_back(jt.name);
  Schema s = {Param::string("type", "", "job type (see `tnad jobs`)").required().one_of(names)};
  for (const auto& p : t.params) s.push_back(p);
  return s;
}

}  // namespace

Config validate_config(const Value& doc, const std::string& name, const std::string& text) {
  Config c;
  c.file = name;
  c.text = text;
  c.document = doc;
  const Loc file_loc{name, 0, 0};

  for (const auto& f : doc.fields) {
    bool known = false;
    for (const char* s : kSections) known = known || f.key == s;
    if (!known) {
      std::string hint = closest_key(f.key, {"job", "optimizer", "output", "run", "sweep"});
      throw_error(f.key_loc.str(), ": unknown ",
                  f.value.kind == Value::Kind::table ? "table [" + shorten(f.key) + "]" : "key '" + shorten(f.key) + "'",
                  hint.empty() ? "" : " (did you mean [" + hint + "]?)",
                  "; a config has the tables [job], [optimizer], [output], [run], [sweep]");
    }
    if (f.value.kind != Value::Kind::table)
      throw_error(f.key_loc.str(), ": '", f.key, "' must be a table ([", f.key, "]), got ", f.value.type_name());
  }

  // [job]: its type selects the schema of the rest of the table.
  const Value* job = doc.find("job");
  if (!job) throw_error(name, ": missing [job] table (it names the job, e.g. [job] type = \"minimize\")");
  const Value* type = job->find("type");
  std::vector<std::string> names;
  for (const auto& jt : job_types()) names.push_back(jt.name);
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
  if (!type) throw_error(job->loc.line ? job->loc.str() : name, ": [job] missing required key 'type' (one of ", list, ")");
  if (type->kind != Value::Kind::string)
    throw_error(type->loc.str(), ": [job] type = ", shorten(type->to_toml()), ": expected a string, got ",
                type->type_name());
  const JobType* jt = find_job_type(type->s);
  if (!jt) {
    std::string hint = closest_key(type->s, names);
    throw_error(type->loc.str(), ": [job] type = ", shorten(type->to_toml()), ": unknown job",
                hint.empty() ? "" : " (did you mean \"" + hint + "\"?)", "; known jobs: ", list);
  }
  c.job_type = jt->name;
  c.job = validate_section(job, "job", job_schema(*jt), file_loc);

  // [optimizer]: shared keys + the chosen method's.
  const Value* opt = doc.find("optimizer");
  c.has_optimizer = jt->uses_optimizer;
  if (jt->uses_optimizer) {
    std::string method = "lbfgs";
    if (const Value::Field* m = opt ? opt->field("method") : nullptr) {
      // Validate `method` alone first: it selects the schema for the other keys.
      Value probe = Value::table();
      probe.loc = opt->loc;
      probe.fields.push_back(*m);
      method = validate_section(&probe, "optimizer", {optimizer_schema("lbfgs").front()}, file_loc).string("method");
    }
    c.optimizer = validate_section(opt, "optimizer", optimizer_schema(method), file_loc);
    if (method != "adam" && !(c.optimizer.number("c1") < c.optimizer.number("c2")))
      c.optimizer.fail("c2", "must be larger than c1 = " + shorten(c.optimizer.value("c1").to_toml()));
  } else if (opt) {
    throw_error(opt->loc.str(), ": [optimizer]: job '", jt->name, "' does not use an optimizer");
  }

  c.output = validate_section(doc.find("output"), "output", output_schema(), file_loc);
  c.run = validate_section(doc.find("run"), "run", run_schema(), file_loc);
  if (const Value* sw = doc.find("sweep")) c.sweep = *sw;
  return c;
}

Config parse_config(const std::string& text, const std::string& name) {
  return validate_config(parse_toml(text, name), name, text);
}

Config load_config(const std::string& path) {
  std::string text = read_text_file(path, "config file");
  return parse_config(text, path);
}

std::string Config::effective_toml() const {
  std::ostringstream os;
  os << "# effective config of " << file << " (every key, defaults filled in)\n";
  os << "\n[job]\n" << job.to_toml();
  if (has_optimizer) os << "\n[optimizer]\n" << optimizer.to_toml();
  os << "\n[output]\n" << output.to_toml();
  os << "\n[run]\n" << run.to_toml();
  return os.str();
}

std::string Config::digest() const {
  // key = value lines of every [job] and [optimizer] key, defaults filled in (no help text,
  // no file name: only what decides the result), hashed with FNV-1a-64
  std::string text;
  auto add = [&text](const Params& p) {
    for (const auto& q : p.schema()) text += p.section() + "." + q.key + " = " + p.value(q.key).to_toml() + "\n";
  };
  add(job);
  if (has_optimizer) add(optimizer);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string Config::trajectory_difference(const Config& o) const {
  if (job_type != o.job_type) return "[job] type";
  auto diff = [](const Params& a, const Params& b) -> std::string {
    for (const auto& p : a.schema()) {
      if (p.free_on_resume) continue;
      bool in_b = false;
      for (const auto& q : b.schema()) in_b = in_b || q.key == p.key;
      if (!in_b || a.value(p.key).to_toml() != b.value(p.key).to_toml())
        return "[" + a.section() + "] " + p.key;
    }
    for (const auto& q : b.schema()) {
      bool in_a = false;
      for (const auto& p : a.schema()) in_a = in_a || q.key == p.key;
      if (!in_a && !q.free_on_resume) return "[" + b.section() + "] " + q.key;
    }
    return "";
  };
  std::string d = diff(job, o.job);
  if (d.empty() && has_optimizer) d = diff(optimizer, o.optimizer);
  return d;
}

}  // namespace tnad::runs
