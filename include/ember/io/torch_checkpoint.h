#pragma once
/// Reading the state dicts Python's torch.save writes (its zip format: a pickle naming raw
/// storages), so weights trained in PyTorch load into C++ models. Only what a weights file needs
/// is understood: tensors, parameters, dicts, lists, tuples, numbers and strings. Any other
/// global in the pickle is an error and nothing in the file is ever executed; sizes, strides and
/// offsets are checked against the storages before a tensor is made.
#include <string>
#include <string_view>

#include "ember/core/tensor_dict.h"

namespace ember::io {

/// The tensors of the dict that torch.save wrote to path: nested dicts flattened with "." in
/// their keys; other values (numbers, strings, lists) left out. With entry, only the top-level
/// dict's entry of that name is read (a checkpoint's "model_state_dict"). Every storage is read
/// to the CPU, whatever device it was saved from; views of one storage stay views of one tensor.
TensorDict load_torch_state_dict(const std::string& path, const std::string& entry = "");

/// The same, from the bytes of such a file; what names them in errors.
TensorDict load_torch_state_dict_from_bytes(std::string_view bytes, const std::string& entry = "",
                                            const std::string& what = "<bytes>");

/// Whether bytes start as a zip archive (as torch.save's files do).
bool is_zip_archive(std::string_view bytes);

}  // namespace ember::io
