// Writes the graph autograd records for a small expression as Graphviz DOT, and renders it to
// SVG when Debian's graphviz (`dot`) is installed: `autograd_graph [out.dot]`.
#include <ember/ember.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "autograd_graph.dot";
  ember::Tensor x = ember::randn({3}, ember::requires_grad());
  ember::Tensor w = ember::randn({3, 3}, ember::requires_grad());
  ember::Tensor b = ember::randn({3}, ember::requires_grad());
  ember::Tensor loss = (ember::tanh(w.mv(x) + b) * 2).sum();
  std::ofstream(path) << ember::autograd::to_dot(loss);
  std::cout << "wrote " << path << "\n";
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    const std::string svg = path.substr(0, path.rfind('.')) + ".svg";
    if (std::system(("dot -Tsvg '" + path + "' -o '" + svg + "'").c_str()) == 0)
      std::cout << "rendered " << svg << "\n";
  }
  return 0;
}
