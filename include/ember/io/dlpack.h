#pragma once
/// DLPack, the zero-copy exchange format array libraries share (LibTorch's at::toDLPack and
/// at::fromDLPack): a tensor handed over as a DLManagedTensor that keeps it alive, and one taken
/// in without a copy, calling the producer's deleter when Ember no longer needs the memory.
#include <dlpack/dlpack.h>

#include "ember/core/tensor.h"

namespace ember {

/// A DLManagedTensor viewing t's memory (its sizes, strides and dtype); its deleter releases
/// the reference it holds. The caller owns the result: hand it on, or call its deleter.
DLManagedTensor* toDLPack(const Tensor& t);
/// A tensor over src's memory; src's deleter runs when the last tensor using it goes away.
/// Refuses devices other than the CPU, dtypes Ember lacks and negative strides (without
/// taking ownership of src then).
Tensor fromDLPack(DLManagedTensor* src);

}  // namespace ember
