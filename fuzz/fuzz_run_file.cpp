// Fuzz target: the content of HDF5 run files. Where fuzz_h5_bytes.cpp mutates bytes (and
// mostly meets HDF5's checksums), this one edits valid run files at the level tnad reads
// them — attributes, datasets, groups — writes the edited tree as a well-formed HDF5 file
// and reads it every way tnad reads run files (run_file_reader.hpp). The /state digest is
// recomputed after the edits (unless the script says not to), as a user editing a file with
// h5py and re-stamping it would, so that the job's load_state meets the edited state.
//
// Seeds: the run files of fuzz/corpus/h5_bytes (read once at start).
// Input: [0] seed index (bit 7: keep the stale digest), then 4-byte edits
//        [op, node lo, node hi, argument]; nodes are numbered in a depth-first walk
//        (attributes, datasets, dataset attributes, subgroups) after each edit.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "run_file_reader.hpp"

using namespace tnad;
using namespace tnad::runs;

namespace {

std::vector<Group>& seeds() {
  static std::vector<Group> s;
  return s;
}

struct Node {
  Group* group;
  enum Kind { attr, dataset, dataset_attr, subgroup } kind;
  std::string name;       // attribute, dataset or subgroup name
  std::string attr_name;  // dataset_attr: the attribute of dataset `name`
};

void collect(Group& g, std::vector<Node>& out) {
  for (auto& [k, a] : g.attrs) out.push_back({&g, Node::attr, k, ""});
  for (auto& [k, d] : g.datasets) {
    out.push_back({&g, Node::dataset, k, ""});
    for (auto& [ak, a] : d.attrs) out.push_back({&g, Node::dataset_attr, k, ak});
  }
  for (auto& [k, sub] : g.groups) {
    out.push_back({&g, Node::subgroup, k, ""});
    collect(sub, out);
  }
}

const int64_t kInts[] = {0, 1, -1, 2, 3, 7, 100, 1000000, int64_t(1) << 31,
                         std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), -2};
const double kDoubles[] = {0.0, -0.0, 1.0, -1.0, std::nan(""), INFINITY, -INFINITY, 1e308, 5e-324, 0.5, 1e6, 2.0};
const char* const kStrings[] = {"", "tnad-run", "tnad-sweep", "finished", "running", "failed", "x",
                                "[job]\ntype = \"minimize\"\n", "0", "grad_tol", "a,b,,c", "step"};
const char* const kNames[] = {"step", "seconds", "config", "digest", "x", "format", "format_version",
                              "status", "columns", "optimizer", "job", "history"};

template <class T, std::size_t N>
const T& pick(const T (&table)[N], uint8_t arg) { return table[arg % N]; }

std::vector<double> as_double_vector(const Dataset& d) {
  if (d.is_double()) return d.doubles();
  if (d.is_int()) return std::vector<double>(d.ints().begin(), d.ints().end());
  return std::vector<double>(d.strings().size(), 1.0);
}

void set_shape_1d(Dataset& d, std::size_t n) {
  if (d.shape.size() != 1 || int64_t(n) != d.shape[0]) d.shape = {int64_t(n)};
}

void edit_dataset(Dataset& d, uint8_t op, uint8_t arg) {
  const std::size_t n = std::size_t(d.numel());
  switch (op) {
    case 4: {  // change the element type, keeping the shape
      if (d.is_double()) {
        std::vector<int64_t> v;
        for (double x : d.doubles()) v.push_back(std::isfinite(x) ? int64_t(std::clamp(x, -1e18, 1e18)) : 0);
        d.data = std::move(v);
      } else if (d.is_int()) {
        d.data = std::vector<std::string>(n, pick(kStrings, arg));
      } else {
        d.data = std::vector<double>(n, pick(kDoubles, arg));
      }
      break;
    }
    case 5: {  // keep the first k elements (1-D)
      const std::size_t k = n ? arg % (n + 1) : 0;
      std::visit([&](auto& v) { v.resize(k); }, d.data);
      set_shape_1d(d, k);
      d.extendible = false;
      break;
    }
    case 6: {  // one element to a special value
      if (!n) break;
      const std::size_t i = arg % n;
      if (d.is_double()) { auto v = d.doubles(); v[i] = pick(kDoubles, arg / 16); d.data = v; }
      else if (d.is_int()) { auto v = d.ints(); v[i] = pick(kInts, arg / 16); d.data = v; }
      else { auto v = d.strings(); v[i] = pick(kStrings, arg / 16); d.data = v; }
      break;
    }
    case 7: {  // another shape with the same element count (scalar, [n], [1, n], [n, 1])
      const int64_t m = int64_t(n);
      switch (arg % 4) {
        case 0: if (m == 1) d.shape = {}; break;
        case 1: d.shape = {m}; break;
        case 2: d.shape = {1, m}; break;
        default: d.shape = {m, 1}; break;
      }
      if (d.shape.size() != 1) d.extendible = false;
      break;
    }
    case 11: {  // append an element (a longer column)
      std::visit([&](auto& v) {
        using V = std::decay_t<decltype(v)>;
        v.push_back(v.empty() ? typename V::value_type{} : v.back());
      }, d.data);
      set_shape_1d(d, n + 1);
      break;
    }
    default: break;
  }
}

Attribute attr_value(uint8_t op, uint8_t arg) {
  if (op == 1) return pick(kInts, arg);
  if (op == 2) return pick(kDoubles, arg);
  return std::string(pick(kStrings, arg));
}

void apply(Group& root, uint8_t op, unsigned index, uint8_t arg) {
  std::vector<Node> nodes;
  collect(root, nodes);
  op %= 12;
  if (nodes.empty()) {
    if (op == 10) root.group(pick(kNames, arg));
    return;
  }
  Node nd = nodes[index % nodes.size()];
  Group& g = *nd.group;
  switch (nd.kind) {
    case Node::attr:
      if (op == 0) g.attrs.erase(nd.name);
      else if (op <= 3) g.attrs[nd.name] = attr_value(op, arg);
      else if (op == 9) { Attribute a = g.attrs[nd.name]; g.attrs.erase(nd.name); g.attrs[pick(kNames, arg)] = a; }
      break;
    case Node::dataset_attr: {
      auto& attrs = g.datasets[nd.name].attrs;
      if (op == 0) attrs.erase(nd.attr_name);
      else if (op <= 3) attrs[nd.attr_name] = attr_value(op, arg);
      break;
    }
    case Node::dataset: {
      Dataset& d = g.datasets[nd.name];
      if (op == 0) g.datasets.erase(nd.name);
      else if (op == 1) g.datasets[nd.name] = Dataset::scalar(pick(kInts, arg));
      else if (op == 2) g.datasets[nd.name] = Dataset::of(std::vector<double>(arg % 5, pick(kDoubles, arg / 8)));
      else if (op == 3) g.datasets[nd.name] = Dataset::of(std::vector<std::string>(arg % 3, pick(kStrings, arg / 4)));
      else if (op == 8) {  // copy into another group
        Dataset copy = d;
        std::vector<Node> groups;
        for (const auto& x : nodes)
          if (x.kind == Node::subgroup) groups.push_back(x);
        Group& dst = groups.empty() ? root : groups[arg % groups.size()].group->group(groups[arg % groups.size()].name);
        dst.datasets[nd.name] = copy;
      } else if (op == 9) {
        Dataset copy = d;
        g.datasets.erase(nd.name);
        g.datasets[pick(kNames, arg)] = copy;
      } else if (op == 10) {
        (void)as_double_vector(d);
        g.datasets[nd.name] = Dataset::of(as_double_vector(d));
      } else {
        edit_dataset(d, op, arg);
      }
      break;
    }
    case Node::subgroup:
      if (op == 0) g.groups.erase(nd.name);
      else if (op == 9) { Group copy = g.groups[nd.name]; g.groups.erase(nd.name); g.group(pick(kNames, arg)) = copy; }
      else if (op == 10) g.group(nd.name).group(pick(kNames, arg));
      else if (op == 3) g.group(nd.name).datasets[pick(kNames, arg)] = Dataset::scalar(std::string(pick(kStrings, arg / 16)));
      else if (op == 1) g.group(nd.name).datasets[pick(kNames, arg)] = Dataset::scalar(pick(kInts, arg / 16));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::hdf5_keep_free_lists();
  namespace fs = std::filesystem;
  const char* env = std::getenv("TNAD_FUZZ_H5_SEEDS");
  const std::string dir = env && *env ? env : TNAD_FUZZ_H5_SEEDS;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".h5") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) seeds().push_back(read_h5(f.string()));
  if (seeds().empty()) fuzz::finding("no seed run files (*.h5) in " + dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4 * 64 + 1) return 0;
  Group root = seeds()[(data[0] & 0x7f) % seeds().size()];
  for (size_t i = 1; i + 4 <= size; i += 4)
    apply(root, data[i], unsigned(data[i + 1]) | unsigned(data[i + 2]) << 8, data[i + 3]);
  if (!(data[0] & 0x80) && root.has_group("state")) {
    Group& st = root.group("state");
    st.set("digest", digest_hex(st));
  }
  const std::string& path = fuzz::scratch_file();
  try {
    write_h5(path, root);
  } catch (const Error&) {
    return 0;  // an edit the writer refuses (not what is being fuzzed)
  }
  fuzz::read_run_file_every_way(path);
  ::unlink(path.c_str());
  return 0;
}
