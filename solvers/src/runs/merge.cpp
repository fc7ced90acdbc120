// `tnad merge DIR -o OUT`: the task files of a sweep directory -> one table.
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "runs/internal.hpp"
#include "runs/run_file.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/sweep.hpp"
#include "tnad/ad/version.hpp"

namespace tnad::runs {

namespace fs = std::filesystem;

namespace {

struct Row {
  int64_t index = 0;
  std::string file, status, error, stop_reason;
  int64_t steps = 0;
  std::map<std::string, Attribute> params;
  std::map<std::string, double> results;
  Group results_group;
  bool has_results = false;
};

// A column of parameter values: int64 if all integers, float64 if all numbers, else strings.
Dataset param_column(const std::vector<Row>& rows, const std::string& name) {
  bool all_int = true, all_num = true;
  for (const auto& r : rows) {
    auto it = r.params.find(name);
    if (it == r.params.end()) { all_int = false; continue; }
    if (!std::holds_alternative<int64_t>(it->second)) all_int = false;
    if (std::holds_alternative<std::string>(it->second)) all_num = false;
  }
  if (all_int) {
    std::vector<int64_t> v;
    for (const auto& r : rows) v.push_back(std::get<int64_t>(r.params.at(name)));
    return Dataset::of(v);
  }
  if (all_num) {
    std::vector<double> v;
    for (const auto& r : rows) {
      auto it = r.params.find(name);
      if (it == r.params.end()) v.push_back(std::nan(""));
      else if (auto* i = std::get_if<int64_t>(&it->second)) v.push_back(double(*i));
      else v.push_back(std::get<double>(it->second));
    }
    return Dataset::of(v);
  }
  std::vector<std::string> v;
  for (const auto& r : rows) {
    auto it = r.params.find(name);
    v.push_back(it == r.params.end() ? "" : to_string(it->second));
  }
  return Dataset::of(v);
}

bool same_directory(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

std::string merge_sweep(const std::string& dir, const std::string& out, const MergeOptions& mo) {
  if (dir.empty()) throw_error("the sweep directory name is empty");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw_error(shorten(dir, 1024), ": not a directory (give the sweep's output directory)");
  if (out.empty()) throw_error("the output file name is empty; give a file name with -o");

  // Task files present: task-NNNN.h5 (a number too large for any sweep is not a task file).
  std::map<int64_t, std::string> found;
  std::vector<std::string> inputs;
  static const std::regex pattern(R"(task-(\d+)\.h5)");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string name = it->path().filename().string();
    if (!std::regex_match(name, m, pattern)) continue;
    const std::string digits = m[1].str();
    int64_t index = 0;
    auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (err != std::errc() || ptr != digits.data() + digits.size()) continue;
    inputs.push_back(it->path().string());
    found[index] = it->path().string();
  }
  if (ec) throw_error(shorten(dir, 1024), ": cannot list the directory: ", ec.message());

  // With the sweep's config every task is known, missing ones included.
  std::optional<Sweep> sweep;
  std::string sweep_text;
  const std::string manifest = (fs::path(dir) / "sweep.toml").string();
  if (file_kind(manifest) != "missing") {
    sweep_text = read_text_file(manifest, "sweep manifest");
    sweep.emplace(parse_config(sweep_text, manifest));
    inputs.push_back(manifest);
  }
  if (!sweep && found.empty())
    throw_error(shorten(dir, 1024), ": no task-NNNN.h5 files and no sweep.toml: not a sweep directory");

  // The output: never a file merged now, nor one named like a file of DIR (merged next time).
  {
    const fs::path o(out);
    const std::string parent = o.parent_path().empty() ? std::string(".") : o.parent_path().string();
    const std::string name = o.filename().string();
    if ((std::regex_match(name, pattern) || name == "sweep.toml") && same_directory(parent, dir))
      throw_error(shorten(out, 1024), ": is named like a file of the sweep directory it merges (task-NNNN.h5, ",
                  "sweep.toml); give another output name (--overwrite does not change that)");
  }
  OutputRules rules;
  rules.overwrite = mo.overwrite;
  rules.inputs = inputs;
  const OutputTarget target = check_output(out, rules);

  std::vector<std::string> axes;
  std::vector<Row> rows;
  if (sweep)
    for (const auto& a : sweep->axes()) axes.push_back(a.name);
  std::vector<int64_t> indices;
  if (sweep) {
    for (int64_t i = 0; i < sweep->size(); ++i) indices.push_back(i);
  } else {
    for (const auto& [i, f] : found) indices.push_back(i);
  }
  for (int64_t i : indices) {
    Row r;
    r.index = i;
    const std::string file = sweep ? sweep->task_file(dir, i) : found[i];
    r.file = fs::path(file).filename().string();
    if (sweep)
      for (const auto& [name, v] : sweep->params(i)) {
        if (v.kind == Value::Kind::integer) r.params[name] = v.i;
        else if (v.kind == Value::Kind::floating) r.params[name] = v.f;
        else if (v.kind == Value::Kind::string) r.params[name] = v.s;
        else r.params[name] = v.to_toml();
      }
    if (file_kind(file) == "missing") {
      r.status = "missing";
    } else {
      try {
        Group root = read_h5(file);
        check_run_file(root, file);
        const Group& m = root.group("meta");
        const std::string why = sweep ? run_file_mismatch(m, file, sweep->task_config(i), i, Trust::same_config)
                                      : task_index_mismatch(m, file, i);
        if (!why.empty()) {
          r.status = "mismatched";
          r.error = why;
          if (mo.problems) mo.problems->push_back(why);
          rows.push_back(std::move(r));
          continue;
        }
        r.status = m.attr_string_or("status", "unknown");
        r.error = m.attr_string_or("error", "");
        if (root.has_group("state") && root.group("state").has_attr("step"))
          r.steps = root.group("state").attr_int("step");
        if (!sweep && m.has_group("task")) {
          const Group& t = m.group("task");
          if (t.has_group("params"))
            for (const auto& [k, v] : t.group("params").attrs) r.params[k] = v;
          if (axes.empty()) {
            std::stringstream ss(t.attr_string_or("axes", ""));
            for (std::string a; std::getline(ss, a, ',');) axes.push_back(a);
          }
        }
        if (root.has_group("results")) {
          r.has_results = true;
          r.results_group = root.group("results");
          r.stop_reason = r.results_group.attr_string_or("stop_reason", "");
          for (const auto& [k, d] : r.results_group.datasets)
            if (d.numel() == 1 && !d.is_string()) r.results[k] = d.as_doubles()[0];
        }
      } catch (const std::exception& e) {  // tnad::Error, or a hostile file's std::out_of_range
        r.status = "unreadable";
        r.error = e.what();
        if (mo.problems) mo.problems->push_back(e.what());
      }
    }
    rows.push_back(std::move(r));
  }

  Group root("/");
  root.set("format", "tnad-sweep");
  root.set("format_version", int64_t(kSweepFormatVersion));
  Group& meta = root.group("meta");
  meta.set("tnad_version", tnad::version());
  meta.set("git_revision", tnad::git_revision());
  meta.set("created", utc_now());
  meta.set("host", host_name());
  meta.set("source_dir", fs::absolute(dir, ec).string());
  meta.set("task_count", int64_t(rows.size()));
  if (!sweep_text.empty()) meta.put("sweep_config", Dataset::scalar(sweep_text));

  Group& tasks = root.group("tasks");
  std::vector<int64_t> idx, steps;
  std::vector<std::string> files, status, errors, reasons;
  std::map<std::string, int> counts;
  for (const auto& r : rows) {
    idx.push_back(r.index);
    steps.push_back(r.steps);
    files.push_back(r.file);
    status.push_back(r.status);
    errors.push_back(r.error);
    reasons.push_back(r.stop_reason);
    ++counts[r.status];
  }
  tasks.put("index", Dataset::of(idx));
  tasks.put("file", Dataset::of(files));
  tasks.put("status", Dataset::of(status));
  tasks.put("error", Dataset::of(errors));
  tasks.put("stop_reason", Dataset::of(reasons));
  tasks.put("steps", Dataset::of(steps));
  std::string axes_attr;
  Group& params = tasks.group("params");
  for (const auto& a : axes) {
    params.put(a, param_column(rows, a));
    axes_attr += (axes_attr.empty() ? "" : ",") + a;
  }
  tasks.set("axes", axes_attr);
  std::vector<std::string> result_names;
  for (const auto& r : rows)
    for (const auto& [k, v] : r.results)
      if (std::find(result_names.begin(), result_names.end(), k) == result_names.end()) result_names.push_back(k);
  std::sort(result_names.begin(), result_names.end());
  Group& results = tasks.group("results");
  for (const auto& name : result_names) {
    std::vector<double> col;
    for (const auto& r : rows) {
      auto it = r.results.find(name);
      col.push_back(it == r.results.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
    }
    results.put(name, Dataset::of(col));
  }
  Group& runs = root.group("runs");
  for (const auto& r : rows)
    if (r.has_results) {
      Group& t = runs.group(fs::path(r.file).stem().string());
      t.set("status", r.status);
      t.groups["results"] = r.results_group;
    }
  write_h5_atomic(target.path, root);

  std::string summary = std::to_string(rows.size()) + " tasks:";
  bool first = true;
  for (const char* s :
       {"finished", "running", "interrupted", "failed", "starting", "missing", "unreadable", "mismatched"})
    if (counts[s]) {
      summary += std::string(first ? " " : ", ") + std::to_string(counts[s]) + " " + s;
      first = false;
    }
  return summary;
}

}  // namespace tnad::runs
