// Copies, conversions and in-place fills.
#include "ops/derivative.h"
#include "ops/op_utils.h"

namespace ember {

namespace {
// Writes through t: checked for self-overlap, and recorded in the version counter.
template <typename Write>
Tensor& write_in_place(Tensor& t, const char* op, Write&& write,
                       std::initializer_list<const Tensor*> sources = {}) {
  detail::check_writable(t, op, sources);
  write();
  t.impl()->storage()->bump_version();
  return t;
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  detail::check_same_device(*this, src, "copy_");
  DimVector shape = broadcast_shapes(sizes(), src.sizes(), "copy_");
  EMBER_CHECK(IntArrayRef(shape) == sizes(),
              "copy_: the source of shape {} does not broadcast to the destination's shape {}",
              src.sizes(), sizes());
  return write_in_place(*this, "copy_", [&] { detail::kernels_for(*this).copy(*this, src); },
                        {&src});
}

Tensor& Tensor::fill_(const Scalar& value) {
  return write_in_place(*this, "fill_", [&] { detail::kernels_for(*this).fill(*this, value); });
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::uniform_(double from, double to) {
  EMBER_CHECK(from <= to,
              "uniform_ expects to return a [from, to) range, but found from={} > to={}", from, to);
  EMBER_CHECK(is_floating_point(), "uniform_: not implemented for '{}'",
              dtype_legacy_name(dtype()));
  return write_in_place(*this, "uniform_",
                        [&] { detail::kernels_for(*this).uniform(*this, from, to); });
}

Tensor& Tensor::normal_(double mean, double std) {
  EMBER_CHECK(std >= 0, "normal expects std >= 0.0, but found std {}", std);
  EMBER_CHECK(is_floating_point(), "normal_: not implemented for '{}'", dtype_legacy_name(dtype()));
  return write_in_place(*this, "normal_",
                        [&] { detail::kernels_for(*this).normal(*this, mean, std); });
}

using detail::variable_list;

Tensor Tensor::clone() const {
  Tensor out = empty(sizes(), options());
  detail::kernels_for(*this).copy(out, *this);
  // d/dx clone(x) = 1
  detail::record("CloneBackward0", {this}, {&out}, {},
                 [](auto&, auto& g, auto&) { return variable_list{g[0]}; });
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(ScalarType dtype, bool copy) const {
  if (dtype == this->dtype() && !copy) return *this;
  Tensor out = empty(sizes(), options().dtype(dtype));
  detail::kernels_for(*this).copy(out, *this);
  // d/dx x.to(t) = 1, converted back to x's dtype
  const ScalarType from = this->dtype();
  if (ember::is_floating_point(dtype))
    detail::record("ToCopyBackward0", {this}, {&out}, {},
                   [from](auto&, auto& g, auto&) { return variable_list{g[0].to(from)}; });
  return out;
}

Tensor Tensor::to(Device device, bool copy) const {
  if (device.type() == this->device().type() && !copy) return *this;
  EMBER_CHECK(device.type() == this->device().type(),
              "to: moving tensors between {} and {} is not supported: Ember was built without "
              "CUDA support",
              this->device().str(), device.str());
  return clone();
}

Tensor Tensor::to(const TensorOptions& options, bool copy) const {
  Tensor t = options.has_device() ? to(options.device(), copy) : *this;
  return options.has_dtype() ? t.to(options.dtype(), copy && t.is_same(*this)) : t;
}

}  // namespace ember
