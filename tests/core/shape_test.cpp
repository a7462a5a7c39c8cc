// Sizes, strides, contiguity and view aliasing.
#include "testing.h"

namespace ember {
namespace {
using testing::values;

TEST(Shape, ContiguousStrides) {
  Tensor t = zeros({2, 3, 4});
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(t.strides().vec(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.stride(0), 12);
}

TEST(Shape, ZeroDimTensor) {
  Tensor t = full({}, 3.5);
  EXPECT_EQ(t.dim(), 0);
  EXPECT_EQ(t.numel(), 1);
  EXPECT_DOUBLE_EQ(t.item<double>(), 3.5);
}

TEST(Shape, TransposeIsAViewWithSwappedStrides) {
  Tensor t = arange(6).view({2, 3});
  Tensor tt = t.t();
  EXPECT_EQ(tt.sizes().vec(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(tt.strides().vec(), (std::vector<int64_t>{1, 3}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.data_ptr(), t.data_ptr());
  EXPECT_TRUE(tt.contiguous().is_contiguous());
  EXPECT_EQ(values(tt), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Shape, WritingThroughAViewChangesTheBase) {
  Tensor base = zeros({3, 4});
  base.select(0, 1).fill_(7);
  base.slice(1, 0, 4, 2).select(0, 2).fill_(1);
  EXPECT_EQ(values(base), (std::vector<double>{0, 0, 0, 0, 7, 7, 7, 7, 1, 0, 1, 0}));
  Tensor v = base.view({12});
  v.index_put_({0}, 5);
  EXPECT_EQ(base.index({0, 0}).item<float>(), 5.f);
}

TEST(Shape, VersionCounterIsSharedByViews) {
  Tensor base = zeros({4});
  Tensor view = base.narrow(0, 1, 2);
  const auto v0 = base._version();
  view.add_(1);
  EXPECT_EQ(base._version(), v0 + 1);
  EXPECT_EQ(view._version(), base._version());
  base.mul_(2);
  EXPECT_EQ(view._version(), v0 + 2);
}

TEST(Shape, ExpandUsesZeroStrides) {
  Tensor t = tensor({1., 2., 3.});
  Tensor e = t.expand({4, 3});
  EXPECT_EQ(e.strides().vec(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(e.sum().item<double>(), 24.0);
  EXPECT_EQ(t.unsqueeze(1).expand({-1, 2}).strides().vec(), (std::vector<int64_t>{1, 0}));
}

TEST(Shape, ViewAndReshape) {
  Tensor t = arange(24).view({2, 3, 4});
  EXPECT_EQ(t.view({-1, 4}).sizes().vec(), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(t.view({4, -1}).data_ptr(), t.data_ptr());
  // A transposed tensor cannot be viewed flat, but it can be reshaped (with a copy).
  Tensor tt = t.transpose(0, 2);
  EXPECT_EMBER_ERROR(tt.view({-1}),
                     "view: view size is not compatible with input tensor's size and stride");
  Tensor r = tt.reshape({-1});
  EXPECT_NE(r.data_ptr(), t.data_ptr());
  EXPECT_EQ(values(r)[1], 12.0);
  // Splitting a contiguous run of dims stays a view.
  EXPECT_EQ(tt.reshape({4, 3, 2}).data_ptr(), t.data_ptr());
}

TEST(Shape, SqueezeUnsqueezeFlatten) {
  Tensor t = zeros({2, 1, 3, 1});
  EXPECT_EQ(t.squeeze().sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.squeeze(1).sizes().vec(), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(t.squeeze(0).sizes().vec(), (std::vector<int64_t>{2, 1, 3, 1}));
  EXPECT_EQ(t.unsqueeze(-1).sizes().vec(), (std::vector<int64_t>{2, 1, 3, 1, 1}));
  EXPECT_EQ(t.flatten().sizes().vec(), (std::vector<int64_t>{6}));
  EXPECT_EQ(t.flatten(1, 2).sizes().vec(), (std::vector<int64_t>{2, 3, 1}));
}

TEST(Shape, PermuteAndAsStrided) {
  Tensor t = arange(24).view({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.sizes().vec(), (std::vector<int64_t>{4, 2, 3}));
  EXPECT_EQ(p.strides().vec(), (std::vector<int64_t>{1, 12, 4}));
  Tensor diag = arange(9).view({3, 3}).as_strided({3}, {4}, 0);
  EXPECT_EQ(values(diag), (std::vector<double>{0, 4, 8}));
}

TEST(Shape, SliceWithSteps) {
  Tensor t = arange(10);
  EXPECT_EQ(values(t.slice(0, 1, 8, 3)), (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(values(t.slice(0, -3)), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(t.slice(0, 5, 2).numel(), 0);
  EXPECT_EQ(values(t.slice(0, std::nullopt, std::nullopt, 4)), (std::vector<double>{0, 4, 8}));
}

TEST(Shape, FromBlobSharesCallerMemory) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  bool freed = false;
  {
    Tensor t = from_blob(data, {2, 3}, [&](void*) { freed = true; });
    t.mul_(2);
    EXPECT_FALSE(freed);
  }
  EXPECT_TRUE(freed);
  EXPECT_EQ(data[5], 12.f);
  Tensor strided = from_blob(data, {3}, {2});
  EXPECT_EQ(values(strided), (std::vector<double>{2, 6, 10}));
}

TEST(Shape, HandlesAreCheapSharedReferences) {
  Tensor a = ones({3});
  Tensor b = a;
  b.add_(1);
  EXPECT_TRUE(a.is_same(b));
  EXPECT_EQ(a.sum().item<float>(), 6.f);
  Tensor c = a.clone();
  c.add_(1);
  EXPECT_EQ(a.sum().item<float>(), 6.f);
}

}  // namespace
}  // namespace ember
