// Run configs: TOML files describing one calculation.
//
//   [job]        type = "minimize" and the job's parameters (the job registry, registry.hpp)
//   [optimizer]  method = "lbfgs" | "adam" | "gd", stopping criteria, method settings
//   [output]     file, dir (sweeps), checkpoint_every, checkpoint_seconds
//   [run]        threads
//   [sweep]      parameter axes, e.g. "job.dim" = [2, 10, 100] (sweep.hpp)
//
// Every key is declared in a Schema (type, default, range or choices, one line of help),
// so validation is uniform: an unknown key, a wrong type, a missing required key or an
// out-of-range value is a tnad::Error that starts with FILE:LINE:COLUMN and names the
// [section] and key. The same schemas print the effective config with defaults filled in
// (`tnad run --print-config`), which is also what a run stores in /meta/config; parsing
// that text back gives the same config.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tnad::runs {

// Where a value came from: "file:line:column" (line 0 when unknown, e.g. a default).
struct Loc {
  std::string file;
  int64_t line = 0, column = 0;
  std::string str() const;
};

// A TOML value with its location. Tables keep their keys in file order.
struct Value {
  enum class Kind { boolean, integer, floating, string, array, table };
  struct Field;

  Kind kind = Kind::table;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;
  std::vector<Value> items;   // array
  std::vector<Field> fields;  // table
  Loc loc;
  bool swept = false;  // set by a [sweep] axis (named in error messages)

  // (defined below Field: a Value can only be built once Field is complete; clang and
  // libstdc++'s constexpr vector insist)
  static Value boolean(bool v);
  static Value integer(int64_t v);
  static Value floating(double v);
  static Value string(std::string v);
  static Value array(std::vector<Value> v);
  static Value table();

  bool is_number() const { return kind == Kind::integer || kind == Kind::floating; }
  double number() const { return kind == Kind::integer ? double(i) : f; }
  const Value* find(const std::string& key) const;  // table field or nullptr
  Value* find(const std::string& key);
  const Field* field(const std::string& key) const;
  void set(const std::string& key, Value v, Loc key_loc = {});  // replaces or appends
  bool erase(const std::string& key);
  std::string type_name() const;  // "an integer", "a string", ...
  std::string to_toml() const;    // inline TOML (tables as { k = v })
};

struct Value::Field {
  std::string key;
  Loc key_loc;
  Value value;
};

inline Value Value::boolean(bool v) { Value x; x.kind = Kind::boolean; x.b = v; return x; }
inline Value Value::integer(int64_t v) { Value x; x.kind = Kind::integer; x.i = v; return x; }
inline Value Value::floating(double v) { Value x; x.kind = Kind::floating; x.f = v; return x; }
inline Value Value::string(std::string v) { Value x; x.kind = Kind::string; x.s = std::move(v); return x; }
inline Value Value::array(std::vector<Value> v) { Value x; x.kind = Kind::array; x.items = std::move(v); return x; }
inline Value Value::table() { return Value(); }

// TOML text -> Value (a table). `name` is the file name used in locations and errors.
// Syntax errors: tnad::Error "name:line:column: <parser message>". Dates are rejected.
Value parse_toml(const std::string& text, const std::string& name);

// ---------------------------------------------------------------- schemas

enum class Type { boolean, integer, floating, string, floats };

struct Param {
  std::string key;
  Type type = Type::floating;
  std::string help;
  std::optional<Value> default_value;  // none: required
  double min = -1e308, max = 1e308;
  bool min_open = false, max_open = false;  // exclusive bounds
  std::vector<std::string> choices;         // for strings
  // May differ between a checkpoint and the config that resumes it (stopping criteria,
  // threads, pacing); every other key must match, else --resume refuses.
  bool free_on_resume = false;

  static Param boolean(std::string key, bool def, std::string help);
  static Param integer(std::string key, int64_t def, std::string help);
  static Param floating(std::string key, double def, std::string help);
  static Param string(std::string key, std::string def, std::string help);
  static Param floats(std::string key, std::vector<double> def, std::string help);
  Param& required() { default_value.reset(); return *this; }
  Param& at_least(double lo) { min = lo; min_open = false; return *this; }
  Param& above(double lo) { min = lo; min_open = true; return *this; }
  Param& at_most(double hi) { max = hi; max_open = false; return *this; }
  Param& below(double hi) { max = hi; max_open = true; return *this; }
  Param& one_of(std::vector<std::string> c) { choices = std::move(c); return *this; }
  Param& may_change_on_resume() { free_on_resume = true; return *this; }
  std::string range_text() const;  // ">= 1", "in (0, 1)", "one of a | b" or ""
};
using Schema = std::vector<Param>;

// One validated [section]: every schema key has a value (given or default).
class Params {
 public:
  Params() = default;
  Params(std::string section, Schema schema, Loc table_loc);

  const std::string& section() const { return section_; }
  const Schema& schema() const { return schema_; }
  bool given(const std::string& key) const;  // set in the file rather than defaulted
  bool boolean(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  double number(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  std::vector<double> floats(const std::string& key) const;
  const Value& value(const std::string& key) const;
  // The location of the key's value, or of the table when defaulted.
  Loc where(const std::string& key) const;
  // Throws "LOC: [section] key = VALUE: message" (for checks across keys in jobs).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // "key = value  # help" lines of the effective section.
  std::string to_toml() const;

  // used by the validator
  void put(const std::string& key, Value v, bool given);

 private:
  const Param& param(const std::string& key) const;
  std::string section_;
  Schema schema_;
  Loc table_loc_;
  std::vector<std::pair<std::string, Value>> values_;
  std::vector<std::string> given_;
};

// Validates `table` (may be null: an absent section) against the schema.
Params validate_section(const Value* table, const std::string& section, const Schema& schema,
                        const Loc& fallback_loc);

// ---------------------------------------------------------------- configs

struct Config {
  std::string file;   // path as given, or "builtin:NAME" for an embedded example
  std::string text;   // the text as written
  std::string job_type;
  Params job, optimizer, output, run;
  bool has_optimizer = false;  // the job type uses [optimizer]
  Value document;              // the parsed document (sweeps apply overrides to it)
  Value sweep;                 // the raw [sweep] table (empty table when absent)

  // The effective config as TOML: every key with defaults filled in, no [sweep].
  std::string effective_toml() const;
  // 16 hex digits: FNV-1a-64 of every [job] and [optimizer] key = value, defaults filled in
  // (not the help text, not the file name). Stored as /meta@config_digest: a sweep trusts a
  // task file only when it holds this digest (docs/files.md).
  std::string digest() const;
  // Same computation (the [job] and [optimizer] settings that define the trajectory);
  // stopping criteria (max_steps, grad_tol, energy_tol) may differ, so that a finished run
  // can be continued with a larger max_steps. Returns "" or the first differing key.
  std::string trajectory_difference(const Config& other) const;
};

// Most OpenMP threads a config or --threads may ask for.
constexpr int64_t kMaxThreads = 1024;

// Reads and validates a config file. Throws tnad::Error with file:line for every problem.
Config load_config(const std::string& path);
// Validates config text; `name` stands for the file in messages.
Config parse_config(const std::string& text, const std::string& name);
// Validates a parsed document (used for sweep tasks after overrides).
Config validate_config(const Value& document, const std::string& name, const std::string& text);

// Schemas of the fixed sections.
Schema output_schema();
Schema run_schema();
// [optimizer] keys for a method ("gd", "adam", "lbfgs"): shared stopping keys + its own.
Schema optimizer_schema(const std::string& method);

// Closest valid key for "did you mean" hints ("" when nothing is close).
std::string closest_key(const std::string& key, const std::vector<std::string>& valid);

}  // namespace tnad::runs
