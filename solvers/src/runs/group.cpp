#include "tnad/solvers/group.hpp"

#include <cstring>
#include <sstream>

#include "tnad/ad/error.hpp"

namespace tnad::runs {

namespace {
std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}
const char* kind_of(const Dataset& d) {
  return d.is_double() ? "float64" : d.is_int() ? "int64" : "string";
}
}  // namespace

Dataset Dataset::scalar(double v) { return Dataset{{}, std::vector<double>{v}, false, {}}; }
Dataset Dataset::scalar(int64_t v) { return Dataset{{}, std::vector<int64_t>{v}, false, {}}; }
Dataset Dataset::scalar(const std::string& v) {
  return Dataset{{}, std::vector<std::string>{v}, false, {}};
}
Dataset Dataset::of(std::vector<double> v, std::vector<int64_t> shape) {
  if (shape.empty()) shape = {int64_t(v.size())};
  Dataset d{std::move(shape), std::move(v), false, {}};
  if (d.numel() != int64_t(d.doubles().size())) throw_error("Dataset::of: shape does not match data");
  return d;
}
Dataset Dataset::of(std::vector<int64_t> v, std::vector<int64_t> shape) {
  if (shape.empty()) shape = {int64_t(v.size())};
  Dataset d{std::move(shape), std::move(v), false, {}};
  if (d.numel() != int64_t(d.ints().size())) throw_error("Dataset::of: shape does not match data");
  return d;
}
Dataset Dataset::of(std::vector<std::string> v) {
  std::vector<int64_t> shape{int64_t(v.size())};
  return Dataset{std::move(shape), std::move(v), false, {}};
}

int64_t Dataset::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

const std::vector<double>& Dataset::doubles(const std::string& what) const {
  if (!is_double()) throw_error(what, ": expected float64 data, found ", kind_of(*this));
  return std::get<std::vector<double>>(data);
}
const std::vector<int64_t>& Dataset::ints(const std::string& what) const {
  if (!is_int()) throw_error(what, ": expected int64 data, found ", kind_of(*this));
  return std::get<std::vector<int64_t>>(data);
}
const std::vector<std::string>& Dataset::strings(const std::string& what) const {
  if (!is_string()) throw_error(what, ": expected string data, found ", kind_of(*this));
  return std::get<std::vector<std::string>>(data);
}
const std::string& Dataset::string(const std::string& what) const {
  const auto& v = strings(what);
  if (v.size() != 1) throw_error(what, ": expected one string, found ", v.size());
  return v.front();
}
std::vector<double> Dataset::as_doubles(const std::string& what) const {
  if (is_double()) return doubles(what);
  if (is_int()) {
    const auto& v = ints(what);
    return std::vector<double>(v.begin(), v.end());
  }
  throw_error(what, ": expected numeric data, found string");
}

Group& Group::group(const std::string& name) {
  auto it = groups.find(name);
  if (it == groups.end()) it = groups.emplace(name, Group(join(path_, name))).first;
  return it->second;
}
const Group& Group::group(const std::string& name) const {
  auto it = groups.find(name);
  if (it == groups.end()) throw_error("missing group ", join(path_, name));
  return it->second;
}
Dataset& Group::put(const std::string& name, Dataset d) {
  return datasets[name] = std::move(d);
}

const Dataset& Group::dataset(const std::string& name) const {
  auto it = datasets.find(name);
  if (it == datasets.end()) throw_error("missing dataset ", join(path_, name));
  return it->second;
}
int64_t Group::attr_int(const std::string& name) const {
  auto it = attrs.find(name);
  if (it == attrs.end()) throw_error("missing attribute ", join(path_, name));
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  throw_error("attribute ", join(path_, name), ": expected an integer, found ", to_string(it->second));
}
double Group::attr_double(const std::string& name) const {
  auto it = attrs.find(name);
  if (it == attrs.end()) throw_error("missing attribute ", join(path_, name));
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return double(*v);
  throw_error("attribute ", join(path_, name), ": expected a number, found '", to_string(it->second), "'");
}
const std::string& Group::attr_string(const std::string& name) const {
  auto it = attrs.find(name);
  if (it == attrs.end()) throw_error("missing attribute ", join(path_, name));
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  throw_error("attribute ", join(path_, name), ": expected a string, found ", to_string(it->second));
}
std::string Group::attr_string_or(const std::string& name, const std::string& fallback) const {
  auto it = attrs.find(name);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return to_string(it->second);
}
std::vector<double> Group::doubles(const std::string& name) const {
  return dataset(name).as_doubles(join(path_, name));
}
double Group::scalar(const std::string& name) const {
  auto v = doubles(name);
  if (v.size() != 1) throw_error(join(path_, name), ": expected one element, found ", v.size());
  return v[0];
}

namespace {
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) { h ^= c[i]; h *= 1099511628211ull; }
  }
  void str(const std::string& s) { u64(s.size()); bytes(s.data(), s.size()); }
  void u64(uint64_t v) { bytes(&v, sizeof v); }
};
void digest_attr(Fnv& f, const Attribute& a) {
  f.u64(a.index());
  std::visit([&](const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::string>) f.str(v);
    else f.bytes(&v, sizeof v);
  }, a);
}
void digest_group(Fnv& f, const Group& g) {
  f.u64(g.attrs.size());
  for (const auto& [k, a] : g.attrs) { f.str(k); digest_attr(f, a); }
  f.u64(g.datasets.size());
  for (const auto& [k, d] : g.datasets) {
    f.str(k);
    f.u64(d.shape.size());
    for (int64_t s : d.shape) f.u64(uint64_t(s));
    f.u64(d.data.index());
    std::visit([&](const auto& v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      f.u64(v.size());
      if constexpr (std::is_same_v<T, std::string>) for (const auto& s : v) f.str(s);
      else f.bytes(v.data(), v.size() * sizeof(T));
    }, d.data);
    f.u64(d.attrs.size());
    for (const auto& [ak, a] : d.attrs) { f.str(ak); digest_attr(f, a); }
  }
  f.u64(g.groups.size());
  for (const auto& [k, sub] : g.groups) { f.str(k); digest_group(f, sub); }
}
}  // namespace

uint64_t Group::digest() const {
  Fnv f;
  digest_group(f, *this);
  return f.h;
}

std::string to_string(const Attribute& a) {
  std::ostringstream os;
  os.precision(17);
  std::visit([&](const auto& v) { os << v; }, a);
  return os.str();
}

}  // namespace tnad::runs
