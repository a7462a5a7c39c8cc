// The seed's two-layer network, trained with manual SGD on random data: first with ReLU as
// clamp(0), then with the custom MyReLU autograd function. Exits non-zero unless the loss falls
// by several orders of magnitude.
#include <ember/ember.h>

#include <iostream>

using ember::Tensor;
using ember::autograd::AutogradContext;
using ember::autograd::tensor_list;

struct MyReLU : ember::autograd::Function<MyReLU> {
  static Tensor forward(AutogradContext* ctx, Tensor input) {
    ctx->save_for_backward({input});
    return input.clamp(0);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_output) {
    Tensor input = ctx->get_saved_variables()[0];
    return {grad_output[0].masked_fill(input < 0, 0)};
  }
};

template <typename Relu>
double train(Relu relu, const char* label) {
  ember::manual_seed(0);
  const int64_t n = 64, d_in = 1000, h = 100, d_out = 10;
  Tensor x = ember::randn({n, d_in}), y = ember::randn({n, d_out});
  Tensor w1 = ember::randn({d_in, h}, ember::requires_grad());
  Tensor w2 = ember::randn({h, d_out}, ember::requires_grad());
  const double learning_rate = 1e-6;
  double first = 0, last = 0;
  for (int t = 0; t < 500; ++t) {
    Tensor y_pred = relu(x.mm(w1)).mm(w2);
    Tensor loss = (y_pred - y).pow(2).sum();
    if (t % 100 == 99)
      std::cout << label << " step " << t << " loss " << loss.item<float>() << "\n";
    if (t == 0) first = loss.item<double>();
    last = loss.item<double>();
    loss.backward();
    ember::NoGradGuard no_grad;
    w1 -= learning_rate * w1.grad();
    w2 -= learning_rate * w2.grad();
    w1.mutable_grad().zero_();
    w2.mutable_grad().zero_();
  }
  return last / first;
}

int main() {
  const double a = train([](const Tensor& t) { return t.clamp(0); }, "clamp");
  const double b = train([](const Tensor& t) { return MyReLU::apply(t); }, "MyReLU");
  std::cout << "loss ratio after 500 steps: " << a << " (clamp), " << b << " (MyReLU)\n";
  return a < 1e-3 && b < 1e-3 ? 0 : 1;
}
