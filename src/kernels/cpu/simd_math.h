#pragma once
// Vectorised inner loops over contiguous float32/float64 rows, compiled for several instruction
// sets and chosen at run time by Highway. Each returns false for an op it has no vector form of,
// and the caller falls back to its scalar loop.
#include <cstdint>

#include "kernels/kernel_table.h"

namespace ember::detail {

bool simd_unary(UnaryOp op, const float* in, float* out, int64_t n, const UnaryParams& p);
bool simd_unary(UnaryOp op, const double* in, double* out, int64_t n, const UnaryParams& p);

/// Layout of a binary row: both operands are rows, or one of them is a single broadcast value.
enum class BinaryLayout : uint8_t { Rows, ScalarA, ScalarB };
bool simd_binary(BinaryOp op, const float* a, const float* b, float* out, int64_t n,
                 BinaryLayout layout);
bool simd_binary(BinaryOp op, const double* a, const double* b, double* out, int64_t n,
                 BinaryLayout layout);

/// Sum of a contiguous row, blocked so float32 keeps its accuracy over long rows.
double simd_sum(const float* in, int64_t n);
double simd_sum(const double* in, int64_t n);

}  // namespace ember::detail
