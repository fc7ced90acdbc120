#include "tnad/solvers/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runs/internal.hpp"
#include "runs/run_file.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"

namespace tnad::runs {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxTasks = 10'000'000;

// An inline table with start/stop is a range; anything else that is a table groups axes.
bool is_range(const Value& v) {
  return v.kind == Value::Kind::table && (v.find("start") || v.find("stop"));
}

std::vector<Value> expand_range(const Value& r, const std::string& name) {
  auto bad = [&](const Loc& l, const std::string& msg) -> std::vector<Value> {
    throw_error(l.str(), ": [sweep] ", shorten(name), ": ", msg);
  };
  for (const auto& f : r.fields)
    if (f.key != "start" && f.key != "stop" && f.key != "num" && f.key != "step" && f.key != "log")
      return bad(f.key_loc, "unknown range key '" + shorten(f.key) + "' (use start, stop and num or step, optional log)");
  const Value* start = r.find("start");
  const Value* stop = r.find("stop");
  const Value* num = r.find("num");
  const Value* step = r.find("step");
  const Value* log = r.find("log");
  if (!start || !stop) return bad(r.loc, "a range needs start and stop");
  if (!start->is_number()) return bad(start->loc, "start must be a number, got " + start->type_name());
  if (!stop->is_number()) return bad(stop->loc, "stop must be a number, got " + stop->type_name());
  for (const Value* v : {start, stop})
    if (!std::isfinite(v->number()))
      return bad(v->loc, std::string(v == start ? "start" : "stop") + " = " + v->to_toml() + ": must be a finite number");
  if (bool(num) == bool(step)) return bad(r.loc, "a range needs exactly one of num and step");
  if (log && log->kind != Value::Kind::boolean)
    return bad(log->loc, "log = " + shorten(log->to_toml()) + ": must be true or false");
  const bool is_log = log && log->b;
  const double a = start->number(), b = stop->number();
  std::vector<Value> out;
  auto add = [&](double v) {
    Value x = Value::floating(v);
    x.loc = r.loc;
    out.push_back(std::move(x));
  };
  if (num) {
    if (num->kind != Value::Kind::integer || num->i < 1 || num->i > kMaxTasks)
      return bad(num->loc, "num = " + shorten(num->to_toml()) + ": must be an integer in [1, " +
                               std::to_string(kMaxTasks) + "]");
    if (is_log && !(a > 0 && b > 0)) return bad(r.loc, "log ranges need start > 0 and stop > 0");
    const int64_t n = num->i;
    const bool wide = !std::isfinite(b - a);  // e.g. -1e308 .. 1e308: interpolate without b - a
    for (int64_t k = 0; k < n; ++k) {
      double t = n == 1 ? 0.0 : double(k) / double(n - 1);
      double v = is_log ? a * std::pow(b / a, t) : wide ? (1.0 - t) * a + t * b : a + (b - a) * t;
      if (k == n - 1) v = b;  // the end exactly
      add(v);
    }
    return out;
  }
  if (is_log) return bad(log->loc, "log = true needs num, not step");
  if (!step->is_number() || step->number() == 0.0 || !std::isfinite(step->number()))
    return bad(step->loc, "step = " + shorten(step->to_toml()) + ": must be a finite, non-zero number");
  const std::string too_many = "range has more than " + std::to_string(kMaxTasks) + " values";
  if (start->kind == Value::Kind::integer && stop->kind == Value::Kind::integer && step->kind == Value::Kind::integer) {
    // exact integer arithmetic (doubles lose integers beyond 2^53)
    const __int128 ia = start->i, ib = stop->i, ih = step->i;
    if ((ib - ia) * (ih > 0 ? 1 : -1) < 0) return bad(step->loc, "step goes away from stop");
    const __int128 count = (ib - ia) / ih + 1;
    if (count > kMaxTasks) return bad(r.loc, too_many);
    for (__int128 k = 0; k < count; ++k) {
      Value x = Value::integer(int64_t(ia + k * ih));
      x.loc = r.loc;
      out.push_back(std::move(x));
    }
    return out;
  }
  const double h = step->number();
  const double span = (b - a) / h;  // finite or +-inf, never NaN (a, b, h finite, h != 0)
  if (span < 0) return bad(step->loc, "step goes away from stop");
  // stop is included when it is hit up to round-off (0.1 steps are not exact in binary)
  const double count = std::floor(span + 1e-9) + 1;
  if (!(count <= double(kMaxTasks))) return bad(r.loc, too_many);
  for (int64_t k = 0; k < int64_t(count); ++k) add(a + double(k) * h);
  return out;
}

void collect_axes(const Value& table, const std::string& prefix, std::vector<Axis>& axes) {
  for (const auto& f : table.fields) {
    const std::string name = prefix.empty() ? f.key : prefix + "." + f.key;
    const Value& v = f.value;
    Axis ax;
    ax.name = name;
    ax.loc = f.key_loc;
    if (v.kind == Value::Kind::array) {
      if (v.items.empty()) throw_error(f.key_loc.str(), ": [sweep] ", shorten(name), ": an axis needs at least one value");
      ax.values = v.items;
    } else if (is_range(v)) {
      ax.values = expand_range(v, name);
    } else if (v.kind == Value::Kind::table) {
      collect_axes(v, name, axes);
      continue;
    } else {
      throw_error(f.key_loc.str(), ": [sweep] ", shorten(name), " = ", shorten(v.to_toml()),
                  ": an axis is a list of values or a range { start, stop, num | step }");
    }
    axes.push_back(std::move(ax));
  }
}

}  // namespace

Sweep::Sweep(const Config& base) : base_(base) {
  collect_axes(base.sweep, "", axes_);
  std::stable_sort(axes_.begin(), axes_.end(), [](const Axis& a, const Axis& b) {
    return std::pair(a.loc.line, a.loc.column) < std::pair(b.loc.line, b.loc.column);
  });
  for (const auto& ax : axes_) {
    auto dot = ax.name.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == ax.name.size())
      throw_error(ax.loc.str(), ": [sweep] axis '", shorten(ax.name), "' must be SECTION.KEY, e.g. \"job.dim\"");
    const std::string section = ax.name.substr(0, dot);
    if (section != "job" && section != "optimizer" && section != "run")
      throw_error(ax.loc.str(), ": [sweep] axis '", shorten(ax.name), "': only [job], [optimizer] and [run] keys can be swept");
    if (ax.name == "job.type") throw_error(ax.loc.str(), ": [sweep] the job type cannot be swept");
    for (const auto& other : axes_)
      if (&other != &ax && other.name == ax.name)
        throw_error(ax.loc.str(), ": [sweep] axis '", shorten(ax.name), "' is given twice");
    if (ax.values.empty()) throw_error(ax.loc.str(), ": [sweep] axis '", shorten(ax.name), "' has no values");
    if (size_ > kMaxTasks / int64_t(ax.values.size()))
      throw_error(ax.loc.str(), ": [sweep] more than ", kMaxTasks, " tasks");
    size_ *= int64_t(ax.values.size());
  }
  if (axes_.empty()) throw_error(base.file, ": no [sweep] axes (add e.g. [sweep] \"job.dim\" = [2, 10])");
  // Every task must be a valid config; reporting the first bad one now beats failing later.
  // (Sweeps of very many tasks check a value once per axis instead of every combination.)
  if (size_ <= 100000) {
    for (int64_t i = 0; i < size_; ++i) task_config(i);
  } else {
    for (std::size_t a = 0; a < axes_.size(); ++a)
      for (std::size_t k = 0; k < axes_[a].values.size(); ++k) {
        int64_t stride = 1;
        for (std::size_t b = a + 1; b < axes_.size(); ++b) stride *= int64_t(axes_[b].values.size());
        task_config(int64_t(k) * stride);
      }
  }
}

void Sweep::check_index(int64_t task) const {
  if (task < 0 || task >= size_)
    throw_error("sweep: task ", task, " does not exist; ", base_.file, " has tasks 0..", size_ - 1);
}

std::vector<std::pair<std::string, Value>> Sweep::params(int64_t task) const {
  check_index(task);
  std::vector<std::pair<std::string, Value>> out(axes_.size());
  int64_t rest = task;
  for (std::size_t a = axes_.size(); a-- > 0;) {  // last axis fastest
    const int64_t n = int64_t(axes_[a].values.size());
    out[a] = {axes_[a].name, axes_[a].values[std::size_t(rest % n)]};
    rest /= n;
  }
  return out;
}

Config Sweep::task_config(int64_t task) const {
  Value doc = base_.document;
  doc.erase("sweep");
  for (auto& [name, v] : params(task)) {
    const auto dot = name.find('.');
    const std::string section = name.substr(0, dot), key = name.substr(dot + 1);
    Value* sec = doc.find(section);
    if (!sec) {
      doc.set(section, Value::table());
      sec = doc.find(section);
    }
    Value val = v;
    val.swept = true;
    sec->set(key, std::move(val), v.loc);
  }
  return validate_config(doc, base_.file, base_.text);
}

std::string Sweep::describe(int64_t task) const {
  std::string o;
  for (const auto& [name, v] : params(task)) o += (o.empty() ? "" : ", ") + shorten(name, 80) + " = " + shorten(v.to_toml(), 80);
  return o;
}

std::string Sweep::task_file(const std::string& dir, int64_t task) const {
  int width = 4;
  for (int64_t n = size_ - 1; n >= 10000; n /= 10) ++width;
  char buf[64];
  std::snprintf(buf, sizeof buf, "task-%0*lld.h5", width, static_cast<long long>(task));
  return (fs::path(dir) / buf).string();
}

Group Sweep::task_group(int64_t task, const std::string& dir) const {
  Group g("/meta/task");
  g.set("index", task);
  g.set("count", size_);
  g.set("sweep_dir", dir);
  g.set("sweep_config_file", base_.file);
  Group& p = g.group("params");
  std::string order;
  for (const auto& [name, v] : params(task)) {
    order += (order.empty() ? "" : ",") + name;
    switch (v.kind) {
      case Value::Kind::integer: p.set(name, v.i); break;
      case Value::Kind::floating: p.set(name, v.f); break;
      case Value::Kind::boolean: p.set(name, int64_t(v.b)); break;
      case Value::Kind::string: p.set(name, v.s); break;
      default: p.set(name, v.to_toml()); break;
    }
  }
  g.set("axes", order);
  return g;
}

std::string default_sweep_dir(const Config& base) {
  const std::string& d = base.output.string("dir");
  if (!d.empty()) return d;
  std::string name = base.file;
  if (name.rfind("builtin:", 0) == 0) name = name.substr(8);
  return fs::path(name).stem().string() + "-sweep";
}

void prepare_sweep_dir(const std::string& dir, const Config& base) {
  if (dir.empty()) throw_error("the sweep directory name is empty; give a directory with -o DIR");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) {
    std::string kind = file_kind(dir);
    throw_error(shorten(dir, 1024), ": cannot create the sweep directory", ec ? ": " + ec.message() : std::string(),
                kind == "missing" ? std::string() : " (" + (kind.empty() ? std::string("a file") : kind) + " of that name exists)");
  }
  const std::string manifest = (fs::path(dir) / "sweep.toml").string();
  if (file_kind(manifest) != "missing") {
    if (read_text_file(manifest, "sweep manifest") != base.text)
      throw_error(shorten(dir, 1024), ": holds a different sweep (its sweep.toml differs from ", base.file,
                  "); use another directory (-o DIR) or remove it");
    return;
  }
  // Written atomically under a unique temporary name: tasks of a SLURM array may start at
  // the same moment, and each writes the same text.
  write_file_atomic(manifest, base.text);
}

std::string task_status(const Sweep& sweep, int64_t task, const std::string& dir) {
  const std::string file = sweep.task_file(dir, task);
  if (file_kind(file) == "missing") return "missing";
  try {
    Group meta = read_h5_group(file, "/meta");
    if (!run_file_mismatch(meta, file, sweep.task_config(task), task, Trust::same_config).empty()) return "mismatched";
    return meta.attr_string_or("status", "unreadable");
  } catch (const std::exception&) {
    return "unreadable";
  }
}

namespace {

void write_failure_file(const std::string& file, const Config& cfg, const Group& task, const std::string& error) {
  Group root("/");
  root.set("format", "tnad-run");
  root.set("format_version", int64_t(kRunFormatVersion));
  Group& m = root.group("meta");
  m.set("status", "failed");
  m.set("error", error);
  m.set("job", cfg.job_type);
  m.set("config_file", cfg.file);
  m.set("config_digest", cfg.digest());
  m.put("config", Dataset::scalar(cfg.effective_toml()));
  m.set("start_time", utc_now());
  m.set("end_time", utc_now());
  m.set("host", host_name());
  m.put("config_input", Dataset::scalar(cfg.text));
  m.groups["task"] = task;
  write_h5_atomic(file, root);
}

}  // namespace

TaskOutcome run_task(const Sweep& sweep, int64_t task, const std::string& dir, const SweepOptions& o) {
  TaskOutcome t;
  t.task = task;
  const std::string file = sweep.task_file(dir, task);
  Config cfg = sweep.task_config(task);
  // Skipped only when the file is this task's, of this config, and finished; any other file
  // goes to run(), whose resume refuses a file of another task or computation untouched.
  if (task_status(sweep, task, dir) == "finished") {
    t.status = "skipped";
    t.message = "already finished";
    return t;
  }
  Group tg = sweep.task_group(task, dir);
  RunOptions ro;
  ro.output = file;
  ro.resume = true;
  ro.threads = o.threads;
  ro.quiet = o.quiet || !o.progress;
  ro.label = "task " + std::to_string(task);
  ro.command = o.command;
  ro.task = tg;
  try {
    RunOutcome r = run(cfg, ro);
    t.status = to_string(r.status);
    t.signal = r.signal;
    t.message = r.status == RunStatus::failed ? r.error
                : r.status == RunStatus::finished ? r.stop_reason + " after " + std::to_string(r.steps) + " steps"
                                                   : "interrupted at step " + std::to_string(r.steps);
  } catch (const std::exception& e) {
    t.status = "failed";
    t.message = e.what();
    if (file_kind(file) == "missing") {
      try {
        write_failure_file(file, cfg, tg, e.what());
      } catch (const std::exception&) {
        // the directory itself is unusable: the message above says why
      }
    }
  }
  return t;
}

std::string list_tasks(const Sweep& s, const std::string& dir) {
  std::ostringstream os;
  os << s.size() << " tasks (" << s.base().file << ", output " << dir << "/)\n";
  std::vector<std::string> header = {"task"};
  for (const auto& ax : s.axes()) header.push_back(ax.name);
  header.push_back("status");
  std::vector<std::vector<std::string>> rows;
  for (int64_t i = 0; i < s.size(); ++i) {
    std::vector<std::string> row = {std::to_string(i)};
    for (const auto& [name, v] : s.params(i)) row.push_back(shorten(v.to_toml(), 80));
    row.push_back(task_status(s, i, dir));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> w(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    w[c] = header[c].size();
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size(); ++c)
      os << r[c] << (c + 1 < r.size() ? std::string(w[c] - r[c].size() + 2, ' ') : "");
    os << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return os.str();
}

}  // namespace tnad::runs
