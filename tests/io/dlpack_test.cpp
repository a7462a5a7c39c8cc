// DLPack export and import (LibTorch's at::toDLPack / at::fromDLPack): shared memory, ownership,
// strides, dtypes and refusals.
#include "testing.h"

namespace ember {
namespace {

using ::ember::testing::values;

TEST(DLPack, RoundTripSharesMemoryAndKeepsTheTensorAlive) {
  Tensor original = arange(6, kFloat64).reshape({2, 3});
  DLManagedTensor* managed = toDLPack(original.t());  // a strided view
  EXPECT_EQ(managed->dl_tensor.ndim, 2);
  EXPECT_EQ(managed->dl_tensor.strides[0], 1);
  EXPECT_EQ(managed->dl_tensor.strides[1], 3);
  EXPECT_EQ(managed->dl_tensor.dtype.code, kDLFloat);
  Tensor back = fromDLPack(managed);
  EXPECT_EQ(back.data_ptr(), original.data_ptr());
  EXPECT_EQ(values(back), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  original.reset();  // the DLManagedTensor holds its own reference
  back.fill_(7.0);
  EXPECT_EQ(values(back.sum()), (std::vector<double>{42}));
}

TEST(DLPack, ImportCallsTheProducersDeleterOnce) {
  static int deleted = 0;
  static double data[4] = {1, 2, 3, 4};
  static int64_t shape[1] = {4};
  auto* managed = new DLManagedTensor{};
  managed->dl_tensor = {data, {kDLCPU, 0}, 1, {kDLFloat, 64, 1}, shape, nullptr, 0};
  managed->deleter = [](DLManagedTensor* self) {
    ++deleted;
    delete self;
  };
  {
    Tensor t = fromDLPack(managed);
    Tensor view = t.slice(0, 1, 3);
    t.reset();
    EXPECT_EQ(deleted, 0);
    EXPECT_EQ(values(view), (std::vector<double>{2, 3}));
  }
  EXPECT_EQ(deleted, 1);
}

TEST(DLPack, DtypesAndRefusals) {
  for (ScalarType dtype : {kBool, kInt32, kInt64, kFloat32, kFloat64}) {
    Tensor t = ones({3}, dtype);
    Tensor back = fromDLPack(toDLPack(t));
    EXPECT_EQ(back.dtype(), dtype);
    EXPECT_EQ(back.data_ptr(), t.data_ptr());
  }
  static int64_t shape[1] = {2}, negative[1] = {-1};
  static uint8_t bytes[2] = {1, 2};
  DLManagedTensor unsigned_bytes{};
  unsigned_bytes.dl_tensor = {bytes, {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, shape, nullptr, 0};
  EXPECT_EMBER_ERROR(fromDLPack(&unsigned_bytes), "unsupported DLPack dtype (code 1, 8 bits");
  DLManagedTensor reversed{};
  reversed.dl_tensor = {bytes + 1, {kDLCPU, 0}, 1, {kDLInt, 8, 1}, shape, negative, 0};
  EXPECT_EMBER_ERROR(fromDLPack(&reversed), "unsupported DLPack dtype");  // int8: checked first
  static int32_t ints[2] = {1, 2};
  DLManagedTensor backwards{};
  backwards.dl_tensor = {ints + 1, {kDLCPU, 0}, 1, {kDLInt, 32, 1}, shape, negative, 0};
  EXPECT_EMBER_ERROR(fromDLPack(&backwards), "negative strides are not supported");
  DLManagedTensor on_gpu{};
  on_gpu.dl_tensor = {bytes, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0};
  EXPECT_EMBER_ERROR(fromDLPack(&on_gpu), "only CPU memory can be imported");
}

}  // namespace
}  // namespace ember
