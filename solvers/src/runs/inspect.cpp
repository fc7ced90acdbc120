// `tnad inspect FILE`: a human summary of a run file or a merged sweep.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "runs/run_file.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/sweep.hpp"

namespace tnad::runs {

namespace {

std::string fmt(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.12g", v);
  return b;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string o = "[";
  for (std::size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
  return o + "]";
}

// Element i of a numeric dataset: integers exactly (a round trip through double is
// undefined for those near the ends of int64), doubles to 12 digits.
std::string element(const Dataset& d, std::size_t i) {
  return d.is_int() ? std::to_string(d.ints()[i]) : fmt(d.doubles()[i]);
}

// "1.5", "[1, 1, ... ] (shape [100])", or the string.
std::string summarize(const Dataset& d) {
  if (d.is_string()) {
    const auto& v = d.strings();
    if (v.size() == 1) {
      std::string q(1, '"');  // (not "\"" + ...: GCC 12 warns -Wrestrict on that)
      q += shorten(v[0]);
      q += '"';
      return q;
    }
    return std::to_string(v.size()) + " strings";
  }
  const std::size_t n = d.is_int() ? d.ints().size() : d.doubles().size();
  if (n == 0) return "[] (shape " + shape_text(d.shape) + ")";
  if (d.shape.empty() || n == 1) return element(d, 0);
  std::string o = "[";
  for (std::size_t i = 0; i < n && i < 6; ++i) o += (i ? ", " : "") + element(d, i);
  if (n > 6) o += ", ...";
  return o + "] (shape " + shape_text(d.shape) + ")";
}

std::string indent(const std::string& text, const std::string& pad) {
  std::istringstream is(text);
  std::string out, line;
  while (std::getline(is, line)) out += pad + line + "\n";
  return out;
}

std::string describe_run(const Group& root, const std::string& path) {
  std::ostringstream os;
  const Group& m = root.group("meta");
  auto a = [&](const char* k) { return shorten(m.attr_string_or(k, "-")); };
  os << path << ": tnad run file (format " << root.attr_int("format_version") << ")\n";
  os << "  job        " << a("job") << "\n";
  os << "  status     " << a("status");
  if (!m.attr_string_or("error", "").empty()) os << " -- " << shorten(m.attr_string("error"), 2000);
  os << "\n";
  os << "  tnad       " << a("tnad_version") << " (git " << a("git_revision") << "), host " << a("host")
     << ", threads " << a("threads") << "\n";
  os << "  time       started " << a("start_time") << ", ended " << (a("end_time").empty() ? "-" : a("end_time"))
     << ", resumes " << a("resumes") << "\n";
  os << "  config     " << a("config_file") << "\n";
  if (m.has_group("task")) {
    const Group& t = m.group("task");
    os << "  task       " << shorten(t.attr_string_or("index", "?"), 40) << " of "
       << shorten(t.attr_string_or("count", "?"), 40);
    if (t.has_group("params")) {
      std::string p;
      for (const auto& [k, v] : t.group("params").attrs)
        p += (p.empty() ? "" : ", ") + shorten(k, 80) + " = " + shorten(to_string(v), 80);
      os << " (" << p << ")";
    }
    os << "\n";
  }
  if (root.has_group("history")) {
    History h = History::read(root.group("history"));
    os << "  history    " << h.steps.size() << " rows";
    if (!h.steps.empty()) {
      os << ", steps " << h.steps.front() << ".." << h.steps.back() << "\n  last step  " << h.steps.back();
      for (const auto& [name, v] : h.columns) os << "  " << name << " " << fmt(v.back());
      os << "  (" << fmt(h.seconds.back()) << " s)";
    }
    os << "\n";
  }
  if (root.has_group("state")) {
    const Group& st = root.group("state");
    bool ok = st.has_attr("digest") && st.attr_string("digest") == digest_hex(st);
    os << "  state      step " << st.attr_string_or("step", "?") << ", checksum " << (ok ? "ok" : "MISMATCH") << "\n";
  } else {
    os << "  state      none\n";
  }
  if (root.has_group("results")) {
    const Group& r = root.group("results");
    os << "  results    stop_reason " << shorten(r.attr_string_or("stop_reason", "-")) << "\n";
    for (const auto& [k, d] : r.datasets) os << "    " << shorten(k) << " = " << summarize(d) << "\n";
  } else {
    os << "  results    none yet\n";
  }
  if (m.has_dataset("config") && m.dataset("config").is_string() && m.dataset("config").strings().size() == 1) {
    os << "  config (effective):\n" << indent(m.dataset("config").string("/meta/config"), "    ");
  }
  return os.str();
}

std::string describe_sweep(const Group& root, const std::string& path) {
  std::ostringstream os;
  const Group& m = root.group("meta");
  const Group& t = root.group("tasks");
  const auto& idx = t.dataset("index").ints("/tasks/index");
  const auto& status = t.dataset("status").strings("/tasks/status");
  // every column must have a row per task (a hostile or damaged file must not be read past its end)
  auto check_rows = [&](const std::string& name, const Dataset& d) {
    if (d.shape.size() != 1 || std::size_t(d.numel()) != idx.size())
      throw_error(shorten(path, 1024), ": corrupted merged sweep: ", shorten(name), " has ", d.numel(),
                  " values, /tasks/index ", idx.size());
  };
  check_rows("/tasks/status", t.dataset("status"));
  os << path << ": merged tnad sweep (format " << root.attr_int("format_version") << "), " << idx.size()
     << " tasks from " << m.attr_string_or("source_dir", "?") << "\n";
  std::vector<std::string> cols = {"task"};
  std::vector<const Dataset*> data = {nullptr};
  if (t.has_group("params"))
    for (const auto& [k, d] : t.group("params").datasets) {
      check_rows("/tasks/params/" + k, d);
      cols.push_back(shorten(k, 80));
      data.push_back(&d);
    }
  cols.push_back("status");
  data.push_back(nullptr);
  int shown = 0;
  if (t.has_group("results"))
    for (const auto& [k, d] : t.group("results").datasets) {
      if (shown++ >= 4) break;
      check_rows("/tasks/results/" + k, d);
      cols.push_back(shorten(k, 80));
      data.push_back(&d);
    }
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (c == 0) row.push_back(std::to_string(idx[i]));
      else if (!data[c]) row.push_back(shorten(status[i], 80));
      else if (data[c]->is_string()) row.push_back(shorten(data[c]->strings()[i], 80));
      else if (data[c]->is_double() && std::isnan(data[c]->doubles()[i])) row.push_back("-");
      else row.push_back(element(*data[c], i));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> w(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) {
    w[c] = cols[c].size();
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    os << "  ";
    for (std::size_t c = 0; c < r.size(); ++c) os << r[c] << (c + 1 < r.size() ? std::string(w[c] - r[c].size() + 2, ' ') : "");
    os << "\n";
  };
  line(cols);
  for (const auto& r : rows) line(r);
  return os.str();
}

}  // namespace

std::string describe_file(const std::string& path) {
  // The format first, from the attributes alone: a foreign file's data is never read.
  const Group top_attrs = read_h5_attrs(path, "/");
  const std::string fmt = top_attrs.attr_string_or("format", "");
  if (!top_attrs.has_attr("format")) {
    std::string top;
    for (const auto& n : list_h5_group(path, "/")) top += (top.empty() ? "" : ", ") + n;
    throw_error(shorten(path, 1024), ": not a tnad file (a foreign HDF5 file; top level: ",
                top.empty() ? std::string("empty") : shorten(top, 400), ")");
  }
  if (fmt != "tnad-sweep" && fmt != "tnad-run")
    throw_error(shorten(path, 1024), ": not a tnad file (format '", shorten(fmt, 80), "')");
  Group root = read_h5(path);
  if (fmt == "tnad-sweep") return describe_sweep(root, path);
  check_run_file(root, path);
  return describe_run(root, path);
}

}  // namespace tnad::runs
