#include "kernels/common/strided_loop.h"

#include <algorithm>

namespace ember::detail {

StridedLoop::StridedLoop(IntArrayRef shape, std::initializer_list<const Tensor*> operands)
    : num_operands_(static_cast<int>(operands.size())) {
  const int nd = static_cast<int>(shape.size());
  for (int64_t s : shape) numel_ *= s;

  // The common case, every operand contiguous with the full shape, is one flat row.
  bool flat = true;
  for (const Tensor* t : operands) flat = flat && t->is_contiguous() && t->sizes() == shape;
  if (flat) {
    int k = 0;
    for (const Tensor* t : operands) {
      base_[k] = static_cast<char*>(t->data_ptr());
      if (numel_ != 1) {  // as below, a single element has no dims left
        inner_strides_[k] = static_cast<int64_t>(t->element_size());
        strides_[k].push_back(inner_strides_[k]);
      }
      ++k;
    }
    if (numel_ != 1) shape_.push_back(numel_);
    return;
  }

  // Byte strides of every operand against the full shape; broadcast dims get stride 0.
  DimVector full[kMaxOperands];
  int k = 0;
  for (const Tensor* t : operands) {
    base_[k] = static_cast<char*>(t->data_ptr());
    full[k].resize(nd, 0);
    const int64_t esize = static_cast<int64_t>(t->element_size());
    const int offset = nd - static_cast<int>(t->dim());
    for (int d = 0; d < t->dim(); ++d)
      if (t->sizes()[d] != 1) full[k][offset + d] = t->strides()[d] * esize;
    ++k;
  }

  // Visit dims in the output's memory order (largest stride outermost), so a transposed
  // output is still written sequentially. Size-1 dims are dropped.
  SmallVector<int, 6> order;
  for (int d = 0; d < nd; ++d)
    if (shape[d] != 1) order.push_back(d);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    int64_t sa = full[0][a], sb = full[0][b];
    if (sa == 0 || sb == 0) return false;
    return sa > sb;
  });

  for (int d : order) {
    shape_.push_back(shape[d]);
    for (int j = 0; j < num_operands_; ++j) strides_[j].push_back(full[j][d]);
  }
  // Merge a dim into its inner neighbour when every operand steps through both as one.
  for (int i = static_cast<int>(shape_.size()) - 1; i > 0; --i) {
    bool ok = true;
    for (int j = 0; j < num_operands_; ++j)
      if (strides_[j][i - 1] != strides_[j][i] * shape_[i]) ok = false;
    if (!ok) continue;
    shape_[i - 1] *= shape_[i];
    for (int j = 0; j < num_operands_; ++j) strides_[j][i - 1] = strides_[j][i];
    shape_.erase(shape_.begin() + i);
    for (int j = 0; j < num_operands_; ++j) strides_[j].erase(strides_[j].begin() + i);
  }
  if (!shape_.empty())
    for (int j = 0; j < num_operands_; ++j) inner_strides_[j] = strides_[j].back();
}

}  // namespace ember::detail
