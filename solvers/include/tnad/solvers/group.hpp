// Group: an in-memory tree of named datasets and attributes — the shape of an HDF5 file
// without HDF5. Jobs and optimizers save their state into a Group, the driver writes the
// tree with write_h5_atomic (h5.hpp) and reads it back with read_h5, so everything that
// decides what goes into a checkpoint is testable without touching a file.
//
// Values are the types a physicist reads back with h5py without surprises: float64 and
// int64 arrays of any shape (a scalar has an empty shape), 1-D string arrays, and
// int64 / float64 / string attributes. Names are kept in sorted order (as HDF5 lists them).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tnad::runs {

using Attribute = std::variant<int64_t, double, std::string>;

struct Dataset {
  std::vector<int64_t> shape;  // empty: a scalar
  std::variant<std::vector<double>, std::vector<int64_t>, std::vector<std::string>> data;
  // Chunked with an unlimited first axis, so that tools may append rows (the history).
  bool extendible = false;
  std::map<std::string, Attribute> attrs;

  static Dataset scalar(double v);
  static Dataset scalar(int64_t v);
  static Dataset scalar(const std::string& v);
  static Dataset of(std::vector<double> v, std::vector<int64_t> shape = {});  // 1-D if no shape
  static Dataset of(std::vector<int64_t> v, std::vector<int64_t> shape = {});
  static Dataset of(std::vector<std::string> v);

  int64_t numel() const;
  bool is_double() const { return std::holds_alternative<std::vector<double>>(data); }
  bool is_int() const { return std::holds_alternative<std::vector<int64_t>>(data); }
  bool is_string() const { return std::holds_alternative<std::vector<std::string>>(data); }
  // Typed access; `what` names the dataset in the error when the type does not match.
  const std::vector<double>& doubles(const std::string& what = "dataset") const;
  const std::vector<int64_t>& ints(const std::string& what = "dataset") const;
  const std::vector<std::string>& strings(const std::string& what = "dataset") const;
  // The one string of a one-element string dataset (a config text); raises otherwise.
  const std::string& string(const std::string& what = "dataset") const;
  // Numeric data as doubles (ints converted); strings raise.
  std::vector<double> as_doubles(const std::string& what = "dataset") const;
};

class Group {
 public:
  Group() = default;
  explicit Group(std::string path) : path_(std::move(path)) {}

  // Where this group sits in the file ("/state/optimizer"); used in error messages.
  const std::string& path() const { return path_; }

  std::map<std::string, Attribute> attrs;
  std::map<std::string, Dataset> datasets;
  std::map<std::string, Group> groups;

  // Child group, created if absent.
  Group& group(const std::string& name);
  // Child group; throws tnad::Error naming the missing path.
  const Group& group(const std::string& name) const;
  bool has_group(const std::string& name) const { return groups.count(name) != 0; }
  bool has_dataset(const std::string& name) const { return datasets.count(name) != 0; }
  bool has_attr(const std::string& name) const { return attrs.count(name) != 0; }

  // ---- writing
  void set(const std::string& attr, int64_t v) { attrs[attr] = v; }
  void set(const std::string& attr, int v) { attrs[attr] = int64_t(v); }
  void set(const std::string& attr, double v) { attrs[attr] = v; }
  void set(const std::string& attr, const std::string& v) { attrs[attr] = v; }
  void set(const std::string& attr, const char* v) { attrs[attr] = std::string(v); }
  Dataset& put(const std::string& name, Dataset d);

  // ---- reading: each throws tnad::Error naming the full path when missing or mistyped
  const Dataset& dataset(const std::string& name) const;
  int64_t attr_int(const std::string& name) const;
  double attr_double(const std::string& name) const;  // int attributes convert
  const std::string& attr_string(const std::string& name) const;
  std::string attr_string_or(const std::string& name, const std::string& fallback) const;
  std::vector<double> doubles(const std::string& dataset) const;  // numeric dataset as doubles
  double scalar(const std::string& dataset) const;                // one-element numeric dataset

  // Deterministic 64-bit digest (FNV-1a) of everything in the tree: names, types, shapes,
  // bytes. Stored with a checkpoint so that any corruption of the state is detected.
  uint64_t digest() const;

 private:
  std::string path_ = "/";
};

std::string to_string(const Attribute& a);

}  // namespace tnad::runs
