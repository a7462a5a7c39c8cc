// Copies, conversions and in-place fills.
#include "ember/core/generator.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {

using detail::variable_list;

namespace {
// Overwrites every element of t with write(dst). Under autograd the values are written into a
// fresh tensor first, recorded as `node` (whose gradient for t's old value is zero), and then
// committed into t.
template <typename Write>
Tensor& overwrite(Tensor& t, const char* op, const char* node, Write&& write) {
  if (detail::in_place_needs_history(t, op)) {
    const Tensor old = detail::history_input(t, false);
    Tensor out = detail::empty_for(t.sizes(), t.options(), {&t});
    write(out);
    // d/d(old) = 0: nothing of the old value survives
    detail::record(node, {&old}, {&out}, {},
                   [](auto&, auto& g, auto&) { return variable_list{zeros_like(g[0])}; });
    return detail::commit_in_place(t, out);
  }
  write(t);
  t.impl()->storage()->bump_version();
  return t;
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) const {
  detail::check_same_device(self(), src, "copy_");
  DimVector shape = broadcast_shapes(sizes(), src.sizes(), "copy_");
  EMBER_CHECK(IntArrayRef(shape) == sizes(),
              "copy_: the source of shape {} does not broadcast to the destination's shape {}",
              src.sizes(), sizes());
  detail::check_batched_in_place(self(), {&src}, "copy_");
  if (detail::in_place_needs_history(self(), "copy_", {&src})) {
    const Tensor old = detail::history_input(self(), false);
    Tensor out = detail::empty_for(sizes(), options(), {this, &src});
    detail::kernels_for(out).copy(out, src);
    // d/d(self) = 0 (overwritten); d/d(src) = the gradient, which the engine sums back to src's
    // shape and dtype
    detail::record("CopyBackwards", {&old, &src}, {&out}, {}, [](auto& node, auto& g, auto&) {
      return variable_list{detail::needs_grad(node, 0) ? zeros_like(g[0]) : Tensor(), g[0]};
    });
    return detail::commit_in_place(self(), out);
  }
  detail::kernels_for(self()).copy(self(), src);
  impl()->storage()->bump_version();
  return self();
}

Tensor& Tensor::fill_(const Scalar& value) const {
  return overwrite(self(), "fill_", "FillBackward2",
                   [&](const Tensor& dst) { detail::kernels_for(dst).fill(dst, value); });
}

Tensor& Tensor::fill_(const Tensor& value) const {
  EMBER_CHECK(value.dim() == 0,
              "fill_ only supports 0-dimension value tensor but got tensor with {} dimensions.",
              value.dim());
  detail::check_same_device(self(), value, "fill_");
  if (detail::in_place_needs_history(self(), "fill_", {&value})) {
    const Tensor old = detail::history_input(self(), false);
    Tensor out = detail::empty_for(sizes(), options(), {this, &value});
    detail::kernels_for(out).copy(out, value);
    // d/d(self) = 0 (overwritten); d/d(value) = the sum of the gradient over every element
    detail::record("FillBackward3", {&old, &value}, {&out}, {}, [](auto& node, auto& g, auto&) {
      return variable_list{detail::needs_grad(node, 0) ? zeros_like(g[0]) : Tensor(),
                           detail::needs_grad(node, 1) ? g[0].sum() : Tensor()};
    });
    return detail::commit_in_place(self(), out);
  }
  detail::kernels_for(self()).copy(self(), value);
  impl()->storage()->bump_version();
  return self();
}

Tensor& Tensor::zero_() const {
  return overwrite(self(), "zero_", "ZeroBackward0",
                   [](const Tensor& dst) { detail::kernels_for(dst).fill(dst, 0); });
}

Tensor& Tensor::uniform_(double from, double to) const { return uniform_(from, to, std::nullopt); }

Tensor& Tensor::uniform_(double from, double to, std::optional<Generator> generator) const {
  EMBER_CHECK(from <= to,
              "uniform_ expects to return a [from, to) range, but found from={} > to={}", from, to);
  EMBER_CHECK(is_floating_point(), "uniform_: not implemented for '{}'",
              dtype_legacy_name(dtype()));
  return overwrite(self(), "uniform_", "UniformBackward0", [&](const Tensor& dst) {
    detail::kernels_for(dst).uniform(dst, from, to, detail::generator_or_default(generator));
  });
}

Tensor& Tensor::normal_(double mean, double std) const { return normal_(mean, std, std::nullopt); }

Tensor& Tensor::normal_(double mean, double std, std::optional<Generator> generator) const {
  EMBER_CHECK(std >= 0, "normal expects std >= 0.0, but found std {}", std);
  EMBER_CHECK(is_floating_point(), "normal_: not implemented for '{}'", dtype_legacy_name(dtype()));
  return overwrite(self(), "normal_", "NormalBackward0", [&](const Tensor& dst) {
    detail::kernels_for(dst).normal(dst, mean, std, detail::generator_or_default(generator));
  });
}

Tensor Tensor::clone() const {
  Tensor out = detail::empty_for(sizes(), options(), {this});
  detail::kernels_for(*this).copy(out, *this);
  // d/dx clone(x) = 1
  detail::record("CloneBackward0", {this}, {&out}, {},
                 [](auto&, auto& g, auto&) { return variable_list{g[0]}; });
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(ScalarType dtype, bool copy) const {
  if (dtype == this->dtype() && !copy) return *this;
  Tensor out = detail::empty_for(sizes(), options().dtype(dtype), {this});
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
