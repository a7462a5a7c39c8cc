#pragma once
// Iteration geometry shared by elementwise kernels: several tensors broadcast to one shape,
// with dims reordered to follow the output's memory order and merged wherever every operand
// allows, so most loops collapse to one long, often contiguous, inner row.
#include <cstdint>
#include <initializer_list>

#include "ember/core/tensor.h"

namespace ember::detail {

class StridedLoop {
 public:
  static constexpr int kMaxOperands = 4;

  /// Operand 0 is written; the others are read. Each must broadcast to shape.
  StridedLoop(IntArrayRef shape, std::initializer_list<const Tensor*> operands);

  int64_t numel() const { return numel_; }
  int num_operands() const { return num_operands_; }
  /// Byte strides of each operand along the innermost dim.
  const int64_t* inner_strides() const { return inner_strides_; }

  /// Calls row(char** ptrs, const int64_t* inner_strides, int64_t n) for every row of the
  /// linear element range [begin, end), in order.
  template <typename Row>
  void for_range(int64_t begin, int64_t end, Row&& row) const {
    if (begin >= end) return;
    int nd = static_cast<int>(shape_.size());
    char* ptrs[kMaxOperands];
    if (nd == 0) {
      for (int k = 0; k < num_operands_; ++k) ptrs[k] = base_[k];
      row(ptrs, inner_strides_, int64_t{1});
      return;
    }
    DimVector idx(nd, 0);
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = rem % shape_[d];
      rem /= shape_[d];
    }
    int64_t left = end - begin;
    const int64_t inner = shape_[nd - 1];
    while (left > 0) {
      for (int k = 0; k < num_operands_; ++k) {
        char* p = base_[k];
        for (int d = 0; d < nd; ++d) p += idx[d] * strides_[k][d];
        ptrs[k] = p;
      }
      int64_t n = std::min(inner - idx[nd - 1], left);
      row(ptrs, inner_strides_, n);
      left -= n;
      idx[nd - 1] += n;
      for (int d = nd - 1; d > 0 && idx[d] == shape_[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  }

 private:
  int num_operands_ = 0;
  int64_t numel_ = 1;
  DimVector shape_;
  DimVector strides_[kMaxOperands];
  char* base_[kMaxOperands] = {};
  int64_t inner_strides_[kMaxOperands] = {};
};

}  // namespace ember::detail
