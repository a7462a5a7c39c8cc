// Elementwise ops of two tensors (or a tensor and a scalar), comparisons and where.
#include <cmath>
#include <string>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/core/op_table.h"
#include "ember/ops/reduce.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::BinaryOp;
using detail::CompareOp;
using detail::ResultType;

DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
  if (a == b) return DimVector(a.begin(), a.end());
  const size_t n = std::max(a.size(), b.size());
  DimVector out(n);
  // From the last dim, as PyTorch: an error names the last mismatching dim.
  for (size_t i = n; i-- > 0;) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1,
                "{}: The size of tensor a ({}) must match the size of tensor b ({}) at "
                "non-singleton dimension {}; shapes {} and {} cannot be broadcast",
                op, da, db, i, a, b);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

ScalarType result_type(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype()) return a.dtype();  // whatever their dims, nothing to promote
  return ResultType().add(a).add(b).get();
}
ScalarType result_type(const Tensor& a, const Scalar& b) {
  return ResultType().add(a).add(b).get();
}

namespace {

// Which node `a op number` records: LibTorch's Scalar overload (ember::add(t, 2), t + 2 in C++)
// or Python's torch, which wraps the number in a tensor (detail::add_wrapped, for the bindings).
enum class NumberNode { kScalarOverload, kWrapped };

const char* binary_name(BinaryOp op) {
  static const char* names[] = {
#define EMBER_BINARY_OP(Name, name, ...) #name,
#include "ember/core/op_table.def"
  };
  return names[static_cast<int>(op)];
}

// Ops such as div and atan2 are defined on floats only (the table's dtype rule).
bool promotes_to_float(BinaryOp op) {
  static const bool promotes[] = {
#define EMBER_BINARY_OP(Name, name, dtype, ...) EMBER_PROMOTES(dtype),
#include "ember/core/op_table.def"
  };
  return promotes[static_cast<int>(op)];
}

// Ops such as hypot refuse integer and bool inputs, as PyTorch does.
bool float_only(BinaryOp op) {
  static const bool only[] = {
#define EMBER_BINARY_OP(Name, name, dtype, ...) EMBER_FLOAT_ONLY(dtype),
#include "ember/core/op_table.def"
  };
  return only[static_cast<int>(op)];
}

// The dtype the kernel computes in; pow of negative integer powers has rules.
ScalarType compute_type(BinaryOp op, ScalarType promoted) {
  if (promotes_to_float(op) && !is_floating_point(promoted)) return get_default_dtype();
  EMBER_CHECK(!float_only(op) || is_floating_point(promoted), "{}: not implemented for '{}'",
              binary_name(op), dtype_legacy_name(promoted));
  EMBER_CHECK(!(op == BinaryOp::Pow && promoted == kBool), "pow: not implemented for 'Bool'");
  return promoted;
}

// As PyTorch, subtraction refuses bool operands, a Python True or False included.
void check_sub(bool a_is_bool, bool b_is_bool) {
  EMBER_CHECK(!(a_is_bool && b_is_bool),
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
              "`^` or `logical_xor()` operator instead.");
  EMBER_CHECK(!(a_is_bool || b_is_bool),
              "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
              "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

using detail::record;
using detail::variable_list;

// `t` when `input` requires grad, else nothing: as PyTorch's, a node saves only what the
// gradients it will compute read, so an in-place change to the rest is no error.
Tensor only_for(const Tensor& input, const Tensor& t) {
  return input.defined() && (input.requires_grad() || autograd::fw_grad(input).defined())
             ? t
             : Tensor();
}

// ---- Derivatives ------------------------------------------------------------------------------
// BinaryGrad<op> holds each op's derivative beside what it saves: record(node, a, b, y) makes
// the node of y = a op b and, for the ops that take a number, record_number(node, a, b, y, how)
// the node of y = a op number (see NumberNode). Gradients come back in the broadcast shape and
// the result dtype; the engine sums them to each input's shape and converts them to its dtype.
template <BinaryOp op>
struct BinaryGrad;

// The node of y = a op number, whose gradient da(g) flows to a only. Python's torch wraps the
// number in a 0-dim tensor and records the tensor overload's node (AddBackward0) with a second,
// empty edge where the number stands, saving the number when the formula reads it (so a second
// backward through the freed node fails); LibTorch's Scalar overload records its own node
// (AddBackward1) with one edge and keeps the number as a plain value.
template <typename Da>
void record_number_node(const char* node, const char* scalar_node, const Tensor& a, const Tensor& y,
                        NumberNode how, bool reads_number, Da da) {
  if (how == NumberNode::kScalarOverload) {
    record(scalar_node, {&a}, {&y}, {},
           [da](auto&, auto& g, auto&) { return variable_list{da(g[0])}; });
    return;
  }
  const Tensor number;
  const auto formula = [da](auto&, auto& g, auto&) { return variable_list{da(g[0]), Tensor()}; };
  if (reads_number)
    record(node, {&a, &number}, {&y}, {{{}, false, true}}, formula);
  else
    record(node, {&a, &number}, {&y}, {}, formula);
}

// The same for a formula that reads a as well: da(g, a).
template <typename Da>
void record_number_node_reading_a(const char* node, const char* scalar_node, const Tensor& a,
                                  const Tensor& y, NumberNode how, Da da) {
  if (how == NumberNode::kScalarOverload) {
    record(scalar_node, {&a}, {&y}, {{a}},
           [da](auto&, auto& g, auto& s) { return variable_list{da(g[0], s[0])}; });
    return;
  }
  const Tensor number;
  record(node, {&a, &number}, {&y}, {{a}, {{}, false, true}}, [da](auto&, auto& g, auto& s) {
    return variable_list{da(g[0], s[0]), Tensor()};
  });
}

// An op that reads both inputs saves them and computes only the gradients that are needed:
// Grad::of(g, a, b, need_a, need_b) gives {d/da, d/db} (shared pieces computed once).
template <typename Grad>
struct SavesInputs {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{a}, {b}}, [](auto& n, auto& g, auto& s) {
      return Grad::of(g[0], s[0], s[1], detail::needs_grad(n, 0), detail::needs_grad(n, 1));
    });
  }
};

// d(a + b) = da + db and d(a - b) = da - db: nothing saved.
template <bool kSubtracts>
struct LinearGrad {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {}, [](auto& n, auto& g, auto&) {
      if constexpr (kSubtracts)
        return variable_list{g[0], detail::needs_grad(n, 1) ? -g[0] : Tensor()};
      else
        return variable_list{g[0], g[0]};
    });
  }
  static void record_number(const char* node, const char* scalar_node, const Tensor& a,
                            const Scalar&, const Tensor& y, NumberNode how) {
    record_number_node(node, scalar_node, a, y, how, false, [](const Tensor& g) { return g; });
  }
};
template <>
struct BinaryGrad<BinaryOp::Add> : LinearGrad<false> {};
template <>
struct BinaryGrad<BinaryOp::Sub> : LinearGrad<true> {};

// d(a * number) = number da and d(a / number) = da / number.
template <bool kDivides>
void record_scaled_by_number(const char* node, const char* scalar_node, const Tensor& a,
                             const Scalar& b, const Tensor& y, NumberNode how) {
  record_number_node(node, scalar_node, a, y, how, true,
                     [b](const Tensor& g) { return kDivides ? g / b : g * b; });
}

// d(a b) = b da + a db: each input is saved only for the other's gradient.
template <>
struct BinaryGrad<BinaryOp::Mul> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{only_for(b, a)}, {only_for(a, b)}},
                   [](auto& n, auto& g, auto& s) {
                     return variable_list{detail::needs_grad(n, 0) ? g[0] * s[1] : Tensor(),
                                          detail::needs_grad(n, 1) ? g[0] * s[0] : Tensor()};
                   });
  }
  static constexpr auto record_number = record_scaled_by_number<false>;
};

// d(a / b) = da / b - a db / b^2
template <>
struct BinaryGrad<BinaryOp::Div> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{only_for(b, a)}, {b}}, [](auto& n, auto& g, auto& s) {
      return variable_list{detail::needs_grad(n, 0) ? g[0] / s[1] : Tensor(),
                           detail::needs_grad(n, 1) ? -g[0] * s[0] / (s[1] * s[1]) : Tensor()};
    });
  }
  static constexpr auto record_number = record_scaled_by_number<true>;
};

// d(a^b) = b a^(b-1) da + a^b log(a) db
template <>
struct BinaryGrad<BinaryOp::Pow> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(
        node, {&a, &b}, {&y}, {{a}, {b}, {only_for(b, y), true}}, [](auto& n, auto& g, auto& s) {
          Tensor da, db;
          // a^0 is constant (b a^(b-1) would be 0 * inf at a = 0); PyTorch's gradient there is 0.
          if (detail::needs_grad(n, 0))
            da = where(s[1].eq(0), zeros_like(g[0]), g[0] * s[1] * s[0].pow(s[1] - 1));
          // 0^b with b >= 0 has no finite log; PyTorch's gradient there is 0. The mask applies to
          // the factor, not to the product, as PyTorch's does, so the derivatives in g agree.
          if (detail::needs_grad(n, 1))
            db = g[0] * where(s[0].eq(0).mul(s[1].ge(0)), zeros_like(s[2]), s[2] * s[0].log());
          return variable_list{da, db};
        });
  }
};

// The gradient goes to the larger (smaller) input, split evenly on ties.
template <bool kMax>
struct ExtremeGrad : SavesInputs<ExtremeGrad<kMax>> {
  static variable_list of(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a,
                          bool need_b) {
    const ScalarType t = g.dtype();
    const Tensor tie = a.eq(b).to(t) * 0.5;
    auto wins = [&](const Tensor& x, const Tensor& y) { return (kMax ? x.gt(y) : x.lt(y)).to(t); };
    return {need_a ? g * (wins(a, b) + tie) : Tensor(), need_b ? g * (wins(b, a) + tie) : Tensor()};
  }
};
template <>
struct BinaryGrad<BinaryOp::Maximum> : ExtremeGrad<true> {};
template <>
struct BinaryGrad<BinaryOp::Minimum> : ExtremeGrad<false> {};

// threshold_backward(g, x) is g masked where x <= 0: d/dg is the same mask over the incoming
// gradient; x gets none.
template <>
struct BinaryGrad<BinaryOp::ThresholdBackward> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{only_for(a, b)}}, [](auto& n, auto& g, auto& s) {
      return variable_list{detail::needs_grad(n, 0) ? threshold_backward(g[0], s[0], 0) : Tensor(),
                           detail::needs_grad(n, 1) ? zeros_like(g[0]) : Tensor()};
    });
  }
};

// d atan2(a, b) = (b da - a db) / (a^2 + b^2)
template <>
struct BinaryGrad<BinaryOp::Atan2> : SavesInputs<BinaryGrad<BinaryOp::Atan2>> {
  static variable_list of(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a,
                          bool need_b) {
    const Tensor scaled = g * (a * a + b * b).reciprocal();
    return {need_a ? scaled * b : Tensor(), need_b ? scaled * -a : Tensor()};
  }
};

// fmax and fmin: the gradient goes to the input chosen, a on ties, the other one where an input
// is NaN.
template <bool kMax>
struct NanIgnoringExtremeGrad : SavesInputs<NanIgnoringExtremeGrad<kMax>> {
  static variable_list of(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a,
                          bool need_b) {
    const Tensor a_chosen = (kMax ? a.ge(b) : a.le(b)).logical_or(b.isnan());
    return {need_a ? where(a_chosen, g, 0.0) : Tensor(),
            need_b ? where(a_chosen, 0.0, g) : Tensor()};
  }
};
template <>
struct BinaryGrad<BinaryOp::Fmax> : NanIgnoringExtremeGrad<true> {};
template <>
struct BinaryGrad<BinaryOp::Fmin> : NanIgnoringExtremeGrad<false> {};

// d hypot(a, b) = (a da + b db) / hypot(a, b)
template <>
struct BinaryGrad<BinaryOp::Hypot> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{a}, {b}, {y, true}}, [](auto& n, auto& g, auto& s) {
      const Tensor scaled = g[0] / s[2];
      return variable_list{detail::needs_grad(n, 0) ? scaled * s[0] : Tensor(),
                           detail::needs_grad(n, 1) ? scaled * s[1] : Tensor()};
    });
  }
};

// d log(e^a + e^b) = da / (1 + e^(b - a)) + db / (1 + e^(a - b)), and likewise in base 2
template <bool kBase2>
struct LogAddExpGrad : SavesInputs<LogAddExpGrad<kBase2>> {
  static variable_list of(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a,
                          bool need_b) {
    auto share = [&](const Tensor& x, const Tensor& other) {
      return g / ((kBase2 ? (other - x).exp2() : (other - x).exp()) + 1);
    };
    return {need_a ? share(a, b) : Tensor(), need_b ? share(b, a) : Tensor()};
  }
};
template <>
struct BinaryGrad<BinaryOp::Logaddexp> : LogAddExpGrad<false> {};
template <>
struct BinaryGrad<BinaryOp::Logaddexp2> : LogAddExpGrad<true> {};

// d (a log b) = log(b) da + a / b db. Where a = 0 and b <= 0 the value is the constant 0 and
// log(b) is not finite: the gradient in a is 0 there, as PyTorch's.
template <>
struct BinaryGrad<BinaryOp::Xlogy> : SavesInputs<BinaryGrad<BinaryOp::Xlogy>> {
  static variable_list of(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a,
                          bool need_b) {
    return {need_a ? where(a.eq(0).mul(b.le(0)), zeros_like(g), xlogy(g, b)) : Tensor(),
            need_b ? g * a / b : Tensor()};
  }
  static void record_number(const char* node, const char* scalar_node, const Tensor& a,
                            const Scalar& b, const Tensor& y, NumberNode how) {
    const double log_b = std::log(b.to_double());
    record_number_node(node, scalar_node, a, y, how, true,
                       [log_b](const Tensor& g) { return g * log_b; });
  }
};

// d copysign(a, b) = sign(a) sign(b) da, 0 where a is 0; b gets none
template <>
struct BinaryGrad<BinaryOp::Copysign> {
  static void record(const char* node, const Tensor& a, const Tensor& b, const Tensor& y) {
    detail::record(node, {&a, &b}, {&y}, {{only_for(a, a)}, {only_for(a, y), true}},
                   [](auto& n, auto& g, auto& s) {
                     return variable_list{
                         detail::needs_grad(n, 0) ? copysign_grad(g[0], s[0], s[1]) : Tensor(),
                         detail::needs_grad(n, 1) ? zeros_like(g[0]) : Tensor()};
                   });
  }
  static void record_number(const char* node, const char* scalar_node, const Tensor& a,
                            const Scalar& b, const Tensor& y, NumberNode how) {
    const double sign_b = std::signbit(b.to_double()) ? -1.0 : 1.0;
    record_number_node_reading_a(node, scalar_node, a, y, how,
                                 [sign_b](const Tensor& g, const Tensor& x) {
                                   return where(x.ne(0), g * x.sign() * sign_b, 0.0);
                                 });
  }
  // Wherever a is not 0, y carries b's sign; sign(a) is 0 where a is. Written with signs only
  // (not y / a), so its own derivative in a is exactly zero, not rounding noise.
  static Tensor copysign_grad(const Tensor& g, const Tensor& a, const Tensor& y) {
    return g * (a.sign() * y.sign());
  }
};

void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& y) {
  switch (op) {
#define EMBER_BINARY_OP(Name, name, dtype, surface, node) \
  case BinaryOp::Name:                                    \
    return BinaryGrad<BinaryOp::Name>::record(node, a, b, y);
#include "ember/core/op_table.def"
  }
}

// The Scalar overload's node name: the tensor overload's with its last digit 1 (AddBackward1).
const char* scalar_overload_node(BinaryOp op) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
#define EMBER_BINARY_OP(Name, name, dtype, surface, node) all.emplace_back(node);
#include "ember/core/op_table.def"
    for (std::string& n : all) n.back() = '1';
    // torch's xlogy has two number overloads: XlogyBackward1 for a number self, 2 for other.
    all[static_cast<size_t>(BinaryOp::Xlogy)].back() = '2';
    return all;
  }();
  return names[static_cast<size_t>(op)].c_str();
}

void record_binary_number(BinaryOp op, const Tensor& a, const Scalar& b, const Tensor& y,
                          NumberNode how) {
  switch (op) {
#define EMBER_BINARY_OP(Name, name, dtype, surface, node)             \
  EMBER_IF_NUMBER(surface, case BinaryOp::Name                        \
                  : return BinaryGrad<BinaryOp::Name>::record_number( \
                      node, scalar_overload_node(BinaryOp::Name), a, b, y, how);)
#include "ember/core/op_table.def"
    default:  // binary() gives the others the number as a 0-dim tensor
      break;
  }
}

// ---- Forward ----------------------------------------------------------------------------------

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, ScalarType promoted) {
  const char* name = binary_name(op);
  detail::check_same_device(a, b, name);
  const ScalarType dtype = compute_type(op, promoted);
  DimVector shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor out = detail::empty_for(shape, TensorOptions(dtype).device(a.device()), {&a, &b});
  if (a.dtype() == dtype && b.dtype() == dtype)
    detail::kernels_for(a).binary(op, out, a, b);
  else
    detail::kernels_for(a).binary(op, out, a.to(dtype), b.to(dtype));
  record_binary(op, a, b, out);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  return binary(op, a, b, result_type(a, b));
}

Tensor& binary_out(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(op);
  detail::check_same_device(a, b, name);
  const ScalarType dtype = compute_type(op, result_type(a, b));
  detail::check_out(out, broadcast_shapes(a.sizes(), b.sizes(), name), dtype, a.device(), name,
                    {&a, &b});
  if (out.dtype() != dtype) return out.copy_(binary(op, a, b));
  detail::kernels_for(a).binary(op, out, a.to(dtype), b.to(dtype));
  out.impl()->storage()->bump_version();
  return out;
}

// Which ops take a number as a value (the table's number and alpha surfaces); the others take
// it as a 0-dim tensor.
bool takes_number(BinaryOp op) {
  static const bool takes[] = {
#define EMBER_BINARY_OP(Name, name, dtype, surface, node) false EMBER_IF_NUMBER(surface, || true),
#include "ember/core/op_table.def"
  };
  return takes[static_cast<int>(op)];
}

Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b,
              NumberNode how = NumberNode::kScalarOverload) {
  const ScalarType promoted = result_type(a, b);
  if (!takes_number(op))
    return binary(op, a, detail::scalar_tensor(b, promoted, a.device()), promoted);
  const ScalarType dtype = compute_type(op, promoted);
  Tensor out = detail::empty_for(a.sizes(), TensorOptions(dtype).device(a.device()), {&a});
  detail::kernels_for(a).binary_scalar(op, out, a.to(dtype), b);
  record_binary_number(op, a, b, out, how);
  return out;
}

Tensor& binary_(BinaryOp op, Tensor& self, const Tensor& other, ScalarType promoted) {
  const char* name = binary_name(op);
  detail::check_same_device(self, other, name);
  const ScalarType dtype = compute_type(op, promoted);
  // The shape is checked before the dtype, as PyTorch does.
  DimVector shape = broadcast_shapes(self.sizes(), other.sizes(), name);
  EMBER_CHECK(IntArrayRef(shape) == self.sizes(),
              "{}: output with shape {} doesn't match the broadcast shape {}", name, self.sizes(),
              IntArrayRef(shape));
  detail::check_can_cast(dtype, self.dtype(), name);
  detail::check_not_captured(self, name, "_");
  detail::check_batched_in_place(self, {&other}, name);
  if (detail::in_place_needs_history(self, name, {&other})) {
    // Only add and sub leave self's old value out of their backward.
    const bool saves_self = op != BinaryOp::Add && op != BinaryOp::Sub;
    return detail::commit_in_place(
        self, binary(op, detail::history_input(self, saves_self), other, promoted));
  }
  if (dtype == self.dtype()) {
    detail::kernels_for(self).binary(op, self, self, other.to(dtype));
  } else {
    self.copy_(binary(op, self, other, promoted));
    return self;
  }
  self.impl()->storage()->bump_version();
  return self;
}

Tensor& binary_(BinaryOp op, Tensor& self, const Tensor& other) {
  return binary_(op, self, other, result_type(self, other));
}

Tensor& binary_(BinaryOp op, Tensor& self, const Scalar& other,
                NumberNode how = NumberNode::kScalarOverload) {
  const ScalarType promoted = result_type(self, other);
  if (how == NumberNode::kScalarOverload && takes_number(op) &&
      detail::in_place_needs_history(self, binary_name(op))) {
    detail::check_can_cast(compute_type(op, promoted), self.dtype(), binary_name(op));
    // The number forms' backward never reads self's old value.
    return detail::commit_in_place(self,
                                   binary(op, detail::history_input(self, false), other, how));
  }
  return binary_(op, self, detail::scalar_tensor(other, promoted, self.device()), promoted);
}

bool is_one(const Scalar& s) { return s.to_double() == 1.0; }

// add and sub take an alpha of the result's category (no float alpha for integer results).
void check_alpha(ScalarType result, const Scalar& alpha) {
  EMBER_CHECK(!(is_integral(result, true) && alpha.is_floating_point()),
              "For integral input tensors, argument alpha must not be a floating point number.");
  EMBER_CHECK(!(alpha.is_boolean() && result != kBool),
              "Boolean alpha only supported for Boolean results.");
}

// b * alpha for add and sub (b itself when alpha is 1).
Tensor with_alpha(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_alpha(result_type(a, b), alpha);
  return is_one(alpha) ? b : mul(b, alpha);
}

// other * alpha, staying integral when both are (torch: tensor([1, 2]).add(2, alpha=3) is int64).
Scalar scaled(const Tensor& a, const Scalar& other, const Scalar& alpha) {
  check_alpha(result_type(a, other), alpha);
  if (is_one(alpha)) return other;
  if (other.is_floating_point() || alpha.is_floating_point())
    return Scalar(other.to_double() * alpha.to_double());
  return Scalar(other.to_long() * alpha.to_long());
}

// ---- The forms the table makes ------------------------------------------------------------------
// Each form checks its operands (sub refuses bool), scales the second by alpha where the op takes
// one, and runs the op.

constexpr bool kTakesAlpha[] = {
#define EMBER_BINARY_OP(Name, name, dtype, surface, node) EMBER_TAKES_ALPHA(surface),
#include "ember/core/op_table.def"
};

template <BinaryOp op>
void check_operands(bool, bool) {}
template <>
void check_operands<BinaryOp::Sub>(bool a_is_bool, bool b_is_bool) {
  check_sub(a_is_bool, b_is_bool);
}

template <BinaryOp op>
Tensor tensor_form(const Tensor& a, const Tensor& b, const Scalar& alpha = 1) {
  check_operands<op>(a.dtype() == kBool, b.dtype() == kBool);
  if constexpr (kTakesAlpha[static_cast<int>(op)])
    return binary(op, a, with_alpha(a, b, alpha));
  else
    return binary(op, a, b);
}

template <BinaryOp op>
Tensor number_form(NumberNode how, const Tensor& a, const Scalar& b, const Scalar& alpha = 1) {
  check_operands<op>(a.dtype() == kBool, b.is_boolean());
  if constexpr (kTakesAlpha[static_cast<int>(op)])
    return binary(op, a, scaled(a, b, alpha), how);
  else
    return binary(op, a, b, how);
}

template <BinaryOp op>
Tensor& out_form(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha = 1) {
  check_operands<op>(a.dtype() == kBool, b.dtype() == kBool);
  if constexpr (kTakesAlpha[static_cast<int>(op)])
    return binary_out(op, out, a, with_alpha(a, b, alpha));
  else
    return binary_out(op, out, a, b);
}

template <BinaryOp op>
Tensor& in_place_form(Tensor& self, const Tensor& other, const Scalar& alpha = 1) {
  check_operands<op>(self.dtype() == kBool, other.dtype() == kBool);
  if constexpr (kTakesAlpha[static_cast<int>(op)])
    return binary_(op, self, with_alpha(self, other, alpha));
  else
    return binary_(op, self, other);
}

template <BinaryOp op>
Tensor& in_place_number_form(NumberNode how, Tensor& self, const Scalar& other,
                             const Scalar& alpha = 1) {
  check_operands<op>(self.dtype() == kBool, other.is_boolean());
  if constexpr (kTakesAlpha[static_cast<int>(op)])
    return binary_(op, self, scaled(self, other, alpha), how);
  else
    return binary_(op, self, other, how);
}

// ---- pow ------------------------------------------------------------------------------------

// PyTorch computes a scalar exponent of 0.5 as sqrt and -0.5 as 1 / sqrt, which differ from pow
// at -inf and -0; a tensor exponent always takes pow.
bool is_sqrt_exponent(const Tensor& base, const Scalar& exponent) {
  const double e = exponent.to_double();
  return is_floating_point(result_type(base, exponent)) && (e == 0.5 || e == -0.5);
}
Tensor sqrt_pow(const Tensor& base, const Scalar& exponent) {
  Tensor root = ember::sqrt(base.to(result_type(base, exponent)));
  return exponent.to_double() > 0 ? root : 1 / root;
}

void check_int_pow(const Tensor& base, const Scalar& exponent) {
  EMBER_CHECK(
      !(is_integral(base.dtype(), true) && exponent.is_integral() && exponent.to_long() < 0),
      "pow: Integers to negative integer powers are not allowed.");
}
void check_int_pow(const Tensor& base, const Tensor& exponent) {
  if (is_integral(result_type(base, exponent), true))
    EMBER_CHECK(!ember::lt(exponent, detail::scalar_tensor(0, exponent.dtype())).any().item<bool>(),
                "pow: Integers to negative integer powers are not allowed.");
}

}  // namespace

// The table's forms of every binary op whose surface it makes.
#define EMBER_BINARY_OP(Name, name, dtype, surface, node)                                        \
  EMBER_IF_FULL(                                                                                 \
      surface,                                                                                   \
      Tensor name(const Tensor& a, const Tensor& b EMBER_ALPHA_PARAM(surface)) {                 \
        return tensor_form<BinaryOp::Name>(a, b EMBER_ALPHA_ARG(surface));                       \
      } Tensor& name##_out(Tensor& out, const Tensor& a,                                         \
                           const Tensor& b EMBER_ALPHA_PARAM(surface)) {                         \
        return out_form<BinaryOp::Name>(out, a, b EMBER_ALPHA_ARG(surface));                     \
      } Tensor Tensor::name(const Tensor& other EMBER_ALPHA_PARAM(surface))                      \
          const { return tensor_form<BinaryOp::Name>(*this, other EMBER_ALPHA_ARG(surface)); })  \
  EMBER_IF_INPLACE(                                                                              \
      surface, Tensor& Tensor::name##_(const Tensor& other EMBER_ALPHA_PARAM(surface)) const {   \
        return in_place_form<BinaryOp::Name>(self(), other EMBER_ALPHA_ARG(surface));            \
      })                                                                                         \
  EMBER_IF_NUMBER(                                                                               \
      surface,                                                                                   \
      Tensor name(const Tensor& a, const Scalar& b EMBER_ALPHA_PARAM(surface)) {                 \
        return number_form<BinaryOp::Name>(NumberNode::kScalarOverload, a,                       \
                                           b EMBER_ALPHA_ARG(surface));                          \
      } Tensor detail::name##_wrapped(const Tensor& a,                                           \
                                      const Scalar& b EMBER_ALPHA_PARAM(surface)) {              \
        return number_form<BinaryOp::Name>(NumberNode::kWrapped, a, b EMBER_ALPHA_ARG(surface)); \
      } Tensor Tensor::name(const Scalar& other EMBER_ALPHA_PARAM(surface)) const {              \
        return number_form<BinaryOp::Name>(NumberNode::kScalarOverload, *this,                   \
                                           other EMBER_ALPHA_ARG(surface));                      \
      } Tensor& Tensor::name##_(const Scalar& other EMBER_ALPHA_PARAM(surface)) const {          \
        return in_place_number_form<BinaryOp::Name>(NumberNode::kScalarOverload, self(),         \
                                                    other EMBER_ALPHA_ARG(surface));             \
      } Tensor& detail::name##_wrapped_(Tensor& self,                                            \
                                        const Scalar& other EMBER_ALPHA_PARAM(surface)) {        \
        return in_place_number_form<BinaryOp::Name>(NumberNode::kWrapped, self,                  \
                                                    other EMBER_ALPHA_ARG(surface));             \
      })
#include "ember/core/op_table.def"

Tensor pow(const Tensor& base, const Tensor& exponent) {
  check_int_pow(base, exponent);
  return binary(BinaryOp::Pow, base, exponent);
}
Tensor pow(const Tensor& base, const Scalar& exponent) {
  check_int_pow(base, exponent);
  Tensor out;
  {
    NoGradGuard no_grad;  // recorded below as one PowBackward0, whatever path computes it
    out = is_sqrt_exponent(base, exponent) ? sqrt_pow(base, exponent)
                                           : binary(BinaryOp::Pow, base, exponent);
  }
  // d/dx x^e = e x^(e-1)
  const double e = exponent.to_double();
  record("PowBackward0", {&base}, {&out}, {{base}}, [e](auto&, auto& g, auto& s) {
    return variable_list{e == 0 ? zeros_like(g[0]) : g[0] * e * s[0].pow(e - 1)};
  });
  return out;
}
Tensor pow(const Scalar& base, const Tensor& exponent) {
  const ScalarType dtype = result_type(exponent, base);
  return pow(detail::scalar_tensor(base, dtype, exponent.device()), exponent);
}
Tensor& pow_out(Tensor& out, const Tensor& base, const Tensor& exponent) {
  Tensor result = pow(base, exponent);
  detail::check_out(out, result.sizes(), result.dtype(), result.device(), "pow",
                    {&base, &exponent});
  return out.copy_(result);
}
Tensor Tensor::pow(const Tensor& e) const { return ember::pow(*this, e); }
Tensor Tensor::pow(const Scalar& e) const { return ember::pow(*this, e); }
Tensor& Tensor::pow_(const Tensor& e) const {
  check_int_pow(self(), e);
  return binary_(BinaryOp::Pow, self(), e);
}
Tensor& Tensor::pow_(const Scalar& e) const {
  check_int_pow(self(), e);
  if (detail::in_place_needs_history(self(), "pow_"))
    return detail::commit_in_place(self(), ember::pow(detail::history_input(self(), true), e));
  if (is_floating_point() && is_sqrt_exponent(self(), e)) return copy_(sqrt_pow(self(), e));
  return binary_(BinaryOp::Pow, self(), e);
}

Tensor threshold_backward(const Tensor& grad, const Tensor& self, const Scalar& threshold) {
  const bool at_zero =
      threshold.is_floating_point() ? threshold.to<double>() == 0 : threshold.to<int64_t>() == 0;
  if (at_zero) return binary(BinaryOp::ThresholdBackward, grad, self);
  // Not through self - threshold, which is NaN for two equal infinities.
  return where(self.le(threshold), zeros_like(grad), grad);
}

// other - alpha * t, recorded as one node with an edge to t only (RsubBackward1).
Tensor rsub(const Tensor& t, const Scalar& other, const Scalar& alpha) {
  check_sub(other.is_boolean(), t.dtype() == kBool);
  const ScalarType dtype = result_type(t, other);
  Tensor y;
  {
    NoGradGuard recorded_below;
    y = sub(detail::scalar_tensor(other, dtype, t.device()), t, alpha);
  }
  // d(other - alpha t)/dt = -alpha
  record("RsubBackward1", {&t}, {&y}, {}, [alpha](auto&, auto& g, auto&) {
    return variable_list{is_one(alpha) ? -g[0] : g[0] * -alpha.to_double()};
  });
  return y;
}

// ---- Operators --------------------------------------------------------------------------------

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
Tensor operator+(const Scalar& a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
// LibTorch's number - t: a tensor filled with the number, minus t (SubBackward0, with an empty
// first edge).
Tensor operator-(const Scalar& a, const Tensor& b) {
  check_sub(a.is_boolean(), b.dtype() == kBool);
  return sub(detail::scalar_tensor(a, result_type(b, a), b.device()), b);
}
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, b); }
// As LibTorch's: a tensor filled with the number, divided by t (DivBackward0, with an empty
// first edge).
Tensor operator/(const Scalar& a, const Tensor& b) {
  const ScalarType dtype = result_type(b, a);
  return div(detail::scalar_tensor(a, dtype, b.device()), b);
}

// ---- Comparisons ---------------------------------------------------------------------------

namespace {

const char* compare_name(CompareOp op) {
  static const char* names[] = {
#define EMBER_COMPARE_OP(Name, name) #name,
#include "ember/core/op_table.def"
  };
  return names[static_cast<int>(op)];
}

Tensor compare(CompareOp op, const Tensor& a, const Tensor& b, ScalarType common) {
  const char* name = compare_name(op);
  detail::check_same_device(a, b, name);
  DimVector shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor out = detail::empty_for(shape, TensorOptions(kBool).device(a.device()), {&a, &b});
  detail::kernels_for(a).compare(op, out, a.to(common), b.to(common));
  return out;
}

Tensor compare(CompareOp op, const Tensor& a, const Tensor& b) {
  return compare(op, a, b, result_type(a, b));
}

Tensor compare(CompareOp op, const Tensor& a, const Scalar& b) {
  // In the promoted type, as PyTorch does: an int tensor meets a float scalar in float32.
  const ScalarType common = result_type(a, b);
  return compare(op, a, detail::scalar_tensor(b, common, a.device()), common);
}

}  // namespace

#define EMBER_COMPARE_OP(Name, name)                                                        \
  Tensor name(const Tensor& a, const Tensor& b) { return compare(CompareOp::Name, a, b); }  \
  Tensor Tensor::name(const Tensor& o) const { return compare(CompareOp::Name, *this, o); } \
  Tensor Tensor::name(const Scalar& o) const { return compare(CompareOp::Name, *this, o); }
#include "ember/core/op_table.def"

Tensor operator==(const Tensor& a, const Tensor& b) { return a.eq(b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return a.eq(b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return a.ne(b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return a.ne(b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return a.lt(b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return a.le(b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return a.le(b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return a.gt(b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return a.ge(b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return a.ge(b); }

// ---- where and masked_fill -----------------------------------------------------------------

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(condition.dtype() == kBool,
              "where: expected condition to be a boolean tensor, but got a tensor with dtype {}",
              dtype_legacy_name(condition.dtype()));
  detail::check_same_device(a, b, "where");
  detail::check_same_device(condition, a, "where");
  const ScalarType dtype = result_type(a, b);
  DimVector shape =
      broadcast_shapes(broadcast_shapes(condition.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out =
      detail::empty_for(shape, TensorOptions(dtype).device(a.device()), {&condition, &a, &b});
  detail::kernels_for(a).where(out, condition, a.to(dtype), b.to(dtype));
  // The gradient flows to whichever input each element was taken from.
  record("WhereBackward0", {&condition, &a, &b}, {&out}, {{condition}},
         [](auto&, auto& g, auto& s) {
           Tensor zero = zeros({}, g[0].options());
           return variable_list{Tensor(), where(s[0], g[0], zero), where(s[0], zero, g[0])};
         });
  return out;
}
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b) {
  return where(condition, a, detail::scalar_tensor(b, result_type(a, b), a.device()));
}
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b) {
  return where(condition, detail::scalar_tensor(a, result_type(b, a), b.device()), b);
}

namespace {
void check_mask(const Tensor& t, const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == kBool,
              "masked_fill_ only supports boolean masks, but got mask with dtype {}",
              dtype_legacy_name(mask.dtype()));
  DimVector shape = broadcast_shapes(t.sizes(), mask.sizes(), "masked_fill");
  EMBER_CHECK(IntArrayRef(shape) == t.sizes(),
              "masked_fill: the mask of shape {} does not broadcast to the tensor's shape {}",
              mask.sizes(), t.sizes());
}
}  // namespace

Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value) {
  check_mask(t, mask);
  return where(mask, detail::scalar_tensor(value, t.dtype(), t.device()), t);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) const {
  check_mask(self(), mask);
  if (detail::in_place_needs_history(self(), "masked_fill_"))
    return detail::commit_in_place(self(),
                                   detail::history_input(self(), false).masked_fill(mask, value));
  detail::kernels_for(self()).where(self(), mask, detail::scalar_tensor(value, dtype(), device()),
                                    self());
  impl()->storage()->bump_version();
  return self();
}

// ---- Whole-tensor comparisons ---------------------------------------------------------------

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  return ember::eq(a, b).all().item<bool>();
}
bool Tensor::equal(const Tensor& other) const { return ember::equal(*this, other); }

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  const ScalarType dtype = promote_types(promote_types(a.dtype(), b.dtype()), kFloat64);
  Tensor x = a.to(dtype), y = b.to(dtype);
  Tensor diff = (x - y).abs();
  Tensor close = diff.le(y.abs() * rtol + atol);
  // Equal infinities are close; NaN never is.
  close = ember::where(x.eq(y), ones_like(close), close);
  return close.all().item<bool>();
}
bool Tensor::allclose(const Tensor& other, double rtol, double atol) const {
  return ember::allclose(*this, other, rtol, atol);
}

}  // namespace ember
