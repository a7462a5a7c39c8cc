#pragma once
// What the reader and the writer of safetensors files agree on: dtype names and limits.
#include <optional>
#include <string_view>

#include "ember/core/dtype.h"

namespace ember::io::detail {

/// The format's name for an Ember dtype ("F32", "BOOL", ...).
std::string_view safetensors_dtype_name(ScalarType t);
/// The Ember dtype for a format name, or nothing when Ember has no such dtype.
std::optional<ScalarType> safetensors_dtype(std::string_view name);
/// True for dtype names the format defines but Ember cannot hold (F16, BF16, U8, ...).
bool is_foreign_safetensors_dtype(std::string_view name);
/// The reference writer orders tensors by descending position in its dtype enum, then by name;
/// this is that position for Ember's dtypes.
int safetensors_dtype_rank(ScalarType t);

/// Headers longer than this are refused, as the reference reader does (100 MB).
inline constexpr uint64_t kMaxHeaderSize = 100'000'000;

}  // namespace ember::io::detail
