#include "contract/network.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "tnad/ad/error.hpp"

namespace tnad::tn {

namespace {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (int64_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

std::string shapes_str(const std::vector<Shape>& shapes) {
  std::string r;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (i) r += ", ";
    r += shape_str(shapes[i]);
  }
  return r;
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string Network::subscript(const std::vector<int>& labels) const {
  bool single = std::all_of(labels.begin(), labels.end(),
                            [&](int l) { return names[l].size() == 1; });
  std::string r;
  if (single) {
    for (int l : labels) r += names[l];
    return r;
  }
  r = "(";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) r += ",";
    r += names[labels[i]];
  }
  return r + ")";
}

std::string Network::spec() const {
  std::string r;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i) r += ",";
    r += subscript(inputs[i]);
  }
  return r + "->" + subscript(output);
}

std::string Network::shapes_string() const { return shapes_str(shapes); }

Network parse_einsum(std::string_view spec_in, const std::vector<Shape>& shapes) {
  const std::string spec(spec_in);
  auto fail = [&](auto&&... what) {
    throw_error("einsum: ", what..., " (subscripts '", spec, "', operand shapes ",
                shapes_str(shapes), ")");
  };
  // Split into the operand part and the optional output part.
  std::string lhs, rhs;
  bool explicit_out = false;
  std::size_t arrow = spec.find("->");
  if (arrow != std::string::npos) {
    lhs = spec.substr(0, arrow);
    rhs = spec.substr(arrow + 2);
    explicit_out = true;
    if (rhs.find("->") != std::string::npos) fail("more than one '->'");
  } else {
    lhs = spec;
  }
  std::vector<std::string> terms(1);
  for (std::size_t i = 0; i < lhs.size(); ++i) {
    char c = lhs[i];
    if (c == ' ' || c == '\t') continue;
    if (c == ',') { terms.emplace_back(); continue; }
    if (!is_letter(c)) {
      if (c == '.') fail("bad character '.' at position ", i, ": ellipsis '...' is not supported");
      fail("bad character '", c, "' at position ", i, ": indices are letters a-z, A-Z");
    }
    terms.back() += c;
  }
  std::string out;
  for (std::size_t i = 0; i < rhs.size(); ++i) {
    char c = rhs[i];
    if (c == ' ' || c == '\t') continue;
    if (!is_letter(c))
      fail("bad character '", c, "' at position ", arrow + 2 + i,
           " of the output: indices are letters a-z, A-Z");
    out += c;
  }
  if (shapes.empty()) fail("no operands");
  if (terms.size() != shapes.size())
    fail("the subscripts name ", terms.size(), " operand(s) but ", shapes.size(),
         " tensor(s) were given");

  Network net;
  net.op = "einsum";
  net.shapes = shapes;
  std::map<char, int> id;  // letter -> label id, in order of first appearance
  std::vector<int> first_operand, first_axis;
  std::vector<int> count;
  for (std::size_t t = 0; t < terms.size(); ++t) {
    const std::string& term = terms[t];
    if (static_cast<int64_t>(term.size()) != shapes[t].size())
      fail("operand ", t, " has ", term.size(), " subscript(s) '", term, "' but ", shapes[t].size(),
           " axes (shape ", shape_str(shapes[t]), ")");
    std::vector<int> labels;
    for (std::size_t k = 0; k < term.size(); ++k) {
      char c = term[k];
      int64_t d = shapes[t][k];
      auto it = id.find(c);
      if (it == id.end()) {
        int l = static_cast<int>(net.dims.size());
        id.emplace(c, l);
        net.dims.push_back(d);
        net.names.emplace_back(1, c);
        first_operand.push_back(static_cast<int>(t));
        first_axis.push_back(static_cast<int>(k));
        count.push_back(0);
        labels.push_back(l);
      } else {
        int l = it->second;
        if (net.dims[l] != d)
          fail("index '", c, "' has dimension ", net.dims[l], " in operand ", first_operand[l],
               " (axis ", first_axis[l], ", shape ", shape_str(shapes[first_operand[l]]),
               ") but ", d, " in operand ", t, " (axis ", k, ", shape ", shape_str(shapes[t]), ")");
        labels.push_back(l);
      }
      ++count[labels.back()];
    }
    net.inputs.push_back(std::move(labels));
  }
  if (explicit_out) {
    for (char c : out) {
      auto it = id.find(c);
      if (it == id.end()) fail("output index '", c, "' appears in no operand");
      if (std::find(net.output.begin(), net.output.end(), it->second) != net.output.end())
        fail("output index '", c, "' appears more than once in the output");
      net.output.push_back(it->second);
    }
  } else {
    // numpy's implicit mode: indices seen exactly once, sorted alphabetically.
    for (auto& [c, l] : id)
      if (count[l] == 1) net.output.push_back(l);
  }
  if (net.num_labels() > kMaxLabels) fail("more than ", kMaxLabels, " distinct indices");
  return net;
}

Network ncon_network(const std::vector<std::vector<int>>& labels,
                     const std::vector<Shape>& shapes) {
  auto list_str = [&]() {
    std::ostringstream os;
    os << '{';
    for (std::size_t t = 0; t < labels.size(); ++t) {
      os << (t ? ", " : "") << '{';
      for (std::size_t k = 0; k < labels[t].size(); ++k) os << (k ? ", " : "") << labels[t][k];
      os << '}';
    }
    os << '}';
    return os.str();
  };
  auto fail = [&](auto&&... what) {
    throw_error("ncon: ", what..., " (labels ", list_str(), ", tensor shapes ", shapes_str(shapes),
                ")");
  };
  if (shapes.empty()) fail("no tensors");
  if (labels.size() != shapes.size())
    fail(labels.size(), " label list(s) for ", shapes.size(), " tensor(s)");

  Network net;
  net.op = "ncon";
  net.shapes = shapes;
  struct Seen { int id; int tensor; int axis; int count; };
  std::map<int, Seen> seen;
  for (std::size_t t = 0; t < labels.size(); ++t) {
    if (static_cast<int64_t>(labels[t].size()) != shapes[t].size())
      fail("tensor ", t, " has ", labels[t].size(), " label(s) but ", shapes[t].size(),
           " axes (shape ", shape_str(shapes[t]), ")");
    std::vector<int> ids;
    for (std::size_t k = 0; k < labels[t].size(); ++k) {
      int lab = labels[t][k];
      int64_t d = shapes[t][k];
      if (lab == 0) fail("label 0 on tensor ", t, " axis ", k, ": labels are nonzero");
      auto it = seen.find(lab);
      if (it == seen.end()) {
        int l = static_cast<int>(net.dims.size());
        seen.emplace(lab, Seen{l, static_cast<int>(t), static_cast<int>(k), 1});
        net.dims.push_back(d);
        net.names.push_back(std::to_string(lab));
        ids.push_back(l);
        continue;
      }
      Seen& s = it->second;
      if (lab < 0)
        fail("open label ", lab, " appears twice (tensor ", s.tensor, " axis ", s.axis,
             " and tensor ", t, " axis ", k, "): negative labels appear once");
      if (s.count >= 2)
        fail("label ", lab, " appears more than twice (again on tensor ", t, " axis ", k,
             "): positive labels join exactly two axes");
      if (net.dims[s.id] != d)
        fail("label ", lab, " joins axes of different dimensions: ", net.dims[s.id],
             " (tensor ", s.tensor, " axis ", s.axis, ", shape ", shape_str(shapes[s.tensor]),
             ") and ", d, " (tensor ", t, " axis ", k, ", shape ", shape_str(shapes[t]), ")");
      ++s.count;
      ids.push_back(s.id);
    }
    net.inputs.push_back(std::move(ids));
  }
  int n_open = 0;
  for (auto& [lab, s] : seen) {
    if (lab > 0 && s.count != 2)
      fail("label ", lab, " appears only once (tensor ", s.tensor, " axis ", s.axis, ", shape ",
           shape_str(shapes[s.tensor]), "): positive labels must be paired");
    if (lab < 0) ++n_open;
  }
  for (int k = 1; k <= n_open; ++k) {
    auto it = seen.find(-k);
    if (it == seen.end())
      fail("open labels must be -1 .. -", n_open, " but -", k, " is missing");
    net.output.push_back(it->second.id);
  }
  if (net.num_labels() > kMaxLabels) fail("more than ", kMaxLabels, " distinct labels");
  return net;
}

Network tensordot_network(const Shape& a, const Shape& b, const std::vector<int64_t>& axes_a_in,
                          const std::vector<int64_t>& axes_b_in) {
  auto fail = [&](auto&&... what) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < axes_a_in.size(); ++i) os << (i ? ", " : "") << axes_a_in[i];
    os << "], [";
    for (std::size_t i = 0; i < axes_b_in.size(); ++i) os << (i ? ", " : "") << axes_b_in[i];
    os << ']';
    throw_error("tensordot: ", what..., " (shapes ", shape_str(a), " and ", shape_str(b),
                ", axes ", os.str(), ")");
  };
  if (axes_a_in.size() != axes_b_in.size())
    fail(axes_a_in.size(), " axes of a but ", axes_b_in.size(), " axes of b");
  Network net;
  net.op = "tensordot";
  net.shapes = {a, b};
  std::vector<int> la(a.size(), -1), lb(b.size(), -1);
  auto norm = [&](int64_t ax, int64_t nd, const char* which) {
    if (ax < -nd || ax >= nd) fail("axis ", ax, " of ", which, " out of range for ", nd, " axes");
    return ax < 0 ? ax + nd : ax;
  };
  for (std::size_t i = 0; i < axes_a_in.size(); ++i) {
    int64_t x = norm(axes_a_in[i], a.size(), "a"), y = norm(axes_b_in[i], b.size(), "b");
    if (la[x] >= 0) fail("axis ", x, " of a is listed twice");
    if (lb[y] >= 0) fail("axis ", y, " of b is listed twice");
    if (a[x] != b[y])
      fail("contracted axes have different dimensions: a axis ", x, " is ", a[x], ", b axis ", y,
           " is ", b[y]);
    int l = static_cast<int>(net.dims.size());
    net.dims.push_back(a[x]);
    net.names.push_back(std::string("k").append(std::to_string(i)));
    la[x] = l;
    lb[y] = l;
  }
  auto add_free = [&](std::vector<int>& ls, const Shape& s, const char* pre) {
    for (std::size_t k = 0; k < ls.size(); ++k) {
      if (ls[k] >= 0) continue;
      int l = static_cast<int>(net.dims.size());
      net.dims.push_back(s[k]);
      net.names.push_back(std::string(pre).append(std::to_string(k)));
      ls[k] = l;
      net.output.push_back(l);
    }
  };
  add_free(la, a, "a");
  add_free(lb, b, "b");
  net.inputs = {la, lb};
  if (net.num_labels() > kMaxLabels) fail("more than ", kMaxLabels, " axes");
  return net;
}

}  // namespace tnad::tn
