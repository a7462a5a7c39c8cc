// DLPack export and import over the public tensor API.
#include "ember/io/dlpack.h"

#include <fmt/format.h>

#include <vector>

#include "ember/ops/creation.h"

namespace ember {
namespace {

// DLPack 0.8's code for bool (the 0.6 header predates it); torch and NumPy use it.
constexpr uint8_t kDLBoolCode = 6;

// What a DLManagedTensor made by toDLPack owns: a reference to the tensor and the shape arrays
// its dl_tensor points into.
struct Exported {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed;
};

DLDataType dl_dtype(ScalarType dtype) {
  switch (dtype) {
    case kBool:
      return {kDLBoolCode, 8, 1};
    case kInt32:
      return {kDLInt, 32, 1};
    case kInt64:
      return {kDLInt, 64, 1};
    case kFloat32:
      return {kDLFloat, 32, 1};
    case kFloat64:
      return {kDLFloat, 64, 1};
  }
  throw Error(fmt::format("toDLPack: unsupported dtype {}", dtype_name(dtype)), ErrorKind::Type);
}

ScalarType ember_dtype(const DLDataType& t) {
  if (t.lanes == 1) {
    if (t.code == kDLFloat && t.bits == 32) return kFloat32;
    if (t.code == kDLFloat && t.bits == 64) return kFloat64;
    if (t.code == kDLInt && t.bits == 32) return kInt32;
    if (t.code == kDLInt && t.bits == 64) return kInt64;
    if (t.code == kDLBoolCode && t.bits == 8) return kBool;
  }
  throw Error(fmt::format("fromDLPack: unsupported DLPack dtype (code {}, {} bits, {} lanes); "
                          "Ember has float32, float64, int32, int64 and bool",
                          static_cast<int>(t.code), static_cast<int>(t.bits), t.lanes),
              ErrorKind::Type);
}

}  // namespace

DLManagedTensor* toDLPack(const Tensor& t) {
  if (!t.device().is_cpu())
    throw Error("toDLPack: only CPU tensors can be exported", ErrorKind::Runtime);
  auto* exported = new Exported{t, t.sizes().vec(), t.strides().vec(), {}};
  DLTensor& dl = exported->managed.dl_tensor;
  dl.data = t.data_ptr();
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int32_t>(t.dim());
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = exported->shape.data();
  dl.strides = exported->strides.data();
  dl.byte_offset = 0;
  exported->managed.manager_ctx = exported;
  exported->managed.deleter = [](DLManagedTensor* self) {
    delete static_cast<Exported*>(self->manager_ctx);
  };
  return &exported->managed;
}

Tensor fromDLPack(DLManagedTensor* src) {
  if (src == nullptr) throw Error("fromDLPack: got a null DLManagedTensor", ErrorKind::Value);
  const DLTensor& dl = src->dl_tensor;
  if (dl.device.device_type != kDLCPU)
    throw Error(fmt::format("fromDLPack: only CPU memory can be imported (device type {})",
                            static_cast<int>(dl.device.device_type)));
  const ScalarType dtype = ember_dtype(dl.dtype);
  std::vector<int64_t> sizes(dl.shape, dl.shape + dl.ndim), strides;
  if (dl.strides != nullptr) {
    strides.assign(dl.strides, dl.strides + dl.ndim);
  } else {  // compact row-major
    strides.resize(sizes.size());
    int64_t step = 1;
    for (size_t i = sizes.size(); i-- > 0;) {
      strides[i] = step;
      step *= sizes[i];
    }
  }
  for (int64_t s : strides)
    if (s < 0)
      throw Error(fmt::format("fromDLPack: negative strides are not supported (strides {})",
                              fmt::join(strides, ", ")));
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  return from_blob(
      data, sizes, strides,
      [src](void*) {
        if (src->deleter) src->deleter(src);
      },
      TensorOptions(dtype));
}

}  // namespace ember
