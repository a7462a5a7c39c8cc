// ember::save and ember::load: one tensor per safetensors file, for quick experiments.
#include <fmt/format.h>

#include "ember/io/safetensors.h"

namespace ember {

void save(const std::string& path, const Tensor& tensor) {
  TensorDict dict;
  dict.insert("tensor", tensor);
  io::save_safetensors(path, dict);
}

Tensor load(const std::string& path) {
  TensorDict dict = io::load_safetensors(path);
  if (dict.size() != 1)
    throw Error(
        fmt::format("load: {}: the file holds {} tensors, but ember::load reads files "
                    "holding exactly one (use ember::io::load_safetensors)",
                    path, dict.size()));
  return dict.begin()->second;
}

}  // namespace ember
