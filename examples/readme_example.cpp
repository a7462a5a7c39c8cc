// The example from README.md, built so it cannot rot.
#include <ember/ember.h>
#include <iostream>

int main() {
  using ember::indexing::Slice;
  ember::manual_seed(0);

  auto x = ember::tensor({{1., 2., 3.}, {4., 5., 6.}});  // float32, shape [2, 3]
  auto w = ember::randn({3, 2}, ember::kFloat64);        // float64
  auto y = x.to(ember::kFloat64).mm(w).relu();           // BLAS-backed mm
  std::cout << y << "\n";                                // tensor([[...]], dtype=torch.float64)

  std::cout << x.index({Slice(), 0}) << "\n";                  // tensor([1., 4.])
  std::cout << (x + ember::arange(3)).sum({1}, true) << "\n";  // broadcasting, keepdim
  std::cout << x.t().is_contiguous() << "\n";                  // 0: a strided view

  auto v = ember::tensor({4.f}, ember::requires_grad());
  auto z = ember::pow(v, 3) + 2 * ember::pow(v, 2) + 8 * v;
  z.backward();
  std::cout << v.grad() << "\n";  // tensor([72.])

  try {
    ember::mm(x, x);
  } catch (const ember::Error& e) {
    std::cout << e.what() << "\n";  // mm: shapes [2, 3] and [2, 3] cannot be multiplied
  }
}
