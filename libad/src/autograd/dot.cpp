// Graphviz DOT of the graph behind some tensors: one box per op (name, output shapes,
// scope), one ellipse per leaf; edges point from producer to consumer.
#include <sstream>
#include <unordered_map>

#include "autograd/tensor_impl.hpp"
#include "tnad/ad/autograd.hpp"

namespace tnad {

std::string to_dot(const std::vector<Tensor>& roots) {
  std::ostringstream os;
  os << "digraph tnad {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  std::unordered_map<const Node*, int> id;
  std::vector<const Node*> stack;
  auto visit = [&](const Node* n) {
    if (!n || id.count(n)) return;
    int k = int(id.size());
    id[n] = k;
    stack.push_back(n);
  };
  for (const auto& r : roots)
    if (r.defined() && r.grad_fn()) visit(r.grad_fn().get());
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next()) visit(e.node.get());
  }
  for (const auto& [n, k] : id) {
    bool leaf = dynamic_cast<const AccumulateGrad*>(n) != nullptr;
    os << "  n" << k << " [shape=" << (leaf ? "ellipse" : "box") << ", label=\"" << (leaf ? "leaf" : n->name());
    for (int i = 0; i < n->num_outputs(); ++i) os << (i ? " " : "\\n") << to_string(n->output_shape(i));
    if (!n->scope().empty()) os << "\\n" << n->scope();
    os << "\"];\n";
  }
  for (const auto& [n, k] : id)
    for (int i = 0; i < n->num_inputs(); ++i) {
      const auto& e = n->next()[i];
      if (e.node) os << "  n" << id[e.node.get()] << " -> n" << k << " [label=\"" << i << "\"];\n";
    }
  int r = 0;
  for (const auto& t : roots) {
    if (!t.defined()) continue;
    os << "  out" << r << " [shape=plaintext, label=\"output " << r << " " << to_string(t.shape()) << "\"];\n";
    if (t.grad_fn()) os << "  n" << id[t.grad_fn().get()] << " -> out" << r << ";\n";
    ++r;
  }
  os << "}\n";
  return os.str();
}

}  // namespace tnad
