#pragma once
/// Checkpoints in the safetensors format, readable by Hugging Face's safetensors library.
#include <map>
#include <string>

#include "ember/core/tensor.h"
#include "ember/core/tensor_dict.h"

namespace ember::io {

/// Free-form string metadata stored under "__metadata__" in a safetensors header.
using Metadata = std::map<std::string, std::string>;

/// Writes tensors (F32, F64, I32, I64 or BOOL; non-contiguous ones are written contiguously) to
/// path in the safetensors layout: an 8-byte little-endian header length, a JSON header padded
/// with spaces to a multiple of 8 bytes, then the raw little-endian data. Tensors are laid out as
/// the reference library lays them out (by dtype, then by name), so the file is byte-identical to
/// what it writes. The write is atomic: the data goes to path + ".tmp.<pid>", is flushed and
/// fsynced, then renamed over path; on failure path is left as it was and the temporary removed.
void save_safetensors(const std::string& path, const TensorDict& tensors,
                      const Metadata& metadata = {});

/// Reads every tensor of a safetensors file, in name order. The whole file is validated first;
/// a short file, a header length beyond the file, invalid JSON, an unknown or unsupported dtype,
/// and data offsets that are out of range, overlap, leave gaps or disagree with shape * itemsize
/// are each a RuntimeError naming the file and the problem.
TensorDict load_safetensors(const std::string& path);

/// The "__metadata__" map of a safetensors file (empty when absent), read from its header alone.
Metadata load_safetensors_metadata(const std::string& path);

}  // namespace ember::io

namespace ember {

/// Saves one tensor as a safetensors file holding it under the key "tensor".
void save(const std::string& path, const Tensor& tensor);
/// Loads a safetensors file holding exactly one tensor (as written by save).
Tensor load(const std::string& path);

}  // namespace ember
