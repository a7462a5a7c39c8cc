// func::functional_call (nn::utils::stateless): a module's forward with parameters and buffers
// replaced for one call, per-sample gradients through vmap(grad(...)), tied weights, and the
// module left as it was after errors.
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;

TensorOptions f64() { return TensorOptions(kFloat64); }

nn::Sequential small_model() {
  manual_seed(0);
  nn::Sequential model(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
  model->to(kFloat64);
  return model;
}

TEST(FunctionalCall, ReplacesOnlyTheNamedTensorsForTheCall) {
  nn::Linear lin(3, 2);
  lin->to(kFloat64);
  const Tensor weight = lin->weight, bias = lin->bias;
  Tensor x = randn({4, 3}, f64()), w = randn({2, 3}, f64());
  expect_close(func::functional_call(lin, {{"weight", w}}, x), x.matmul(w.t()) + bias, 1e-12);
  EXPECT_TRUE(lin->weight.is_same(weight));
  EXPECT_TRUE(lin->named_parameters()["weight"].is_same(weight));
  // The other spellings of a module: its class, a shared_ptr, an AnyModule.
  Tensor b = zeros({2}, f64());
  expect_close(func::functional_call(*lin, {{"bias", b}}, x), x.matmul(weight.t()), 1e-12);
  expect_close(func::functional_call(lin.ptr(), {{"bias", b}}, x), x.matmul(weight.t()), 1e-12);
  expect_close(func::functional_call(nn::AnyModule(lin), {{"weight", w}, {"bias", b}}, x),
               x.matmul(w.t()), 1e-12);
  EXPECT_TRUE(lin->bias.is_same(bias));
}

TEST(FunctionalCall, PerSampleGradientsMatchALoopOfBackwardPasses) {
  nn::Sequential model = small_model();
  const auto named = model->named_parameters();
  const std::vector<std::string> names = named.keys();
  ASSERT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  std::vector<Tensor> params;
  for (const std::string& n : names) params.push_back(named[n].detach());
  Tensor xs = randn({5, 3}, f64()), ys = randn({5, 2}, f64());

  // loss(params..., x, y) for one sample, the model a function of its weights.
  func::TensorListFn loss = [&](const std::vector<Tensor>& a) {
    nn::utils::stateless::TensorMap weights;
    for (size_t i = 0; i < names.size(); ++i) weights[names[i]] = a[i];
    Tensor out = func::functional_call(model, weights, a[4].unsqueeze(0));
    return std::vector<Tensor>{nn::functional::mse_loss(out, a[5].unsqueeze(0))};
  };
  func::TensorListFn per_sample = [&](const std::vector<Tensor>& a) {
    return func::grad_and_value(loss, a, {0, 1, 2, 3}).first;
  };
  std::vector<std::optional<int64_t>> in_dims(4, std::nullopt);
  in_dims.push_back(0);
  in_dims.push_back(0);
  std::vector<Tensor> args = params;
  args.push_back(xs);
  args.push_back(ys);
  const std::vector<Tensor> grads = func::vmap(per_sample, args, in_dims);

  ASSERT_EQ(grads.size(), 4u);
  for (int64_t s = 0; s < 5; ++s) {
    model->zero_grad();
    nn::functional::mse_loss(model->forward(xs.narrow(0, s, 1)), ys.narrow(0, s, 1)).backward();
    for (size_t i = 0; i < names.size(); ++i)
      expect_close(grads[i][s], model->named_parameters()[names[i]].grad(), 1e-10, 1e-12);
  }
  for (size_t i = 0; i < names.size(); ++i)
    EXPECT_TRUE(model->named_parameters()[names[i]].is_same(named[names[i]]));
}

// A module whose forward fails after seeing its replaced parameter.
struct Failing : nn::Module {
  Tensor& w;
  Tensor seen;
  Failing() : w(register_parameter("w", ones({2}, f64()))) {}
  Tensor forward(const Tensor& x) override {
    seen = w;
    throw Error("forward failed", ErrorKind::Value);
  }
};

TEST(FunctionalCall, RestoresAfterAnExceptionAndRejectsUnknownNames) {
  auto m = std::make_shared<Failing>();
  const Tensor own = m->w;
  Tensor replacement = zeros({2}, f64());
  EXPECT_EMBER_ERROR(func::functional_call(m, {{"w", replacement}}, ones({2})), "forward failed");
  EXPECT_TRUE(m->seen.is_same(replacement));
  EXPECT_TRUE(m->w.is_same(own));

  nn::Sequential model = small_model();
  const Tensor w0 = model->named_parameters()["0.weight"];
  try {
    func::functional_call(
        model, {{"0.weight", zeros({4, 3}, f64())}, {"foo", ones({1})}, {"1.w", ones({1})}},
        ones({1, 3}, f64()));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "Error(s) in reparametrizing for Sequential:\n\tUnexpected key(s): '1.w', 'foo'.");
  }
  EXPECT_TRUE(model->named_parameters()["0.weight"].is_same(w0));
}

// Two layers sharing one weight, and a buffer.
struct Tied : nn::Module {
  nn::Linear a{nn::LinearOptions(2, 2).bias(false)}, b{nn::LinearOptions(2, 2).bias(false)};
  Tensor& scale;
  Tied() : scale(register_buffer("scale", full({2}, 2.0, f64()))) {
    register_module("a", a);
    register_module("b", b);
    a->to(kFloat64);
    b->weight = a->weight;
  }
  Tensor forward(const Tensor& x) override { return b(a(x)) * scale; }
};

TEST(FunctionalCall, TiedWeightsAndBuffers) {
  auto m = std::make_shared<Tied>();
  EXPECT_EQ(m->named_parameters().keys(), std::vector<std::string>{"a.weight"});
  Tensor x = randn({3, 2}, f64()), w = randn({2, 2}, f64()), s = tensor({1.0, -1.0}, f64());
  const Tensor expected = x.matmul(w.t()).matmul(w.t()) * s;
  // Either name of the tied weight replaces it in both layers.
  expect_close(func::functional_call(m, {{"a.weight", w}, {"scale", s}}, x), expected, 1e-12);
  expect_close(func::functional_call(m, {{"b.weight", w}, {"scale", s}}, x), expected, 1e-12);
  expect_close(func::functional_call(m, {{"a.weight", w}, {"b.weight", w}, {"scale", s}}, x),
               expected, 1e-12);
  EXPECT_EMBER_ERROR(func::functional_call(m, {{"a.weight", w}, {"b.weight", w.clone()}}, x),
                     "functional_call got multiple values for keys ['a.weight', 'b.weight'], "
                     "which are tied");
  EXPECT_TRUE(m->a->weight.is_same(m->b->weight));
  EXPECT_FALSE(m->a->weight.is_same(w));
  expect_close(m->scale, full({2}, 2.0, f64()), 0);
}

struct TwoParams : nn::Module {
  Tensor& p;
  Tensor& q;
  TwoParams()
      : p(register_parameter("p", tensor({1.0, 2.0}, f64()))),
        q(register_parameter("q", tensor({5.0, 7.0}, f64()))) {}
  Tensor forward(const Tensor& x) override { return x * p - q; }
};

TEST(FunctionalCall, SwapsAModulesOwnTensorsAndKeepsBufferUpdatesInTheReplacement) {
  auto m = std::make_shared<TwoParams>();
  const Tensor p = m->p, q = m->q;
  expect_close(func::functional_call(m, {{"p", q}, {"q", p}}, ones({2}, f64())), q - p, 0);
  EXPECT_TRUE(m->p.is_same(p));
  EXPECT_TRUE(m->q.is_same(q));

  // BatchNorm's running statistics update in place: into the given tensor, not the module's.
  nn::BatchNorm1d bn(2);
  bn->to(kFloat64);
  Tensor mean = zeros({2}, f64());
  Tensor x = tensor({{1.0, 2.0}, {3.0, 6.0}}, f64());
  func::functional_call(bn, {{"running_mean", mean}}, x);
  expect_close(mean, tensor({0.2, 0.4}, f64()), 1e-12);
  expect_close(bn->running_mean, zeros({2}, f64()), 0);
}

}  // namespace
}  // namespace ember
