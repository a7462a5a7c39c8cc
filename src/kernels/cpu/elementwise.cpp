// CPU kernels for the elementwise ops: one strided row loop per op family, with the contiguous
// float rows (and, through a small buffer, strided ones) handed to the vector code.
#include <algorithm>
#include <cstring>

#include <type_traits>

#include "kernels/common/strided_loop.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/scalar_ops.h"
#include "kernels/cpu/simd_math.h"

namespace ember::detail::cpu {
namespace {

template <typename T>
inline T& at(char* base, int64_t stride, int64_t i) {
  return *reinterpret_cast<T*>(base + i * stride);
}

// A number in the dtype T, converted as a fill would.
template <typename T>
T scalar_as(const Scalar& value) {
  return value.is_floating_point() ? convert<T>(value.to<double>())
                                   : convert<T>(value.to<int64_t>());
}

// Elements gathered per step when a strided float row is routed through the vector code.
constexpr int64_t kBufferElems = 256;

// Calls row(ptrs, strides, n) over every row of out and its operands (out first), in parallel
// for large tensors. A single element goes straight to row: working out the iteration geometry
// would cost more than the element.
template <typename Row>
void run(const Tensor& out, std::initializer_list<const Tensor*> operands, Row&& row) {
  if (out.numel() == 1) {
    char* ptrs[StridedLoop::kMaxOperands];
    int k = 0;
    for (const Tensor* t : operands) ptrs[k++] = static_cast<char*>(t->data_ptr());
    const int64_t strides[StridedLoop::kMaxOperands] = {};
    row(ptrs, strides, int64_t{1});
    return;
  }
  const StridedLoop loop(out.sizes(), operands);
  parallel_for(0, loop.numel(), kElementwiseGrain,
               [&](int64_t b, int64_t e) { loop.for_range(b, e, row); });
}

template <typename T>
void unary_row(UnaryOp op, const UnaryParams& p, char** ptrs, const int64_t* s, int64_t n) {
  constexpr int64_t es = sizeof(T);
  if constexpr (std::is_floating_point_v<T>) {
    if (s[0] == es && s[1] == es) {
      if (simd_unary(op, reinterpret_cast<const T*>(ptrs[1]), reinterpret_cast<T*>(ptrs[0]), n, p))
        return;
    } else {
      T in[kBufferElems], out[kBufferElems];
      bool vector_ok = true;
      for (int64_t start = 0; start < n && vector_ok; start += kBufferElems) {
        const int64_t m = std::min(kBufferElems, n - start);
        for (int64_t i = 0; i < m; ++i) in[i] = at<T>(ptrs[1], s[1], start + i);
        vector_ok = simd_unary(op, in, out, m, p);
        if (!vector_ok) break;
        for (int64_t i = 0; i < m; ++i) at<T>(ptrs[0], s[0], start + i) = out[i];
      }
      if (vector_ok) return;
    }
  }
  with_unary_fn<T>(op, p, [&](auto f) {
    for (int64_t i = 0; i < n; ++i) at<T>(ptrs[0], s[0], i) = f(at<T>(ptrs[1], s[1], i));
  });
}

void unary(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryParams& p) {
  EMBER_DISPATCH_ALL(out.dtype(), "unary", [&] {
    run(out, {&out, &in},
        [&](char** ptrs, const int64_t* s, int64_t n) { unary_row<scalar_t>(op, p, ptrs, s, n); });
  });
}

template <typename T>
bool binary_vector_row(BinaryOp op, char** ptrs, const int64_t* s, int64_t n) {
  constexpr int64_t es = sizeof(T);
  auto* out = reinterpret_cast<T*>(ptrs[0]);
  auto* a = reinterpret_cast<const T*>(ptrs[1]);
  auto* b = reinterpret_cast<const T*>(ptrs[2]);
  if (s[0] != es) return false;
  if (op == BinaryOp::Pow && s[1] == es && s[2] == 0) {
    // Exponents 2, 3, -1 and -2 are multiplied out, as PyTorch's kernel does, and 1 copies.
    // (Not 0.5: sqrt differs from pow at -inf and -0, so only pow(Tensor, Scalar) takes sqrt.)
    if (simd_binary(op, a, b, out, n, BinaryLayout::ScalarB)) return true;
    if (*b == T(1)) return std::memmove(out, a, n * es), true;
    return false;
  }
  if (s[1] == es && s[2] == es) return simd_binary(op, a, b, out, n, BinaryLayout::Rows);
  if (s[1] == es && s[2] == 0) return simd_binary(op, a, b, out, n, BinaryLayout::ScalarB);
  if (s[1] == 0 && s[2] == es) return simd_binary(op, a, b, out, n, BinaryLayout::ScalarA);
  return false;
}

// Strided float rows are gathered into buffers so they take the same vector code as
// contiguous ones (a broadcast operand stays a single value).
template <typename T>
bool binary_buffered_row(BinaryOp op, char** ptrs, const int64_t* s, int64_t n) {
  constexpr int64_t es = sizeof(T);
  T a[kBufferElems], b[kBufferElems], out[kBufferElems];
  int64_t bs[3] = {es, s[1] == 0 ? 0 : es, s[2] == 0 ? 0 : es};
  for (int64_t start = 0; start < n; start += kBufferElems) {
    const int64_t m = std::min(kBufferElems, n - start);
    for (int64_t i = 0; i < (bs[1] ? m : 1); ++i) a[i] = at<T>(ptrs[1], s[1], start + i);
    for (int64_t i = 0; i < (bs[2] ? m : 1); ++i) b[i] = at<T>(ptrs[2], s[2], start + i);
    char* local[3] = {reinterpret_cast<char*>(out), reinterpret_cast<char*>(a),
                      reinterpret_cast<char*>(b)};
    // Whether a vector form exists depends only on op and layout, so only the first chunk
    // can decline, before anything has been written.
    if (!binary_vector_row<T>(op, local, bs, m)) return false;
    for (int64_t i = 0; i < m; ++i) at<T>(ptrs[0], s[0], start + i) = out[i];
  }
  return true;
}

template <typename T>
void binary_row(BinaryOp op, char** ptrs, const int64_t* s, int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    // A lone element of the four basic ops (exact in IEEE arithmetic, so the same result as the
    // vector code) is not worth the trip through it.
    const bool basic =
        op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div;
    if (n == 1 && basic) {
      with_binary_fn<T>(op, [&](auto f) {
        at<T>(ptrs[0], 0, 0) = f(at<T>(ptrs[1], 0, 0), at<T>(ptrs[2], 0, 0));
      });
      return;
    }
    if (binary_vector_row<T>(op, ptrs, s, n)) return;
    if (binary_buffered_row<T>(op, ptrs, s, n)) return;
  }
  with_binary_fn<T>(op, [&](auto f) {
    for (int64_t i = 0; i < n; ++i)
      at<T>(ptrs[0], s[0], i) = f(at<T>(ptrs[1], s[1], i), at<T>(ptrs[2], s[2], i));
  });
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  EMBER_DISPATCH_ALL(out.dtype(), "binary", [&] {
    run(out, {&out, &a, &b},
        [&](char** ptrs, const int64_t* s, int64_t n) { binary_row<scalar_t>(op, ptrs, s, n); });
  });
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& a, const Scalar& b) {
  EMBER_DISPATCH_ALL(out.dtype(), "binary", [&] {
    const scalar_t value = scalar_as<scalar_t>(b);
    run(out, {&out, &a}, [&](char** p, const int64_t* s, int64_t n) {
      // The number is an operand of stride 0, as a broadcast 0-dim tensor would be.
      char* ptrs[3] = {p[0], p[1], reinterpret_cast<char*>(const_cast<scalar_t*>(&value))};
      const int64_t strides[3] = {s[0], s[1], 0};
      binary_row<scalar_t>(op, ptrs, strides, n);
    });
  });
}

void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  EMBER_DISPATCH_ALL(a.dtype(), "compare", [&] {
    with_compare_fn<scalar_t>(op, [&](auto f) {
      run(out, {&out, &a, &b}, [&](char** p, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
          at<bool>(p[0], s[0], i) = f(at<scalar_t>(p[1], s[1], i), at<scalar_t>(p[2], s[2], i));
      });
    });
  });
}

// Shifts by a negative count or by the type's width or more give what shifting one bit at a
// time would: 0 to the left, the sign to the right (as torch does).
template <typename T>
T bit_apply(BitwiseOp op, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case BitwiseOp::And:
        return a && b;
      case BitwiseOp::Or:
        return a || b;
      case BitwiseOp::Xor:
        return a != b;
      default:
        return false;
    }
  } else {
    constexpr T width = static_cast<T>(sizeof(T) * 8);
    switch (op) {
      case BitwiseOp::And:
        return a & b;
      case BitwiseOp::Or:
        return a | b;
      case BitwiseOp::Xor:
        return a ^ b;
      case BitwiseOp::LeftShift:
        return b < 0 || b >= width ? T{0}
                                   : static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) << b);
      case BitwiseOp::RightShift:
        return b < 0 || b >= width ? static_cast<T>(a < 0 ? -1 : 0) : static_cast<T>(a >> b);
    }
    return T{0};
  }
}

void bitwise(BitwiseOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  auto body = [&](auto zero) {
    using T = decltype(zero);
    run(out, {&out, &a, &b}, [&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        at<T>(p[0], s[0], i) = bit_apply<T>(op, at<T>(p[1], s[1], i), at<T>(p[2], s[2], i));
    });
  };
  switch (out.dtype()) {
    case kBool:
      return body(bool{});
    case kInt32:
      return body(int32_t{});
    case kInt64:
      return body(int64_t{});
    default:
      EMBER_FAIL("bitwise: unsupported dtype {}", dtype_name(out.dtype()));
  }
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  EMBER_DISPATCH_ALL(out.dtype(), "where", [&] {
    run(out, {&out, &cond, &a, &b}, [&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        at<scalar_t>(p[0], s[0], i) =
            at<bool>(p[1], s[1], i) ? at<scalar_t>(p[2], s[2], i) : at<scalar_t>(p[3], s[3], i);
    });
  });
}

void copy(const Tensor& out, const Tensor& in) {
  EMBER_DISPATCH_ALL(out.dtype(), "copy_", [&] {
    using To = scalar_t;
    EMBER_DISPATCH_ALL(in.dtype(), "copy_", [&] {
      using From = scalar_t;
      run(out, {&out, &in}, [&](char** p, const int64_t* s, int64_t n) {
        if constexpr (std::is_same_v<To, From>) {
          if (s[0] == sizeof(To) && s[1] == sizeof(To)) {
            std::memmove(p[0], p[1], static_cast<size_t>(n) * sizeof(To));
            return;
          }
          if (s[0] == sizeof(To) && s[1] == 0) {  // a broadcast source: expand(...).contiguous()
            std::fill_n(reinterpret_cast<To*>(p[0]), n, *reinterpret_cast<const To*>(p[1]));
            return;
          }
        }
        for (int64_t i = 0; i < n; ++i)
          at<To>(p[0], s[0], i) = convert<To>(at<From>(p[1], s[1], i));
      });
    });
  });
}

void fill(const Tensor& out, const Scalar& value) {
  EMBER_DISPATCH_ALL(out.dtype(), "fill_", [&] {
    const scalar_t v = scalar_as<scalar_t>(value);
    // A value whose bytes are all zero (zero_(), zeros) fills contiguous rows with memset.
    scalar_t zero{};
    const bool all_zero_bytes = std::memcmp(&v, &zero, sizeof v) == 0;
    run(out, {&out}, [&](char** p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(scalar_t)) {
        if (all_zero_bytes)
          std::memset(p[0], 0, static_cast<size_t>(n) * sizeof(scalar_t));
        else
          std::fill_n(reinterpret_cast<scalar_t*>(p[0]), n, v);
        return;
      }
      for (int64_t i = 0; i < n; ++i) at<scalar_t>(p[0], s[0], i) = v;
    });
  });
}

}  // namespace

void fill_elementwise_kernels(KernelTable& table) {
  table.unary = unary;
  table.binary = binary;
  table.binary_scalar = binary_scalar;
  table.compare = compare;
  table.bitwise = bitwise;
  table.where = where;
  table.copy = copy;
  table.fill = fill;
}

}  // namespace ember::detail::cpu
