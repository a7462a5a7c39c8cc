// nn::Module semantics: registration, traversal order, modes, gradients, conversion, state dicts
// and printing, plus the containers (Sequential, ModuleList) and Flatten. Expected names,
// strings and error messages come from torch 1.13 run on the same structures.
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

using testing::repr;

// The message of the ember::Error fn throws, checking its kind.
std::string error_of(const std::function<void()>& fn, ErrorKind kind) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an ember::Error";
  return "";
}

std::vector<std::string> keys(const TensorDict& d) { return d.keys(); }

template <typename Named>
std::vector<std::string> names(const Named& named) {
  std::vector<std::string> out;
  for (const auto& entry : named) out.push_back(entry.first);
  return out;
}

// The seed program's model: two Linear layers with a ReLU between them.
struct TwoLayerNet : nn::Module {
  TwoLayerNet(int64_t d_in, int64_t h, int64_t d_out)
      : linear1(register_module("linear1", nn::Linear(d_in, h))),
        linear2(register_module("linear2", nn::Linear(h, d_out))) {}
  Tensor forward(const Tensor& x) override { return linear2(linear1(x).clamp_min(0)); }
  nn::Linear linear1, linear2;
};

// A module without parameters that doubles its input.
struct Double : nn::Module {
  Tensor forward(const Tensor& x) override { return x * 2; }
};

// Mirrors a PyTorch module with a parameter, buffers (one not persistent), an integer buffer,
// a child and an extra_repr.
struct WithBuf : nn::Module {
  WithBuf() {
    register_buffer("running", zeros({2}));
    register_buffer("tmp", ones({1}), /*persistent=*/false);
    w = register_parameter("w", ones({2}));
    register_module("child", nn::Linear(2, 1));
    register_buffer("count", tensor(0));
  }
  std::string extra_repr() const override { return "k=1"; }
  Tensor w;
};

struct Multi : nn::Module {
  std::string extra_repr() const override { return "a=1\nb=2"; }
};

struct Inner : nn::Module {
  Inner() {
    register_module("seq", nn::Sequential(nn::Linear(2, 3, false), nn::Flatten()));
    register_module("ml", nn::ModuleList(nn::Linear(3, 3), nn::Linear(3, 3)));
  }
};

struct E : nn::Module {};

nn::Sequential nested() {
  return nn::Sequential(nn::Linear(3, 4), nn::Sequential(nn::Linear(4, 4), nn::Flatten()),
                        nn::Linear(4, 2, false));
}

// ---- Registration and traversal ------------------------------------------------------------

TEST(NnModuleTest, NamedParametersOfNestedModulesInRegistrationOrder) {
  auto seq = nested();
  EXPECT_EQ(keys(seq->named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.0.weight", "1.0.bias", "2.weight"}));
  EXPECT_EQ(keys(seq->named_parameters(/*recurse=*/false)), std::vector<std::string>{});
  EXPECT_EQ(seq->parameters().size(), 5u);
  EXPECT_TRUE(seq->parameters()[4].is_same(seq->at<nn::LinearImpl>(2).weight));
  EXPECT_EQ(names(seq->named_modules()),
            (std::vector<std::string>{"", "0", "1", "1.0", "1.1", "2"}));
  EXPECT_EQ(seq->modules()[0].get(), seq.get());
  EXPECT_EQ(names(seq->named_children()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(seq->children()[1].get(), seq[1].get());

  TwoLayerNet net(3, 5, 2);
  EXPECT_EQ(keys(net.named_parameters()),
            (std::vector<std::string>{"linear1.weight", "linear1.bias", "linear2.weight",
                                      "linear2.bias"}));
  EXPECT_TRUE(net.named_parameters().at("linear2.bias").is_same(net.linear2->bias));
  // A module not owned by a shared_ptr still lists itself first.
  EXPECT_EQ(net.modules()[0].get(), &net);
  EXPECT_EQ(net.name(), "TwoLayerNet");
}

TEST(NnModuleTest, NamedListsAreLibTorchOrderedDicts) {
  auto seq = nested();
  // LibTorch's spelling: items with key() and value(), lookup by name.
  std::vector<std::string> seen;
  for (const auto& child : seq->named_children())
    seen.push_back(child.key() + "=" + child.value()->name());
  EXPECT_EQ(seen, (std::vector<std::string>{"0=Linear", "1=Sequential", "2=Linear"}));
  EXPECT_EQ(seq->named_modules()["1.0"].get(), seq->at<nn::SequentialImpl>(1)[0].get());
  for (const auto& p : seq->named_parameters()) EXPECT_TRUE(p.value().requires_grad()) << p.key();
  EXPECT_EQ(names(seq->named_modules("model")),
            (std::vector<std::string>{"model", "model.0", "model.1", "model.1.0", "model.1.1",
                                      "model.2"}));
  EXPECT_EQ(names(seq->named_modules("", /*include_self=*/false)),
            (std::vector<std::string>{"0", "1", "1.0", "1.1", "2"}));
  EXPECT_EQ(seq->modules(/*include_self=*/false).size(), 5u);
  EXPECT_EMBER_ERROR(seq->named_children()["9"], "named_children: no entry named '9'");
}

TEST(NnModuleTest, SharedModuleReportedOnceButSavedUnderEachName) {
  auto shared = std::make_shared<E>();
  nn::Linear l(2, 2);
  shared->register_module("a", l);
  shared->register_module("b", l);
  EXPECT_EQ(keys(shared->named_parameters()), (std::vector<std::string>{"a.weight", "a.bias"}));
  EXPECT_EQ(names(shared->named_modules()), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(keys(shared->state_dict()),
            (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
  EXPECT_EQ(repr(*shared),
            "E(\n  (a): Linear(in_features=2, out_features=2, bias=True)\n"
            "  (b): Linear(in_features=2, out_features=2, bias=True)\n)");
}

TEST(NnModuleTest, BuffersAndPersistence) {
  WithBuf m;
  EXPECT_EQ(keys(m.named_buffers()), (std::vector<std::string>{"running", "tmp", "count"}));
  EXPECT_EQ(keys(m.state_dict()),
            (std::vector<std::string>{"w", "running", "count", "child.weight", "child.bias"}));
  EXPECT_EQ(keys(m.named_parameters()),
            (std::vector<std::string>{"w", "child.weight", "child.bias"}));
  EXPECT_EQ(m.buffers().size(), 3u);
  EXPECT_EQ(m.buffers(/*recurse=*/false).size(), 3u);
  EXPECT_FALSE(m.named_buffers().at("running").requires_grad());
  EXPECT_TRUE(m.w.requires_grad());
  EXPECT_TRUE(m.w.is_leaf());
}

TEST(NnModuleTest, RegisterParameterSetsRequiresGradAndReturnsTheSlot) {
  E m;
  Tensor& frozen = m.register_parameter("frozen", ones({2}), /*requires_grad=*/false);
  EXPECT_FALSE(frozen.requires_grad());
  EXPECT_TRUE(m.named_parameters().at("frozen").is_same(frozen));
  // Assigning through the slot replaces the registered parameter.
  frozen = zeros({3});
  EXPECT_EQ(m.named_parameters().at("frozen").sizes().vec(), (std::vector<int64_t>{3}));
  // An undefined tensor registers an absent parameter, skipped everywhere.
  m.register_parameter("none", Tensor());
  EXPECT_EQ(keys(m.named_parameters()), std::vector<std::string>{"frozen"});
  EXPECT_EQ(keys(m.state_dict()), std::vector<std::string>{"frozen"});
}

TEST(NnModuleTest, RegistrationErrors) {
  E m;
  m.register_parameter("w", ones({2}));
  EXPECT_EQ(error_of([&] { m.register_parameter("", ones({1})); }, ErrorKind::Index),
            "register_parameter: parameter name can't be empty string \"\"");
  EXPECT_EQ(error_of([&] { m.register_buffer("a.b", ones({1})); }, ErrorKind::Index),
            "register_buffer: buffer name can't contain \".\", got \"a.b\"");
  EXPECT_EQ(error_of([&] { m.register_buffer("w", ones({1})); }, ErrorKind::Index),
            "register_buffer: attribute 'w' already exists in E");
  EXPECT_EQ(error_of([&] { m.register_module("w", nn::Flatten()); }, ErrorKind::Index),
            "register_module: attribute 'w' already exists in E");
  EXPECT_EQ(error_of([&] { m.register_module("x", std::shared_ptr<E>()); }, ErrorKind::Value),
            "register_module: submodule 'x' is null");
  Tensor leaf = ones({2}, requires_grad());
  EXPECT_EMBER_ERROR(m.register_parameter("v", leaf * 2),
                     "cannot assign non-leaf Tensor to parameter 'v'");
  // Nothing was registered by the failed calls.
  EXPECT_EQ(keys(m.named_parameters()), std::vector<std::string>{"w"});
  EXPECT_TRUE(m.children().empty());
}

TEST(NnModuleTest, DefaultForwardIsNotImplemented) {
  E m;
  EXPECT_EQ(error_of([&] { m.forward(ones({1})); }, ErrorKind::NotImplemented),
            "Module [E] is missing the required \"forward\" function");
  nn::ModuleList list(nn::Linear(1, 1));
  EXPECT_EQ(error_of([&] { list->forward(ones({1})); }, ErrorKind::NotImplemented),
            "Module [ModuleList] is missing the required \"forward\" function");
}

// ---- Modes and gradients -------------------------------------------------------------------

TEST(NnModuleTest, TrainAndEvalPropagate) {
  auto seq = nested();
  for (auto& m : seq->modules()) EXPECT_TRUE(m->is_training());
  seq->eval();
  for (auto& m : seq->modules()) EXPECT_FALSE(m->is_training());
  seq[1]->train();
  EXPECT_FALSE(seq->is_training());
  EXPECT_TRUE(seq[1]->is_training());
  EXPECT_TRUE(seq->at<nn::SequentialImpl>(1)[1]->is_training());
  EXPECT_FALSE(seq[2]->is_training());
  seq->train(true);
  for (auto& m : seq->modules()) EXPECT_TRUE(m->is_training());
}

TEST(NnModuleTest, ZeroGrad) {
  nn::Linear lin(3, 2);
  Tensor x = tensor({{1., 2., 3.}});
  lin(x).sum().backward();
  ASSERT_TRUE(lin->weight.grad().defined());
  expect_close(lin->bias.grad(), tensor({1., 1.}));
  lin->zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(lin->weight.grad().defined());
  EXPECT_EQ(values(lin->weight.grad()), std::vector<double>(6, 0.0));
  EXPECT_EQ(values(lin->bias.grad()), std::vector<double>(2, 0.0));
  lin(x).sum().backward();
  expect_close(lin->weight.grad(), tensor({{1., 2., 3.}, {1., 2., 3.}}));
  lin->zero_grad();
  EXPECT_FALSE(lin->weight.grad().defined());
  EXPECT_FALSE(lin->bias.grad().defined());
}

// ---- Conversion ----------------------------------------------------------------------------

TEST(NnModuleTest, ToFloat64KeepsLeavesAndUpdatesSlots) {
  WithBuf m;
  auto& child = *std::dynamic_pointer_cast<nn::LinearImpl>(m.named_children()[0].second);
  Tensor before = child.weight.clone();
  child.forward(tensor({{1., 2.}})).sum().backward();
  m.to(kFloat64);
  for (const auto& [name, p] : m.named_parameters()) {
    EXPECT_EQ(p.dtype(), kFloat64) << name;
    EXPECT_TRUE(p.is_leaf()) << name;
    EXPECT_TRUE(p.requires_grad()) << name;
  }
  // The module's own fields are the slots, so they see the converted tensors.
  EXPECT_EQ(child.weight.dtype(), kFloat64);
  EXPECT_TRUE(child.weight.is_same(m.named_parameters().at("child.weight")));
  expect_close(child.weight, before.to(kFloat64));
  EXPECT_EQ(child.weight.grad().dtype(), kFloat64);
  expect_close(child.weight.grad(), tensor({{1., 2.}}, kFloat64));
  EXPECT_EQ(m.named_buffers().at("running").dtype(), kFloat64);
  EXPECT_EQ(m.named_buffers().at("count").dtype(), kInt64);  // integers stay
  // The converted module computes in float64 and its gradients reach the new leaves.
  Tensor y = child.forward(tensor({{1., 2.}}, kFloat64));
  EXPECT_EQ(y.dtype(), kFloat64);
  child.zero_grad();
  y.sum().backward();
  expect_close(child.bias.grad(), tensor({1.}, kFloat64));

  EXPECT_EQ(error_of([&] { m.to(kInt64); }, ErrorKind::Type),
            "Module.to: only floating point dtypes are accepted, but got desired dtype=int64");
  m.to(Device(kCPU));
  EXPECT_EQ(m.named_parameters().at("w").device(), Device(kCPU));
  // A failed move (no CUDA in this build) leaves every tensor where it was.
  Tensor w = m.named_parameters().at("w");
  bool moved = true;
  try {
    m.to(Device(kCUDA));
  } catch (const Error&) {
    moved = false;
  }
  if (moved)
    EXPECT_TRUE(m.named_parameters().at("w").is_cuda());
  else
    EXPECT_TRUE(m.named_parameters().at("w").is_same(w));
}

TEST(NnModuleTest, ToKeepsTiedParametersTied) {
  auto m = std::make_shared<E>();
  nn::Linear l(2, 2);
  m->register_module("a", l);
  m->register_module("b", l);
  Tensor& extra = m->register_parameter("tied", l->weight);
  m->to(kFloat64);
  EXPECT_TRUE(extra.is_same(l->weight));
  EXPECT_EQ(extra.dtype(), kFloat64);
  EXPECT_EQ(m->parameters().size(), 2u);
}

// ---- State dicts ---------------------------------------------------------------------------

TEST(NnModuleTest, StateDictRoundTrip) {
  manual_seed(1);
  auto a = nested();
  auto b = nested();
  TensorDict state = a->state_dict();
  for (const auto& [key, value] : state) {
    EXPECT_FALSE(value.requires_grad()) << key;
    EXPECT_EQ(value.data_ptr(), a->named_parameters().at(key).data_ptr()) << key;
  }
  Tensor x = arange(6, kFloat32).reshape({2, 3}) / 6;
  EXPECT_FALSE(a(x).allclose(b(x)));
  Tensor b_weight = b->at<nn::LinearImpl>(0).weight;
  nn::LoadStateDictResult result = b->load_state_dict(state);
  EXPECT_TRUE(result.missing_keys.empty());
  EXPECT_TRUE(result.unexpected_keys.empty());
  expect_close(b(x), a(x));
  // Copied in place: the handles held before loading see the new values and stay leaves.
  expect_close(b_weight, a->at<nn::LinearImpl>(0).weight);
  EXPECT_TRUE(b_weight.is_leaf());
  EXPECT_TRUE(b_weight.requires_grad());
  // A float64 checkpoint is converted to the module's dtype.
  TensorDict doubled;
  for (const auto& [key, value] : state) doubled.insert(key, value.to(kFloat64) * 2);
  b->load_state_dict(doubled);
  expect_close(b->at<nn::LinearImpl>(2).weight, a->at<nn::LinearImpl>(2).weight * 2);
  EXPECT_EQ(b->at<nn::LinearImpl>(2).weight.dtype(), kFloat32);
}

TEST(NnModuleTest, LoadStateDictStrictErrors) {
  nn::Sequential s(nn::Linear(4, 2), nn::Linear(2, 1));
  Tensor w0 = s->at<nn::LinearImpl>(0).weight.clone();
  TensorDict bad{{"0.weight", zeros({3, 4})},
                 {"0.bias", zeros({2})},
                 {"1.weight", zeros({1, 2})},
                 {"extra", zeros({1})}};
  EXPECT_EQ(error_of([&] { s->load_state_dict(bad); }, ErrorKind::Runtime),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tMissing key(s) in state_dict: \"1.bias\". \n"
            "\tUnexpected key(s) in state_dict: \"extra\". \n"
            "\tsize mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, "
            "the shape in current model is [2, 4].");
  // A size mismatch is an error even when not strict.
  EXPECT_EQ(error_of([&] { s->load_state_dict(bad, /*strict=*/false); }, ErrorKind::Runtime),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tsize mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, "
            "the shape in current model is [2, 4].");
  TensorDict bad2{{"0.weight", zeros({2, 4})},
                  {"1.weight", zeros({1, 2})},
                  {"1.bias", zeros({1})},
                  {"x.y", zeros({1})},
                  {"z", zeros({1})}};
  EXPECT_EQ(error_of([&] { s->load_state_dict(bad2); }, ErrorKind::Runtime),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tMissing key(s) in state_dict: \"0.bias\". \n"
            "\tUnexpected key(s) in state_dict: \"x.y\", \"z\". ");
  TensorDict bad3{{"0.weight", zeros({3, 4})},
                  {"0.bias", zeros({2})},
                  {"1.weight", zeros({1, 2})},
                  {"1.bias", zeros({1, 1})}};
  EXPECT_EQ(error_of([&] { s->load_state_dict(bad3); }, ErrorKind::Runtime),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tsize mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, "
            "the shape in current model is [2, 4].\n"
            "\tsize mismatch for 1.bias: copying a param with shape [1, 1] from checkpoint, the "
            "shape in current model is [1].");
  // Keys under a submodule's prefix are reported by that submodule, after its parent's.
  TensorDict bad4{{"0.q", zeros({1})}, {"z", zeros({1})}};
  for (const auto& [key, value] : s->state_dict()) bad4.insert(key, value);
  EXPECT_EQ(error_of([&] { s->load_state_dict(bad4); }, ErrorKind::Runtime),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tUnexpected key(s) in state_dict: \"z\", \"0.q\". ");
  // Failed loads copied nothing.
  expect_close(s->at<nn::LinearImpl>(0).weight, w0);

  // Not strict: the matching keys load and the others are reported.
  nn::LoadStateDictResult result = s->load_state_dict(bad2, /*strict=*/false);
  EXPECT_EQ(result.missing_keys, std::vector<std::string>{"0.bias"});
  EXPECT_EQ(result.unexpected_keys, (std::vector<std::string>{"x.y", "z"}));
  EXPECT_EQ(values(s->at<nn::LinearImpl>(0).weight), std::vector<double>(8, 0.0));
}

// ---- Printing ------------------------------------------------------------------------------

TEST(NnModuleTest, PrintsLikePyTorch) {
  nn::Sequential seq(nn::Linear(1000, 100), nn::Flatten(), nn::Linear(100, 10));
  EXPECT_EQ(repr(*seq),
            "Sequential(\n"
            "  (0): Linear(in_features=1000, out_features=100, bias=True)\n"
            "  (1): Flatten(start_dim=1, end_dim=-1)\n"
            "  (2): Linear(in_features=100, out_features=10, bias=True)\n"
            ")");
  std::ostringstream os;
  os << seq;  // holders print their module
  EXPECT_EQ(os.str(), repr(*seq));

  Inner inner;
  EXPECT_EQ(repr(inner),
            "Inner(\n"
            "  (seq): Sequential(\n"
            "    (0): Linear(in_features=2, out_features=3, bias=False)\n"
            "    (1): Flatten(start_dim=1, end_dim=-1)\n"
            "  )\n"
            "  (ml): ModuleList(\n"
            "    (0): Linear(in_features=3, out_features=3, bias=True)\n"
            "    (1): Linear(in_features=3, out_features=3, bias=True)\n"
            "  )\n"
            ")");
  EXPECT_EQ(repr(*nn::Flatten(0, 2)), "Flatten(start_dim=0, end_dim=2)");
  EXPECT_EQ(repr(*nn::Sequential()), "Sequential()");
  EXPECT_EQ(repr(*nn::ModuleList()), "ModuleList()");
  EXPECT_EQ(repr(E()), "E()");
  EXPECT_EQ(repr(WithBuf()),
            "WithBuf(\n  k=1\n  (child): Linear(in_features=2, out_features=1, bias=True)\n)");
  EXPECT_EQ(repr(Multi()), "Multi(\n  a=1\n  b=2\n)");
  EXPECT_EQ(repr(*nn::Sequential(std::make_shared<Multi>())),
            "Sequential(\n  (0): Multi(\n    a=1\n    b=2\n  )\n)");
  nn::Sequential named;
  named->push_back("first", nn::Linear(1, 2));
  named->push_back("second", nn::Flatten());
  EXPECT_EQ(repr(*named),
            "Sequential(\n"
            "  (first): Linear(in_features=1, out_features=2, bias=True)\n"
            "  (second): Flatten(start_dim=1, end_dim=-1)\n"
            ")");
  EXPECT_EQ(repr(TwoLayerNet(3, 4, 1)),
            "TwoLayerNet(\n"
            "  (linear1): Linear(in_features=3, out_features=4, bias=True)\n"
            "  (linear2): Linear(in_features=4, out_features=1, bias=True)\n"
            ")");
}

// ---- Holders and containers ----------------------------------------------------------------

TEST(NnContainerTest, ModuleHolder) {
  nn::Linear lin(3, 2);
  Tensor x = tensor({{1., 2., 3.}});
  expect_close(lin(x), lin->forward(x));
  nn::Linear copy = lin;  // copies share the module
  EXPECT_EQ(copy.get(), lin.get());
  std::shared_ptr<nn::Module> base = lin;
  EXPECT_EQ(base.get(), lin.get());
  std::shared_ptr<nn::LinearImpl> impl = lin.ptr();
  nn::Linear again(impl);
  EXPECT_EQ(again.get(), lin.get());
  nn::Linear empty(nullptr);
  EXPECT_TRUE(empty.is_empty());
  EXPECT_FALSE(static_cast<bool>(empty));
  EXPECT_EMBER_ERROR(empty->forward(x), "empty ModuleHolder");
  empty = lin;
  EXPECT_EQ(empty.get(), lin.get());
  nn::Linear from_options(nn::LinearOptions(3, 2).bias(false));
  EXPECT_FALSE(from_options->bias.defined());
  EXPECT_EQ(from_options->options.in_features(), 3);
}

TEST(NnContainerTest, SequentialChainsAndIndexes) {
  auto twice = std::make_shared<Double>();
  nn::Linear lin(3, 2);
  nn::Sequential seq(lin, twice, nn::Flatten(0));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq[0].get(), lin.get());
  EXPECT_EQ(seq[-2].get(), twice.get());
  EXPECT_EQ(&seq->at<nn::LinearImpl>(0), lin.get());
  EXPECT_EQ(error_of([&] { seq[3]; }, ErrorKind::Index),
            "Sequential: index 3 is out of range for 3 modules");
  EXPECT_EQ(error_of([&] { seq[-4]; }, ErrorKind::Index),
            "Sequential: index -4 is out of range for 3 modules");
  EXPECT_EQ(error_of([&] { seq->at<nn::LinearImpl>(1); }, ErrorKind::Type),
            "Sequential: the module at index 1 is not of the requested type");

  {
    NoGradGuard no_grad;
    lin->weight.copy_(tensor({{1., 2., 3.}, {-1., 0.5, 0.25}}));
    lin->bias.copy_(tensor({0.5, -1.}));
  }
  Tensor x = tensor({{1., 0., -1.}, {2., 3., 4.}});
  // Linear gives [[-1.5, -2.25], [20.5, -0.5]] (torch 1.13); doubled and flattened.
  expect_close(seq(x), tensor({-3., -4.5, 41., -1.}));

  seq->push_back(std::make_shared<Double>());
  EXPECT_EQ(names(seq->named_children()), (std::vector<std::string>{"0", "1", "2", "3"}));
  expect_close(seq(x), tensor({-6., -9., 82., -2.}));
  EXPECT_EQ(keys(seq->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
  int count = 0;
  for (const auto& m : *seq) count += m != nullptr;
  EXPECT_EQ(count, 4);

  // Sequentials nest, and an empty one passes its input through.
  nn::Sequential outer(seq, std::make_shared<Double>());
  expect_close(outer(x), tensor({-12., -18., 164., -4.}));
  nn::Sequential none;
  EXPECT_TRUE(none(x).is_same(x));
}

TEST(NnContainerTest, ModuleList) {
  nn::ModuleList list;
  EXPECT_TRUE(list->is_empty());
  list->push_back(nn::Linear(2, 3));
  list->push_back(std::make_shared<Double>());
  list->push_back(nn::Linear(3, 1));
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(names(list->named_children()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(keys(list->named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(list->at<nn::LinearImpl>(-1).options.in_features(), 3);

  // Iteration in order, applying each module by hand.
  Tensor x = ones({1, 2});
  for (const auto& m : *list) x = m->forward(x);
  EXPECT_EQ(x.sizes().vec(), (std::vector<int64_t>{1, 1}));

  nn::ModuleList other(nn::Flatten(), nn::Flatten(0));
  list->extend(*other);
  EXPECT_EQ(list->size(), 5u);
  EXPECT_EQ(list[4].get(), other[1].get());
  EXPECT_EQ(names(list->named_children()).back(), "4");
  list->extend(*list);
  EXPECT_EQ(list->size(), 10u);
  EXPECT_EQ(names(list->named_modules()).size(), 6u);  // 5 distinct children plus the list
}

TEST(NnContainerTest, Flatten) {
  nn::Flatten flat;
  Tensor x = arange(24, kFloat32).reshape({2, 3, 4});
  EXPECT_EQ(flat(x).sizes().vec(), (std::vector<int64_t>{2, 12}));
  expect_close(flat(x), arange(24, kFloat32).reshape({2, 12}));
  nn::Flatten middle(0, 1);
  EXPECT_EQ(middle(x).sizes().vec(), (std::vector<int64_t>{6, 4}));
  EXPECT_TRUE(flat->parameters().empty());
}

// ---- Training ------------------------------------------------------------------------------

TEST(NnModuleTest, TwoLayerNetLearnsWithManualSgd) {
  manual_seed(0);
  auto net = std::make_shared<TwoLayerNet>(4, 16, 2);
  Tensor x = randn({32, 4});
  Tensor y = x.matmul(tensor({{1., -1.}, {0.5, 2.}, {-2., 0.}, {0., 1.}}));
  std::vector<double> losses;
  for (int step = 0; step < 30; ++step) {
    Tensor loss = (net->forward(x) - y).pow(2).mean();
    losses.push_back(loss.item<double>());
    net->zero_grad();
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor& p : net->parameters()) p.sub_(p.grad() * 0.05);
  }
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  for (const Tensor& p : net->parameters()) EXPECT_TRUE(p.is_leaf());
}

}  // namespace
}  // namespace ember
