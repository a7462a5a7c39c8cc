#include "ember/autograd/graphviz.h"

#include <fmt/format.h>

#include <unordered_map>
#include <vector>

#include "ops/accumulate_grad.h"

namespace ember::autograd {

std::string to_dot(const Tensor& root) {
  std::string out = "digraph autograd {\n  node [shape=box, fontname=\"monospace\"];\n";
  std::shared_ptr<Node> start = root.grad_fn();
  if (!start) {
    out += fmt::format("  leaf [label=\"{}\", style=filled, fillcolor=lightblue];\n",
                       shape_str(root.sizes()));
    return out + "}\n";
  }
  std::unordered_map<const Node*, size_t> ids;
  std::vector<const Node*> todo{start.get()};
  ids[start.get()] = 0;
  out += fmt::format("  root [label=\"output {}\", style=filled, fillcolor=lightgreen];\n",
                     shape_str(root.sizes()));
  out += "  root -> n0;\n";
  while (!todo.empty()) {
    const Node* node = todo.back();
    todo.pop_back();
    const size_t id = ids[node];
    if (const auto* acc = dynamic_cast<const AccumulateGrad*>(node)) {
      out += fmt::format("  n{} [label=\"leaf {}\", style=filled, fillcolor=lightblue];\n", id,
                         shape_str(acc->variable().sizes()));
    } else {
      out += fmt::format("  n{} [label=\"{}\"];\n", id, node->name());
    }
    for (const Edge& e : node->next_edges()) {
      if (!e.function) continue;
      auto [it, fresh] = ids.emplace(e.function.get(), ids.size());
      if (fresh) todo.push_back(e.function.get());
      out += fmt::format("  n{} -> n{};\n", id, it->second);
    }
  }
  return out + "}\n";
}

}  // namespace ember::autograd
