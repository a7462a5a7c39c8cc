#pragma once
/// Readers for the IDX format of MNIST-style datasets, plain or gzip-compressed.
#include <string>

#include "ember/core/tensor.h"

namespace ember::data {

/// The tensor stored in an IDX file (read through zlib, so a gzip-compressed file reads the same
/// as a plain one). The header is two zero bytes, a type byte, a dim count and big-endian uint32
/// sizes; the elements follow in big-endian order. Types 0x08 (uint8), 0x09 (int8), 0x0B (int16)
/// and 0x0C (int32) give int64, 0x0D float32 and 0x0E float64. A missing, truncated or corrupt
/// file, a bad magic or an unknown type is a RuntimeError naming the file.
Tensor read_idx(const std::string& path);
/// The uint8 images [N, rows, cols] of an IDX file as float32 in [0, 1] (value / 255).
Tensor read_idx_images(const std::string& path);
/// The uint8 labels [N] of an IDX file as int64.
Tensor read_idx_labels(const std::string& path);

}  // namespace ember::data
