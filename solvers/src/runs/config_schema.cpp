// Schema-driven validation of one config section.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "runs/internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"

namespace tnad::runs {

Param Param::boolean(std::string key, bool def, std::string help) {
  Param p;
  p.key = std::move(key); p.type = Type::boolean; p.help = std::move(help);
  p.default_value = Value::boolean(def);
  return p;
}
Param Param::integer(std::string key, int64_t def, std::string help) {
  Param p;
  p.key = std::move(key); p.type = Type::integer; p.help = std::move(help);
  p.default_value = Value::integer(def);
  return p;
}
Param Param::floating(std::string key, double def, std::string help) {
  Param p;
  p.key = std::move(key); p.type = Type::floating; p.help = std::move(help);
  p.default_value = Value::floating(def);
  return p;
}
Param Param::string(std::string key, std::string def, std::string help) {
  Param p;
  p.key = std::move(key); p.type = Type::string; p.help = std::move(help);
  p.default_value = Value::string(std::move(def));
  return p;
}
Param Param::floats(std::string key, std::vector<double> def, std::string help) {
  Param p;
  p.key = std::move(key); p.type = Type::floats; p.help = std::move(help);
  std::vector<Value> items;
  for (double d : def) items.push_back(Value::floating(d));
  p.default_value = Value::array(std::move(items));
  return p;
}

namespace {
std::string num(double v, bool integer) {
  if (integer && std::abs(v) < 9e15) return std::to_string(int64_t(v));
  std::ostringstream os;
  os << v;
  return os.str();
}
const char* type_word(Type t) {
  switch (t) {
    case Type::boolean: return "a boolean";
    case Type::integer: return "an integer";
    case Type::floating: return "a number";
    case Type::string: return "a string";
    case Type::floats: return "an array of numbers";
  }
  return "?";
}
}  // namespace

std::string Param::range_text() const {
  if (!choices.empty()) {
    std::string o = "one of ";
    for (std::size_t i = 0; i < choices.size(); ++i) o += (i ? " | " : "") + choices[i];
    return o;
  }
  const bool has_lo = min > -1e308, has_hi = max < 1e308, is_int = type == Type::integer;
  if (has_lo && has_hi)
    return std::string("in ") + (min_open ? "(" : "[") + num(min, is_int) + ", " + num(max, is_int) +
           (max_open ? ")" : "]");
  if (has_lo) return std::string(min_open ? "> " : ">= ") + num(min, is_int);
  if (has_hi) return std::string(max_open ? "< " : "<= ") + num(max, is_int);
  return "";
}

// ---------------------------------------------------------------- Params

Params::Params(std::string section, Schema schema, Loc table_loc)
    : section_(std::move(section)), schema_(std::move(schema)), table_loc_(std::move(table_loc)) {}

const Param& Params::param(const std::string& key) const {
  for (const auto& p : schema_)
    if (p.key == key) return p;
  throw_error("config: [", section_, "] has no key '", key, "' (a bug in the job's schema use)");
}

const Value& Params::value(const std::string& key) const {
  for (const auto& [k, v] : values_)
    if (k == key) return v;
  param(key);  // throws for keys outside the schema
  throw_error("config: [", section_, "] ", key, " has no value");
}

void Params::put(const std::string& key, Value v, bool given) {
  for (auto& [k, old] : values_)
    if (k == key) { old = std::move(v); return; }
  values_.emplace_back(key, std::move(v));
  if (given) given_.push_back(key);
}

bool Params::given(const std::string& key) const {
  return std::find(given_.begin(), given_.end(), key) != given_.end();
}
bool Params::boolean(const std::string& key) const { return value(key).b; }
int64_t Params::integer(const std::string& key) const { return value(key).i; }
double Params::number(const std::string& key) const { return value(key).number(); }
const std::string& Params::string(const std::string& key) const { return value(key).s; }
std::vector<double> Params::floats(const std::string& key) const {
  std::vector<double> out;
  for (const auto& it : value(key).items) out.push_back(it.number());
  return out;
}

Loc Params::where(const std::string& key) const {
  if (given(key)) return value(key).loc;
  return table_loc_;
}

void Params::fail(const std::string& key, const std::string& message) const {
  const Value& v = value(key);
  throw_error(where(key).str(), ": [", section_, "] ", key, " = ", shorten(v.to_toml()), ": ", message,
              v.swept ? " (value set by [sweep])" : "");
}

std::string Params::to_toml() const {
  std::ostringstream os;
  std::size_t width = 0;
  for (const auto& [k, v] : values_) width = std::max(width, toml_key(k).size() + 3 + v.to_toml().size());
  for (const auto& p : schema_) {
    const Value& v = value(p.key);
    std::string line = toml_key(p.key) + " = " + v.to_toml();
    os << line;
    std::string note = p.help;
    std::string r = p.range_text();
    if (!r.empty()) note += note.empty() ? r : " (" + r + ")";
    if (!note.empty()) os << std::string(width + 2 - std::min(width, line.size()), ' ') << "# " << note;
    os << "\n";
  }
  return os.str();
}

// ---------------------------------------------------------------- validation

std::string closest_key(const std::string& key, const std::vector<std::string>& valid) {
  auto dist = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_d = 3;  // at most two edits away, and less than half the key
  for (const auto& v : valid) {
    std::size_t d = dist(key, v);
    if (d < best_d && d <= std::max<std::size_t>(1, key.size() / 2)) {
      best = v;
      best_d = d;
    }
  }
  return best;
}

namespace {

// What a number must be, for messages: "in [1, 100000]", "> 0" or "a finite number".
std::string requirement(const Param& p) {
  const std::string r = p.range_text();
  return r.empty() ? std::string("a finite number") : r;
}

// Why x is not acceptable for p ("" when it is): NaN and infinities are named as such.
std::string range_problem(const Param& p, double x) {
  const std::string r = p.range_text();
  const std::string finite = "a finite number" + (r.empty() ? std::string() : " " + r);
  if (std::isnan(x)) return "is NaN; must be " + finite;
  if (std::isinf(x)) return "is infinite; must be " + finite;
  if (p.min_open ? !(x > p.min) : !(x >= p.min)) return "out of range: must be " + requirement(p);
  if (p.max_open ? !(x < p.max) : !(x <= p.max)) return "out of range: must be " + requirement(p);
  return "";
}

Value check_value(const Param& p, const Value& v, const std::string& section) {
  auto fail = [&](const std::string& msg) -> Value {
    throw_error(v.loc.str(), ": [", section, "] ", p.key, " = ", shorten(v.to_toml()), ": ", msg,
                v.swept ? " (value set by [sweep])" : "");
  };
  auto expect = [&]() -> Value {
    return fail(std::string("expected ") + type_word(p.type) + ", got " + v.type_name());
  };
  Value out = v;
  switch (p.type) {
    case Type::boolean:
      if (v.kind != Value::Kind::boolean) return expect();
      break;
    case Type::integer:
      if (v.kind != Value::Kind::integer) return expect();
      if (std::string why = range_problem(p, double(v.i)); !why.empty()) return fail(why);
      break;
    case Type::floating:
      if (!v.is_number()) return expect();
      out.kind = Value::Kind::floating;
      out.f = v.number();
      if (std::string why = range_problem(p, out.f); !why.empty()) return fail(why);
      break;
    case Type::string:
      if (v.kind != Value::Kind::string) return expect();
      if (!p.choices.empty() && std::find(p.choices.begin(), p.choices.end(), v.s) == p.choices.end())
        return fail("must be " + p.range_text());
      break;
    case Type::floats:
      if (v.kind != Value::Kind::array) return expect();
      for (std::size_t k = 0; k < out.items.size(); ++k) {
        Value& it = out.items[k];
        if (!it.is_number())
          throw_error(it.loc.str(), ": [", section, "] ", p.key, "[", k, "] = ", shorten(it.to_toml()),
                      ": expected numbers, got ", it.type_name(), v.swept ? " (value set by [sweep])" : "");
        it.f = it.number();
        it.kind = Value::Kind::floating;
        if (std::string why = range_problem(p, it.f); !why.empty())
          throw_error(it.loc.str(), ": [", section, "] ", p.key, "[", k, "] = ", it.to_toml(), ": ", why,
                      v.swept ? " (value set by [sweep])" : "");
      }
      break;
  }
  return out;
}

}  // namespace

Params validate_section(const Value* table, const std::string& section, const Schema& schema,
                        const Loc& fallback_loc) {
  Loc tloc = table && table->loc.line > 0 ? table->loc : fallback_loc;
  Params out(section, schema, tloc);
  std::vector<std::string> keys;
  for (const auto& p : schema) keys.push_back(p.key);
  if (table) {
    if (table->kind != Value::Kind::table)
      throw_error(table->loc.str(), ": [", section, "] must be a table, got ", table->type_name());
    for (const auto& f : table->fields) {
      auto it = std::find_if(schema.begin(), schema.end(), [&](const Param& p) { return p.key == f.key; });
      if (it == schema.end()) {
        std::string hint = closest_key(f.key, keys);
        std::string list;
        for (std::size_t i = 0; i < keys.size(); ++i) list += (i ? ", " : "") + keys[i];
        throw_error(f.key_loc.str(), ": [", section, "] unknown key '", shorten(f.key), "'",
                    hint.empty() ? "" : " (did you mean '" + hint + "'?)",
                    keys.empty() ? std::string("; this section takes no keys") : "; valid keys: " + list);
      }
      out.put(f.key, check_value(*it, f.value, section), true);
    }
  }
  for (const auto& p : schema) {
    if (out.given(p.key)) continue;
    if (!p.default_value)
      throw_error(tloc.str(), ": [", section, "] missing required key '", p.key, "' (", p.help, ")");
    out.put(p.key, *p.default_value, false);
  }
  return out;
}

}  // namespace tnad::runs
