// `tnad merge DIR -o OUT`: the task files of a sweep directory -> one table.
#include <algorithm>
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

}  // namespace

std::string merge_sweep(const std::string& dir, const std::string& out) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw_error(dir, ": not a directory (give the sweep's output directory)");

  // Task files present: task-NNNN.h5
  std::map<int64_t, std::string> found;
  static const std::regex pattern(R"(task-(\d+)\.h5)");
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, m, pattern)) found[std::stoll(m[1].str())] = e.path().string();
  }

  // With the sweep's config every task is known, missing ones included.
  std::optional<Sweep> sweep;
  std::string sweep_text;
  const fs::path manifest = fs::path(dir) / "sweep.toml";
  if (fs::exists(manifest, ec)) {
    sweep_text = read_text_file(manifest.string());
    sweep.emplace(parse_config(sweep_text, manifest.string()));
  }
  if (!sweep && found.empty()) throw_error(dir, ": no task-NNNN.h5 files and no sweep.toml: not a sweep directory");

  std::vector<std::string> axes;
  std::vector<Row> rows;
  const int64_t count = sweep ? sweep->size() : (found.empty() ? 0 : found.rbegin()->first + 1);
  if (sweep)
    for (const auto& a : sweep->axes()) axes.push_back(a.name);
  for (int64_t i = 0; i < count; ++i) {
    if (!sweep && !found.count(i)) continue;
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
    if (!fs::exists(file, ec)) {
      r.status = "missing";
    } else {
      try {
        Group root = read_h5(file);
        check_run_file(root, file);
        const Group& m = root.group("meta");
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
            for (std::string s; std::getline(ss, s, ',');) axes.push_back(s);
          }
        }
        if (root.has_group("results")) {
          r.has_results = true;
          r.results_group = root.group("results");
          r.stop_reason = r.results_group.attr_string_or("stop_reason", "");
          for (const auto& [k, d] : r.results_group.datasets)
            if (d.numel() == 1 && !d.is_string()) r.results[k] = d.as_doubles()[0];
        }
      } catch (const Error& e) {
        r.status = "unreadable";
        r.error = e.what();
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
  write_h5_atomic(out, root);

  std::string summary = std::to_string(rows.size()) + " tasks:";
  bool first = true;
  for (const char* s : {"finished", "running", "interrupted", "failed", "starting", "missing", "unreadable"})
    if (counts[s]) {
      summary += std::string(first ? " " : ", ") + std::to_string(counts[s]) + " " + s;
      first = false;
    }
  return summary;
}

}  // namespace tnad::runs
