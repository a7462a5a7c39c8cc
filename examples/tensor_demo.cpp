// A tour of Ember's tensor API: creation, views, broadcasting, reductions and matmul.
#include <ember/ember.h>

#include <iostream>

int main() {
  ember::manual_seed(0);
  using ember::indexing::Slice;

  ember::Tensor a = ember::tensor({{1., 2., 3.}, {4., 5., 6.}});
  std::cout << "a =\n" << a << "\n";
  std::cout << "a.t() =\n" << a.t() << "\n";
  std::cout << "a[:, 0] = " << a.index({Slice(), 0}) << "\n";

  ember::Tensor b = ember::arange(3, ember::kFloat64);
  std::cout << "a + b (broadcast, promoted to float64) =\n" << a + b << "\n";
  std::cout << "a.sum(1, keepdim) =\n" << a.sum({1}, true) << "\n";
  std::cout << "a.mean() = " << a.mean() << "\n";

  ember::Tensor w = ember::randn({3, 2});
  std::cout << "a.mm(w) =\n" << a.mm(w) << "\n";
  std::cout << "sigmoid(linspace(-4, 4, 5)) = " << ember::sigmoid(ember::linspace(-4, 4, 5))
            << "\n";

  try {
    ember::mm(a, a);
  } catch (const ember::Error& e) {
    std::cout << "caught: " << e.what() << "\n";
  }
  return 0;
}
