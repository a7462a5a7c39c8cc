// The bit operations of integer and bool tensors (ember/ops/bitwise.h). They have no gradient,
// so they are not op-table primitives; one kernel entry (KernelTable::bitwise) runs them all.
#include "ember/ops/bitwise.h"

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

using detail::BitwiseOp;

// torch's kernel names, which its "not implemented for" messages quote.
const char* kernel_name(BitwiseOp op) {
  static const char* names[] = {"bitwise_and_cpu", "bitwise_or_cpu", "bitwise_xor_cpu",
                                "lshift_cpu", "rshift_cpu"};
  return names[static_cast<int>(op)];
}

bool is_shift(BitwiseOp op) { return op == BitwiseOp::LeftShift || op == BitwiseOp::RightShift; }

void check_dtype(BitwiseOp op, ScalarType dtype) {
  EMBER_CHECK(!is_floating_point(dtype) && !(is_shift(op) && dtype == kBool),
              "\"{}\" not implemented for '{}'", kernel_name(op), dtype_legacy_name(dtype));
}

Tensor bitwise(BitwiseOp op, const Tensor& a, const Tensor& b, ScalarType dtype) {
  check_dtype(op, dtype);
  detail::check_same_device(a, b, kernel_name(op));
  const DimVector shape = broadcast_shapes(a.sizes(), b.sizes(), kernel_name(op));
  Tensor out = detail::empty_for(shape, TensorOptions(dtype).device(a.device()), {&a, &b});
  detail::kernels_for(a).bitwise(op, out, a.to(dtype), b.to(dtype));
  return out;
}

Tensor bitwise(BitwiseOp op, const Tensor& a, const Tensor& b) {
  return bitwise(op, a, b, result_type(a, b));
}

Tensor bitwise(BitwiseOp op, const Tensor& a, const Scalar& b) {
  const ScalarType dtype = result_type(a, b);
  return bitwise(op, a, detail::scalar_tensor(b, dtype, a.device()), dtype);
}

Tensor bitwise(BitwiseOp op, const Scalar& a, const Tensor& b) {
  const ScalarType dtype = result_type(b, a);
  return bitwise(op, detail::scalar_tensor(a, dtype, b.device()), b, dtype);
}

// The result written back into self, which keeps its dtype (torch's cast rule for in-place ops).
Tensor& write_back(Tensor& self, const Tensor& result, const char* op) {
  detail::check_can_cast(result.dtype(), self.dtype(), op);
  EMBER_CHECK(result.sizes() == self.sizes(),
              "{}: output with shape {} doesn't match the broadcast shape {}", op, self.sizes(),
              result.sizes());
  self.copy_(result);
  return self;
}

}  // namespace

Tensor bitwise_and(const Tensor& a, const Tensor& b) { return bitwise(BitwiseOp::And, a, b); }
Tensor bitwise_and(const Tensor& a, const Scalar& b) { return bitwise(BitwiseOp::And, a, b); }
Tensor bitwise_or(const Tensor& a, const Tensor& b) { return bitwise(BitwiseOp::Or, a, b); }
Tensor bitwise_or(const Tensor& a, const Scalar& b) { return bitwise(BitwiseOp::Or, a, b); }
Tensor bitwise_xor(const Tensor& a, const Tensor& b) { return bitwise(BitwiseOp::Xor, a, b); }
Tensor bitwise_xor(const Tensor& a, const Scalar& b) { return bitwise(BitwiseOp::Xor, a, b); }
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b) {
  return bitwise(BitwiseOp::LeftShift, a, b);
}
Tensor bitwise_left_shift(const Tensor& a, const Scalar& b) {
  return bitwise(BitwiseOp::LeftShift, a, b);
}
Tensor bitwise_left_shift(const Scalar& a, const Tensor& b) {
  return bitwise(BitwiseOp::LeftShift, a, b);
}
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b) {
  return bitwise(BitwiseOp::RightShift, a, b);
}
Tensor bitwise_right_shift(const Tensor& a, const Scalar& b) {
  return bitwise(BitwiseOp::RightShift, a, b);
}
Tensor bitwise_right_shift(const Scalar& a, const Tensor& b) {
  return bitwise(BitwiseOp::RightShift, a, b);
}

Tensor bitwise_not(const Tensor& a) {
  EMBER_CHECK(!is_floating_point(a.dtype()), "\"bitwise_not_cpu\" not implemented for '{}'",
              dtype_legacy_name(a.dtype()));
  // Flipping every bit is xor with all ones: true for bool, -1 for two's-complement integers.
  return a.dtype() == kBool ? bitwise(BitwiseOp::Xor, a, Scalar(true))
                            : bitwise(BitwiseOp::Xor, a, Scalar(int64_t{-1}));
}

Tensor& bitwise_and_(Tensor& self, const Tensor& other) {
  return write_back(self, bitwise_and(self, other), "bitwise_and_");
}
Tensor& bitwise_or_(Tensor& self, const Tensor& other) {
  return write_back(self, bitwise_or(self, other), "bitwise_or_");
}
Tensor& bitwise_xor_(Tensor& self, const Tensor& other) {
  return write_back(self, bitwise_xor(self, other), "bitwise_xor_");
}
Tensor& bitwise_left_shift_(Tensor& self, const Tensor& other) {
  return write_back(self, bitwise_left_shift(self, other), "bitwise_left_shift_");
}
Tensor& bitwise_right_shift_(Tensor& self, const Tensor& other) {
  return write_back(self, bitwise_right_shift(self, other), "bitwise_right_shift_");
}
Tensor& bitwise_not_(Tensor& self) { return write_back(self, bitwise_not(self), "bitwise_not_"); }

Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator&(const Tensor& a, const Scalar& b) { return bitwise_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator|(const Tensor& a, const Scalar& b) { return bitwise_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator^(const Tensor& a, const Scalar& b) { return bitwise_xor(a, b); }
Tensor operator<<(const Tensor& a, const Tensor& b) { return bitwise_left_shift(a, b); }
Tensor operator<<(const Tensor& a, const Scalar& b) { return bitwise_left_shift(a, b); }
Tensor operator>>(const Tensor& a, const Tensor& b) { return bitwise_right_shift(a, b); }
Tensor operator>>(const Tensor& a, const Scalar& b) { return bitwise_right_shift(a, b); }
Tensor operator~(const Tensor& a) { return bitwise_not(a); }

}  // namespace ember
