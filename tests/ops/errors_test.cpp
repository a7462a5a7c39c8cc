// Bad inputs: every one raises ember::Error with a useful message (never a crash or an abort).
#include <cstdint>

#include "testing.h"

namespace ember {
namespace {
using indexing::Slice;

// Runs fn, expecting an ember::Error; returns it (or a sentinel when nothing was thrown).
template <typename Fn>
Error catch_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an ember::Error";
  return Error("<no error>", ErrorKind::NotImplemented);
}

// Expects an Error of the given kind whose message contains every fragment.
template <typename Fn>
void expect_error(Fn&& fn, ErrorKind kind, std::initializer_list<const char*> fragments) {
  Error e = catch_error(std::forward<Fn>(fn));
  EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
  for (const char* f : fragments)
    EXPECT_NE(std::string(e.what()).find(f), std::string::npos)
        << "'" << f << "' not in: " << e.what();
}

constexpr auto kRuntime = ErrorKind::Runtime;
constexpr auto kIndex = ErrorKind::Index;

TEST(Errors, BroadcastMismatchNamesOpAndShapes) {
  expect_error(
      [] {
        return ones({2, 3}) + ones({4});
      },
      kRuntime,
      {"add", "[2, 3]", "[4]", "size of tensor a (3) must match the size of tensor b (4)"});
  expect_error(
      [] {
        return ones({2, 3}).mul(ones({3, 2}));
      },
      kRuntime, {"mul", "[2, 3]", "[3, 2]"});
  expect_error([] { return where(ones({2}, kBool), ones({3}), ones({2})); }, kRuntime, {"[3]"});
  expect_error([] { return broadcast_shapes({5}, {2, 4}, "myop"); }, kRuntime, {"myop", "[5]"});
  expect_error([] { return zeros({3}).copy_(ones({2})); }, kRuntime, {"copy_"});
  expect_error([] { return zeros({3}).copy_(ones({2, 3})); }, kRuntime, {"copy_", "[2, 3]"});
}

// PyTorch refuses subtraction with any bool operand, and pow with two.
TEST(Errors, BoolSubtractionAndPower) {
  const Tensor mask = ones({2}, kBool), ints = ones({2}, kInt64);
  expect_error([&] { return mask - mask; }, kRuntime, {"two bool tensors"});
  expect_error([&] { return ints - mask; }, kRuntime, {"with a bool tensor", "logical_not()"});
  expect_error([&] { return 1 - mask; }, kRuntime, {"with a bool tensor"});
  expect_error([&] { return ints - true; }, kRuntime, {"with a bool tensor"});
  expect_error([&] { return ints.sub_(mask); }, kRuntime, {"with a bool tensor"});
  expect_error([&] { return pow(mask, mask); }, kRuntime, {"pow", "'Bool'"});
  EXPECT_EQ(pow(mask, 2).dtype(), kInt64);
  EXPECT_EQ((ints - 1).dtype(), kInt64);
}

TEST(Errors, MatrixProductShapeMismatch) {
  Error e = catch_error([] { return mm(ones({2, 3}), ones({4, 5})); });
  EXPECT_STREQ(e.what(), "mm: shapes [2, 3] and [4, 5] cannot be multiplied");
  EXPECT_EQ(e.kind(), kRuntime);
  expect_error(
      [] {
        return ones({2, 3}).matmul(ones({4, 5}));
      },
      kRuntime, {"[2, 3]", "[4, 5]", "cannot be multiplied"});
  expect_error([] { return ones({3}).matmul(ones({4})); }, kRuntime, {"dot"});
  expect_error([] { return ones({3}).matmul(ones({4, 2})); }, kRuntime, {"[3]", "[4, 2]"});
  expect_error([] { return ones({2, 3}).mv(ones({4})); }, kRuntime, {"mv", "[2, 3]", "[4]"});
  expect_error(
      [] {
        return ones({2, 2, 3}).matmul(ones({5, 4, 2}));
      },
      kRuntime, {"matmul", "[2, 2, 3]", "[5, 4, 2]"});
  expect_error([] { return ones({2, 2, 3}).matmul(ones({3, 3, 2})); }, kRuntime, {"matmul"});
  expect_error([] { return ones({2, 2, 3}).bmm(ones({3, 3, 2})); }, kRuntime, {"bmm"});
  expect_error([] { return ones({2, 3}).bmm(ones({2, 3, 2})); }, kRuntime, {"bmm", "3-D"});
  expect_error([] { return ones({3}).mm(ones({3, 2})); }, kRuntime, {"mm", "matrix"});
  expect_error([] { return ones({3, 2}).dot(ones({3})); }, kRuntime, {"dot", "1D"});
  expect_error([] { return full({}, 1.0).matmul(ones({3})); }, kRuntime, {"matmul", "1D"});
  expect_error(
      [] {
        return ones({2, 3}).mm(ones({3, 2}, kFloat64));
      },
      kRuntime, {"mm", "Float", "Double"});
}

TEST(Errors, DimOutOfRangeIsAnIndexError) {
  Tensor t = ones({2, 3});
  expect_error([&] { return t.sum({2}); }, kIndex, {"Dimension out of range", "[-2, 1]", "2"});
  expect_error([&] { return t.sum({-3}); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return t.max(5); }, kIndex, {"max", "Dimension out of range"});
  expect_error([&] { return t.argmin(-4); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return t.amax({2}); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return t.var({7}, true); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return t.norm(2, {3}); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return t.transpose(0, 2); }, kIndex, {"transpose"});
  expect_error([&] { return t.unsqueeze(4); }, kIndex, {"unsqueeze"});
  expect_error([&] { return t.squeeze(2); }, kIndex, {"squeeze"});
  expect_error([&] { return t.size(2); }, kIndex, {"size"});
  expect_error([&] { return t.stride(-3); }, kIndex, {"stride"});
  expect_error([&] { return t.select(2, 0); }, kIndex, {"select"});
  expect_error([&] { return t.flatten(0, 2); }, kIndex, {"flatten"});
  expect_error([&] { return t.permute({0, 2}); }, kIndex, {"permute"});
  expect_error([&] { return cat({t, t}, 2); }, kIndex, {"cat"});
  expect_error([&] { return stack({t, t}, 3); }, kIndex, {"stack"});
  expect_error([&] { return t.index_select(2, tensor({0})); }, kIndex, {"index_select"});
  expect_error([&] { return t.gather(-3, zeros({2, 3}, kInt64)); }, kIndex, {"gather"});
  expect_error([&] { return t.split(1, 2); }, kIndex, {"split"});
  expect_error([&] { return t.chunk(2, -3); }, kIndex, {"chunk"});
  expect_error([&] { return t.unbind(2); }, kIndex, {"unbind"});
  expect_error([&] { return full({}, 1.0).sum({1}); }, kIndex, {"Dimension out of range"});
  expect_error([&] { return full({}, 1.0).max(1); }, kIndex, {"Dimension out of range"});
}

TEST(Errors, IndexOutOfRange) {
  Tensor t = arange(12).view({3, 4});
  expect_error([&] { return t.select(0, 3); }, kIndex, {"select", "out of range"});
  expect_error([&] { return t.select(1, -5); }, kIndex, {"select", "-5"});
  expect_error([&] { return t[3]; }, kIndex, {"out of range"});
  expect_error([&] { return t.index({0, 4}); }, kIndex, {"out of range"});
  expect_error([&] { return t.index({0, 0, 0}); }, kIndex, {"too many indices"});
  expect_error(
      [&] {
        return t.index_select(1, tensor({0, 4}));
      },
      kIndex, {"index_select", "index out of range"});
  expect_error([&] { return t.index_select(0, tensor({-4})); }, kIndex,
               {"index_select", "out of range"});
  expect_error(
      [&] {
        return t.index({Slice(), tensor({1, 9})});
      },
      kIndex, {"index 9 is out of bounds for dimension 1 with size 4"});
  expect_error(
      [&] {
        return t.gather(1, tensor({{4}, {0}, {0}}));
      },
      kRuntime, {"gather", "index 4 is out of bounds"});
  expect_error([&] { return t.narrow(0, 2, 2); }, kRuntime, {"exceeds dimension size"});
  expect_error([&] { return t.narrow(0, 5, 0); }, kIndex, {"start out of range"});
  expect_error([&] { return t.index({t.gt(3).slice(0, 0, 2)}); }, kIndex, {"mask"});
  expect_error([&] { return full({}, 1.0).select(0, 0); }, kIndex, {"0-dim"});
}

TEST(Errors, IndexArgumentTypes) {
  Tensor t = arange(12).view({3, 4});
  expect_error([&] { return t.index_select(0, tensor({0.5})); }, kRuntime, {"index_select", "int"});
  expect_error(
      [&] {
        return t.index_select(0, tensor({{0, 1}}));
      },
      kRuntime, {"index_select", "vector"});
  expect_error([&] { return t.gather(0, tensor({{0}}).to(kInt32)); }, kRuntime,
               {"gather", "int64"});
  expect_error([&] { return t.gather(0, tensor({0})); }, kRuntime, {"gather", "dimensions"});
  expect_error([&] { return t.index_put_({t.gt(3)}, ones({3}, kInt64)); }, kRuntime,
               {"index_put_", "[3]", "[8]"});
  expect_error([&] { return t.index({tensor({0.5})}); }, kIndex, {"index", "long, int or bool"});
  expect_error([&] { return t.split(IntArrayRef{1, 1}); }, kRuntime, {"split_with_sizes"});
  expect_error([&] { return t.chunk(0); }, kRuntime, {"chunk"});
  expect_error([&] { return t.split(-1); }, kRuntime, {"split"});
  expect_error([&] { return t.slice(0, 0, 3, 0); }, kRuntime, {"step"});
  expect_error([&] { return t.permute({0, 0}); }, kRuntime, {"duplicate"});
}

TEST(Errors, ZeroDimTensorsCannotBeSplit) {
  Tensor z = full({}, 1.0);
  expect_error([&] { return z.unbind(); }, kIndex, {"no dimensions"});
  expect_error([&] { return z.chunk(2); }, kRuntime, {"chunk expects at least a 1-dimensional"});
  expect_error([&] { return z.split(1); }, kRuntime, {"split expects at least a 1-dimensional"});
  expect_error([&] { return z.split(IntArrayRef{1}); }, kRuntime,
               {"split expects at least a 1-dimensional"});
  expect_error([&] { return cat({z, z}); }, kRuntime, {"zero-dimensional"});
  expect_error([&] { return z.narrow(0, 0, 1); }, kRuntime, {"0-dim"});
}

TEST(Errors, ViewOnIncompatibleStridesSuggestsReshape) {
  Tensor t = arange(6).view({2, 3}).t();
  expect_error([&] { return t.view({6}); }, kRuntime, {"view", "reshape"});
  expect_error([&] { return t.view({-1}); }, kRuntime, {"reshape"});
  expect_error([&] { return arange(6).view({4, -1}); }, kRuntime, {"invalid for input of size 6"});
  expect_error([&] { return arange(6).view({-1, -1}); }, kRuntime, {"only one dimension"});
  expect_error([&] { return arange(6).reshape({5}); }, kRuntime, {"reshape", "6"});
  EXPECT_NO_THROW(t.reshape({6}));
}

TEST(Errors, UnsupportedDtypes) {
  expect_error(
      [] {
        return tensor({1, 2, 3}).mean();
      },
      kRuntime, {"mean(): could not infer output dtype", "Long"});
  expect_error([] { return tensor({1, 2, 3}).mean({0}); }, kRuntime, {"mean", "Long"});
  expect_error([] { return -tensor({true, false}); }, kRuntime, {"Negation", "bool"});
  expect_error([] { return tensor({true, false}).neg_(); }, kRuntime, {"Negation"});
  expect_error(
      [] {
        return ones({2, 2}, kBool).mm(ones({2, 2}, kBool));
      },
      kRuntime, {"mm", "Bool"});
  expect_error([] { return ones({2, 2}, kBool).matmul(ones({2, 2}, kBool)); }, kRuntime, {"Bool"});
  expect_error([] { return ones({2}, kBool).dot(ones({2}, kBool)); }, kRuntime, {"Bool"});
  expect_error(
      [] {
        return ones({2, 2, 2}, kBool).bmm(ones({2, 2, 2}, kBool));
      },
      kRuntime, {"bmm", "Bool"});
  expect_error([] { return ones({2, 2}, kBool).mv(ones({2}, kBool)); }, kRuntime, {"Bool"});
  expect_error([] { return tensor({1, 2}).var(); }, kRuntime, {"var", "Long"});
  expect_error([] { return tensor({1, 2}).std(); }, kRuntime, {"Long"});
  expect_error([] { return tensor({1, 2}).norm(); }, kRuntime, {"norm", "Long"});
  expect_error([] { return rand({2}, kInt64); }, kRuntime, {"rand", "Long"});
  expect_error([] { return randn({2}, kBool); }, kRuntime, {"randn", "Bool"});
  expect_error([] { return zeros({2}, kInt64).uniform_(); }, kRuntime, {"uniform_"});
  expect_error([] { return zeros({2}, kInt64).normal_(); }, kRuntime, {"normal_"});
  expect_error([] { return tensor({true}).sub(tensor({false})); }, kRuntime, {"Subtraction"});
  expect_error([] { return tensor({1, 2}).add_(0.5); }, kRuntime, {"Float", "Long"});
}

TEST(Errors, BadSizes) {
  expect_error(
      [] {
        return zeros({-1, 2});
      },
      kRuntime, {"Trying to create tensor with negative dimension -1", "[-1, 2]"});
  expect_error([] { return empty({3, -2}); }, kRuntime, {"negative dimension"});
  expect_error([] { return ones({-5}); }, kRuntime, {"negative dimension"});
  expect_error([] { return full({-1}, 2.0); }, kRuntime, {"negative dimension"});
  const int64_t big = int64_t{1} << 40;
  expect_error([&] { return zeros({big, big}); }, kRuntime, {"overflows"});
  expect_error([&] { return empty({big, big, big}); }, kRuntime, {"overflows"});
  expect_error([&] { return empty({int64_t{1} << 62}, kFloat64); }, kRuntime, {"2^63"});
  expect_error([] { return arange(0, 10, 0); }, kRuntime, {"step must be nonzero"});
  expect_error([] { return arange(10, 0, 1); }, kRuntime, {"arange"});
  expect_error([] { return linspace(0, 1, -1); }, kRuntime, {"linspace"});
  expect_error([] { return eye(-1); }, kRuntime, {"eye"});
  expect_error([] { return randint(5, 5, {2}); }, kRuntime, {"from=5 >= to=5"});
  expect_error([] { return randperm(-1); }, kRuntime, {"randperm"});
  double data[4] = {};
  expect_error([&] { return from_blob(data, {2, 2}, {1}); }, kRuntime, {"from_blob"});
  expect_error([] { return tensor({{1, 2}, {3}}); }, kRuntime, {"tensor"});
  expect_error([] { return tensor({1, {2, 3}}); }, kRuntime, {"tensor"});
}

TEST(Errors, HugeAllocationThrowsInsteadOfAborting) {
  const int64_t big = int64_t{1} << 40;
  // 2^60 floats = 4 EiB: the size is representable but no machine can allocate it.
  Error e = catch_error([&] { return empty({big, int64_t{1} << 20}); });
  EXPECT_NE(std::string(e.what()).find("allocate"), std::string::npos) << e.what();
  expect_error([&] { return zeros({big, int64_t{1} << 20}); }, kRuntime, {"allocate"});
  // Sizes beyond any address space, so that no overcommit setting lets them through.
  const int64_t huge = int64_t{1} << 50;
  expect_error([&] { return ones({huge}, kFloat64).sum(); }, kRuntime, {"allocate"});
  // Ops that allocate a huge output fail the same way.
  Tensor row = zeros({1}).expand({huge});
  expect_error([&] { return row.contiguous(); }, kRuntime, {"allocate"});
  expect_error([&] { return row.add(1); }, kRuntime, {"allocate"});
}

TEST(Errors, ExpandAndCat) {
  expect_error(
      [] {
        return ones({3}).expand({2, 4});
      },
      kRuntime, {"expand", "must match the existing size (3)"});
  expect_error([] { return ones({2, 3}).expand({3}); }, kRuntime, {"expand"});
  expect_error([] { return ones({3}).expand({-1, 3}); }, kRuntime, {"expand"});
  expect_error(
      [] {
        return cat({ones({2, 3}), ones({2, 4})});
      },
      kRuntime,
      {"cat", "Sizes of tensors must match except in dimension 0", "Expected size 3", "got size 4",
       "tensor number 1"});
  expect_error(
      [] {
        return cat({ones({2, 3}), ones({3})});
      },
      kRuntime, {"cat", "same number of dimensions"});
  expect_error([] { return cat(std::vector<Tensor>{}); }, kRuntime, {"cat", "non-empty"});
  expect_error(
      [] {
        return stack({ones({2, 3}), ones({3, 2})});
      },
      kRuntime, {"stack", "equal size", "[2, 3]", "[3, 2]"});
  expect_error([] { return stack(std::vector<Tensor>{}); }, kRuntime, {"stack"});
}

TEST(Errors, InPlaceOps) {
  Tensor a = ones({3});
  expect_error(
      [&] {
        return a.add_(ones({2, 3}));
      },
      kRuntime, {"add", "output with shape [3] doesn't match the broadcast shape [2, 3]"});
  expect_error([&] { return a.mul_(ones({4})); }, kRuntime, {"mul"});
  Tensor e = ones({3}).expand({2, 3});
  expect_error([&] { return e.add_(1); }, kRuntime,
               {"more than one element of the written-to tensor refers to a single memory"});
  expect_error([&] { return e.fill_(2); }, kRuntime, {"fill_", "clone()"});
  expect_error([&] { return e.copy_(zeros({2, 3})); }, kRuntime, {"copy_"});
  expect_error([&] { return e.index_put_({Slice(), 0}, 5); }, kRuntime, {"more than one element"});
  expect_error([&] { return e.masked_fill_(ones({2, 3}, kBool), 0); }, kRuntime, {"masked_fill_"});
  EXPECT_EQ(a.sum().item<float>(), 3.f);  // nothing was written
}

TEST(Errors, DataPtrAndItem) {
  Tensor f = ones({2, 3});
  expect_error([&] { return f.data_ptr<double>(); }, kRuntime,
               {"expected scalar type Double but found Float"});
  expect_error([&] { return f.data_ptr<int64_t>(); }, kRuntime, {"Long", "Float"});
  expect_error([&] { return tensor({1, 2}).data_ptr<int32_t>(); }, kRuntime, {"Int", "Long"});
  expect_error([&] { return tensor({true}).data_ptr<float>(); }, kRuntime, {"Bool"});
  expect_error([&] { return Tensor().data_ptr<float>(); }, kRuntime, {"undefined"});
  expect_error([&] { return f.item(); }, kRuntime, {"6 elements", "Scalar"});
  expect_error([&] { return f.item<float>(); }, kRuntime, {"6 elements"});
  expect_error([&] { return zeros({0}).item<float>(); }, kRuntime, {"0 elements"});
  EXPECT_EQ(ones({1, 1, 1}).item<float>(), 1.f);
}

TEST(Errors, ReductionsOfEmptyTensors) {
  expect_error([] { return zeros({0}).max(); }, kRuntime, {"max()", "numel() == 0"});
  expect_error([] { return zeros({0}).min(); }, kRuntime, {"min()"});
  expect_error([] { return zeros({0, 2}).max(0); }, kIndex, {"non-zero size"});
  expect_error([] { return zeros({0}).argmax(); }, kIndex, {"argmax()"});
  expect_error([] { return zeros({0, 2}).amin({0}); }, kIndex, {"amin()"});
  expect_error([] { return zeros({2, 3}).sum({0, -2}); }, kRuntime, {"multiple times"});
}

}  // namespace
}  // namespace ember
