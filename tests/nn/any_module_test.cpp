// nn::AnyModule: any module behind one handle, its forward called with checked arguments.
#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;

// A module whose forward takes a number as well as a tensor.
struct ScaleImpl : nn::Module {
  Tensor forward(const Tensor& x, double factor) { return x * factor; }
};
EMBER_MODULE(Scale);

ErrorKind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected an ember::Error";
  return ErrorKind::Runtime;
}

TEST(AnyModule, CallsTheHeldModulesForward) {
  nn::Linear linear(3, 2);
  nn::AnyModule any(linear);
  Tensor x = randn({4, 3});
  expect_close(any.forward(x), linear(x));
  expect_close(any.any_forward(x).get<Tensor>(), linear(x));
  EXPECT_EQ(any.ptr().get(), linear.ptr().get());
  EXPECT_EQ(&any.get<nn::LinearImpl>(), linear.get());
  EXPECT_EQ(any.type_info(), typeid(nn::LinearImpl));

  nn::AnyModule scale(std::make_shared<ScaleImpl>());
  expect_close(scale.forward(x, 2.5), x * 2.5);
}

TEST(AnyModule, LeavesOutTrailingTensorsAndReturnsOtherTypes) {
  nn::GRU gru(nn::GRUOptions(3, 4));
  nn::AnyModule any(gru);
  Tensor x = randn({5, 2, 3});
  auto [out, h] = any.forward<std::tuple<Tensor, Tensor>>(x);  // hx left out
  auto [want_out, want_h] = gru(x);
  expect_close(out, want_out);
  expect_close(h, want_h);
  auto with_hx = any.forward<std::tuple<Tensor, Tensor>>(x, zeros({1, 2, 4}));
  expect_close(std::get<1>(with_hx), want_h);
}

TEST(AnyModule, BadCallsAreErrorsNamingTheArgument) {
  nn::AnyModule scale(Scale{});
  Tensor x = ones({2});
  EXPECT_EMBER_ERROR(scale.forward(x, 2),
                     "AnyModule: Scale's forward expects argument #1 to be of type "
                     "double, but received a value of type int");
  EXPECT_EQ(kind_of([&] { scale.forward(x, 2); }), ErrorKind::Type);
  EXPECT_EMBER_ERROR(scale.forward(x), "forward takes 2 to 2 arguments, but received 1");
  EXPECT_EMBER_ERROR(scale.forward<double>(x, 2.0),
                     "AnyValue: attempted to cast a value of type ember::Tensor to double");
  EXPECT_EMBER_ERROR(scale.get<nn::LinearImpl>(), "attempted to cast");
  nn::AnyModule empty;
  EXPECT_TRUE(empty.is_empty());
  EXPECT_EMBER_ERROR(empty.forward(x), "AnyModule: cannot call forward() on an empty AnyModule");
}

TEST(AnyModule, GoesIntoSequential) {
  nn::Sequential seq;
  seq->push_back(nn::AnyModule(nn::Linear(3, 2)));
  seq->push_back(nn::AnyModule(nn::ReLU()));
  EXPECT_EQ(seq->size(), 2u);
  EXPECT_TRUE(seq->forward(randn({4, 3})).ge(0).all().item<bool>());
}

}  // namespace
}  // namespace ember
