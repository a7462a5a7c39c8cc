// The autograd tutorials' examples in C++: each prints what the seed prints and exits non-zero
// if a value is not the closed form the tutorial derives.
#include <ember/ember.h>

#include <cmath>
#include <iostream>

namespace {
int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::cout << "MISMATCH: " << what << "\n";
    ++failures;
  }
}
bool near(double a, double b, double tol = 1e-4) {
  return std::abs(a - b) <= tol * (1 + std::abs(b));
}
}  // namespace

int main() {
  using ember::Tensor;
  namespace ag = ember::autograd;

  // z = x^3 + 2x^2 + 8x at x = 4: dz/dx = 3x^2 + 4x + 8 = 72.
  Tensor x = ember::tensor({4.f}, ember::requires_grad());
  auto poly = [](const Tensor& v) { return ember::pow(v, 3) + 2 * ember::pow(v, 2) + 8 * v; };
  Tensor z = poly(x);
  z.backward({}, /*retain_graph=*/true);
  std::cout << "dz/dx = " << x.grad() << "\n";
  expect(x.grad().item<float>() == 72.f, "polynomial derivative");
  // Gradients accumulate: 144, then 216.
  z.backward({}, true);
  z.backward();
  std::cout << "after two more backward calls: " << x.grad() << "\n";
  expect(x.grad().item<float>() == 216.f, "accumulation");

  // sin and cos: d/dx sin(x) = cos(x).
  Tensor a = ember::linspace(0, 3.14159, 5, ember::requires_grad());
  ember::sin(a).sum().backward();
  std::cout << "d/dx sin(x) = " << a.grad() << "\n";
  expect(a.grad().allclose(a.detach().cos(), 1e-5, 1e-6), "sin derivative");

  // Two variables: z = x^2 y + y^3, dz/dx = 2xy, dz/dy = x^2 + 3y^2.
  Tensor u = ember::tensor({2.}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  Tensor v = ember::tensor({3.}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  (u * u * v + v * v * v).backward();
  std::cout << "dz/dx = " << u.grad() << ", dz/dy = " << v.grad() << "\n";
  expect(u.grad().item<double>() == 12 && v.grad().item<double>() == 31, "two variables");

  // A non-scalar output needs the vector of the vector-Jacobian product.
  Tensor w = ember::tensor({1.f, 2.f, 3.f}, ember::requires_grad());
  Tensor y = w * 2;
  y.backward(ember::tensor({0.1f, 1.0f, 0.0001f}));
  std::cout << "grad with gradient [0.1, 1.0, 0.0001]: " << w.grad() << "\n";
  expect(w.grad().allclose(ember::tensor({0.2f, 2.0f, 0.0002f})), "vector-Jacobian product");

  // Column indexing: the gradient of XY[:, 0].sum() only reaches column 0.
  Tensor xy = ember::ones({3, 2}, ember::requires_grad());
  xy.index({ember::indexing::Slice(), 0}).sum().backward();
  std::cout << "grad of XY[:, 0].sum(): " << xy.grad() << "\n";
  expect(xy.grad().sum().item<float>() == 3.f, "column indexing");

  // tanh: 1 - tanh^2.
  Tensor t = ember::tensor({0.5}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  ember::tanh(t).backward();
  expect(near(t.grad().item<double>(), 1 - std::pow(std::tanh(0.5), 2), 1e-12), "tanh");

  // wx + b and wx / b.
  Tensor wx = ember::tensor({2.f}, ember::requires_grad());
  Tensor b = ember::tensor({4.f}, ember::requires_grad());
  (wx * 3 + b).backward();
  expect(wx.grad().item<float>() == 3 && b.grad().item<float>() == 1, "wx + b");
  wx.mutable_grad() = Tensor();
  b.mutable_grad() = Tensor();
  (wx * 3 / b).backward();
  std::cout << "d(wx/b)/dw = " << wx.grad() << ", d(wx/b)/db = " << b.grad() << "\n";
  expect(near(wx.grad().item<float>(), 0.75) && near(b.grad().item<float>(), -0.375), "wx / b");

  // detach and retain_grad.
  Tensor p = ember::tensor({1.f, 2.f}, ember::requires_grad());
  Tensor q = p * p;
  q.retain_grad();
  Tensor r = q * q.detach();
  r.sum().backward();
  std::cout << "retained grad of q: " << q.grad() << ", grad of p: " << p.grad() << "\n";
  expect(q.grad().equal(q.detach()), "retain_grad with a detached factor");

  // Second derivative with create_graph: d2/dx2 x^3 = 6x.
  Tensor s = ember::tensor({2.}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  Tensor d1 = ag::grad({ember::pow(s, 3)}, {s}, {}, true, true)[0];
  Tensor d2 = ag::grad({d1}, {s})[0];
  std::cout << "first derivative " << d1 << ", second derivative " << d2 << "\n";
  expect(d2.item<double>() == 12, "second derivative");

  // no_grad: nothing is recorded.
  {
    ember::NoGradGuard no_grad;
    expect(!(p * 2).requires_grad(), "no_grad");
  }
  std::cout << (failures ? "FAILED\n" : "all values match the tutorials\n");
  return failures ? 1 : 0;
}
