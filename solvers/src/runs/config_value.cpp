// TOML text -> Value (toml++ stays inside this file), and Value -> TOML text.
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"

namespace tnad::runs {

std::string Loc::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const Value* Value::find(const std::string& key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f.value;
  return nullptr;
}
Value* Value::find(const std::string& key) {
  for (auto& f : fields)
    if (f.key == key) return &f.value;
  return nullptr;
}
const Value::Field* Value::field(const std::string& key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}
void Value::set(const std::string& key, Value v, Loc key_loc) {
  for (auto& f : fields)
    if (f.key == key) {
      f.value = std::move(v);
      if (key_loc.line > 0) f.key_loc = std::move(key_loc);
      return;
    }
  fields.push_back(Field{key, std::move(key_loc), std::move(v)});
}
bool Value::erase(const std::string& key) {
  auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; });
  if (it == fields.end()) return false;
  fields.erase(it);
  return true;
}

std::string Value::type_name() const {
  switch (kind) {
    case Kind::boolean: return "a boolean";
    case Kind::integer: return "an integer";
    case Kind::floating: return "a float";
    case Kind::string: return "a string";
    case Kind::array: return "an array";
    case Kind::table: return "a table";
  }
  return "?";
}

namespace {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else {
          o += char(c);
        }
    }
  }
  return o + "\"";
}

bool bare_key(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

Loc loc_of(const toml::source_region& r, const std::string& file) {
  Loc l;
  l.file = file;
  l.line = r.begin.line;
  l.column = r.begin.column;
  return l;
}

Value convert(const toml::node& n, const std::string& file) {
  Value v;
  v.loc = loc_of(n.source(), file);
  if (auto* t = n.as_table()) {
    v.kind = Value::Kind::table;
    for (const auto& [k, child] : *t) {
      Value::Field f{std::string(k.str()), loc_of(k.source(), file), convert(child, file)};
      if (f.key_loc.line == 0) f.key_loc = f.value.loc;
      v.fields.push_back(std::move(f));
    }
    // toml++ keeps keys sorted; we keep them in the order they were written.
    std::stable_sort(v.fields.begin(), v.fields.end(), [](const auto& a, const auto& b) {
      return std::pair(a.key_loc.line, a.key_loc.column) < std::pair(b.key_loc.line, b.key_loc.column);
    });
  } else if (auto* a = n.as_array()) {
    v.kind = Value::Kind::array;
    for (const auto& item : *a) v.items.push_back(convert(item, file));
  } else if (auto* s = n.as_string()) {
    v.kind = Value::Kind::string;
    v.s = s->get();
  } else if (auto* i = n.as_integer()) {
    v.kind = Value::Kind::integer;
    v.i = i->get();
  } else if (auto* d = n.as_floating_point()) {
    v.kind = Value::Kind::floating;
    v.f = d->get();
  } else if (auto* b = n.as_boolean()) {
    v.kind = Value::Kind::boolean;
    v.b = b->get();
  } else {
    throw_error(v.loc.str(), ": dates and times are not supported in tnad configs");
  }
  return v;
}

}  // namespace

std::string Value::to_toml() const {
  switch (kind) {
    case Kind::boolean: return b ? "true" : "false";
    case Kind::integer: return std::to_string(i);
    case Kind::floating: return format_double(f);
    case Kind::string: return quote(s);
    case Kind::array: {
      std::string o = "[";
      for (std::size_t k = 0; k < items.size(); ++k) o += (k ? ", " : "") + items[k].to_toml();
      return o + "]";
    }
    case Kind::table: {
      std::string o = "{";
      for (std::size_t k = 0; k < fields.size(); ++k)
        o += std::string(k ? ", " : " ") + (bare_key(fields[k].key) ? fields[k].key : quote(fields[k].key)) +
             " = " + fields[k].value.to_toml();
      return o + (fields.empty() ? "}" : " }");
    }
  }
  return "";
}

std::string toml_key(const std::string& k) { return bare_key(k) ? k : quote(k); }

Value parse_toml(const std::string& text, const std::string& name) {
  toml::table t;
  try {
    t = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    Loc l = loc_of(e.source(), name);
    throw_error(l.str(), ": TOML syntax error: ", e.description());
  }
  Value v = convert(t, name);
  v.loc = Loc{name, 0, 0};
  return v;
}

}  // namespace tnad::runs
