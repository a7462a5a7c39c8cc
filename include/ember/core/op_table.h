#pragma once
/// Helpers for expanding the op table (op_table.def): a line's flags select what it expands to.

/// EMBER_IF_FULL(surface, code): code when the op's surface comes from the table (any surface
/// but `hand`).
#define EMBER_IF_FULL(surface, ...) EMBER_IF_SURFACE_##surface(__VA_ARGS__)
#define EMBER_IF_SURFACE_full(...) __VA_ARGS__
#define EMBER_IF_SURFACE_no_inplace(...) __VA_ARGS__
#define EMBER_IF_SURFACE_number(...) __VA_ARGS__
#define EMBER_IF_SURFACE_alpha(...) __VA_ARGS__
#define EMBER_IF_SURFACE_hand(...)

/// EMBER_IF_INPLACE(surface, code): code when the table makes the op's in-place method too.
#define EMBER_IF_INPLACE(surface, ...) EMBER_IF_INPLACE_##surface(__VA_ARGS__)
#define EMBER_IF_INPLACE_full(...) __VA_ARGS__
#define EMBER_IF_INPLACE_no_inplace(...)
#define EMBER_IF_INPLACE_number(...) __VA_ARGS__
#define EMBER_IF_INPLACE_alpha(...) __VA_ARGS__
#define EMBER_IF_INPLACE_hand(...)

/// EMBER_IF_TENSOR_ONLY(surface, code): code when the table makes the surface and the op takes
/// only tensors (full, no_inplace).
#define EMBER_IF_TENSOR_ONLY(surface, ...) EMBER_IF_TENSOR_ONLY_##surface(__VA_ARGS__)
#define EMBER_IF_TENSOR_ONLY_full(...) __VA_ARGS__
#define EMBER_IF_TENSOR_ONLY_no_inplace(...) __VA_ARGS__
#define EMBER_IF_TENSOR_ONLY_number(...)
#define EMBER_IF_TENSOR_ONLY_alpha(...)
#define EMBER_IF_TENSOR_ONLY_hand(...)

/// EMBER_IF_NUMBER(surface, code): code when the op also takes a number for its second operand
/// (add, sub, mul, div: the overloads taking a Scalar).
#define EMBER_IF_NUMBER(surface, ...) EMBER_IF_NUMBER_##surface(__VA_ARGS__)
#define EMBER_IF_NUMBER_full(...)
#define EMBER_IF_NUMBER_no_inplace(...)
#define EMBER_IF_NUMBER_number(...) __VA_ARGS__
#define EMBER_IF_NUMBER_alpha(...) __VA_ARGS__
#define EMBER_IF_NUMBER_hand(...)

/// The alpha parameter of add and sub (a + alpha * b): EMBER_ALPHA_DECL(surface) declares it
/// with its default, EMBER_ALPHA_PARAM(surface) names it in a definition, EMBER_ALPHA_ARG
/// passes it on; all three are empty for ops without one. EMBER_TAKES_ALPHA is true or false.
#define EMBER_ALPHA_DECL(surface) EMBER_ALPHA_DECL_##surface
#define EMBER_ALPHA_PARAM(surface) EMBER_ALPHA_PARAM_##surface
#define EMBER_ALPHA_ARG(surface) EMBER_ALPHA_ARG_##surface
#define EMBER_TAKES_ALPHA(surface) EMBER_TAKES_ALPHA_##surface
#define EMBER_ALPHA_DECL_alpha , const Scalar& alpha = 1
#define EMBER_ALPHA_PARAM_alpha , const Scalar& alpha
#define EMBER_ALPHA_ARG_alpha , alpha
#define EMBER_TAKES_ALPHA_alpha true
#define EMBER_ALPHA_DECL_number
#define EMBER_ALPHA_PARAM_number
#define EMBER_ALPHA_ARG_number
#define EMBER_TAKES_ALPHA_number false
#define EMBER_ALPHA_DECL_full
#define EMBER_ALPHA_PARAM_full
#define EMBER_ALPHA_ARG_full
#define EMBER_TAKES_ALPHA_full false
#define EMBER_ALPHA_DECL_no_inplace
#define EMBER_ALPHA_PARAM_no_inplace
#define EMBER_ALPHA_ARG_no_inplace
#define EMBER_TAKES_ALPHA_no_inplace false
#define EMBER_TAKES_ALPHA_hand false

/// A reduction's surface (EMBER_REDUCE_OP):
///   dims_dtype - name(t, dtype) over all elements and name(t, dims, keepdim, dtype) (sum)
///   dim_dtype  - the same over one dim (prod)
///   dims       - name(t, dims = {}, keepdim), no dtype (amax, amin)
/// EMBER_IF_REDUCE_DTYPE / EMBER_IF_REDUCE_NO_DTYPE select code by whether it takes a dtype, and
/// EMBER_REDUCE_DIM(surface) is the type of its dim argument.
#define EMBER_IF_REDUCE_DTYPE(surface, ...) EMBER_IF_REDUCE_DTYPE_##surface(__VA_ARGS__)
#define EMBER_IF_REDUCE_DTYPE_dims_dtype(...) __VA_ARGS__
#define EMBER_IF_REDUCE_DTYPE_dim_dtype(...) __VA_ARGS__
#define EMBER_IF_REDUCE_DTYPE_dims(...)
#define EMBER_IF_REDUCE_NO_DTYPE(surface, ...) EMBER_IF_REDUCE_NO_DTYPE_##surface(__VA_ARGS__)
#define EMBER_IF_REDUCE_NO_DTYPE_dims_dtype(...)
#define EMBER_IF_REDUCE_NO_DTYPE_dim_dtype(...)
#define EMBER_IF_REDUCE_NO_DTYPE_dims(...) __VA_ARGS__
#define EMBER_REDUCE_DIM(surface) EMBER_REDUCE_DIM_##surface
#define EMBER_REDUCE_DIM_dims_dtype IntArrayRef
#define EMBER_REDUCE_DIM_dim_dtype int64_t
#define EMBER_REDUCE_DIM_dims IntArrayRef

/// EMBER_PROMOTES(dtype): whether integer and bool inputs give a floating result.
#define EMBER_PROMOTES(dtype) EMBER_PROMOTES_##dtype
#define EMBER_PROMOTES_same false
#define EMBER_PROMOTES_float true
#define EMBER_PROMOTES_float_only false
/// EMBER_FLOAT_ONLY(dtype): whether integer and bool inputs are refused.
#define EMBER_FLOAT_ONLY(dtype) EMBER_FLOAT_ONLY_##dtype
#define EMBER_FLOAT_ONLY_same false
#define EMBER_FLOAT_ONLY_float false
#define EMBER_FLOAT_ONLY_float_only true
