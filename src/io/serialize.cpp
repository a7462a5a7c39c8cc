// torch::save and torch::load, LibTorch's spelling, over safetensors files of state_dicts.
#include "ember/io/serialize.h"

#include <fmt/format.h>

#include <fstream>
#include <string_view>

#include "ember/io/safetensors.h"
#include "ember/io/torch_checkpoint.h"

namespace ember {

void save(const Tensor& tensor, const std::string& path) { save(path, tensor); }
void load(Tensor& tensor, const std::string& path) { tensor = load(path); }

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  TensorDict dict;
  for (size_t i = 0; i < tensors.size(); ++i) dict.insert(std::to_string(i), tensors[i]);
  io::save_safetensors(path, dict);
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  const TensorDict dict = io::load_safetensors(path);
  std::vector<Tensor> loaded(dict.size());
  for (size_t i = 0; i < loaded.size(); ++i) {
    const std::string key = std::to_string(i);
    if (!dict.contains(key))
      throw Error(
          fmt::format("load: {} does not hold a list of tensors (no entry \"{}\")", path, key));
    loaded[i] = dict.at(key);
  }
  tensors = std::move(loaded);
}

void save(const nn::Module& module, const std::string& path) {
  io::save_safetensors(path, module.state_dict());
}
void load(nn::Module& module, const std::string& path) {
  // A file from Python's torch.save is a zip archive; Ember's own are safetensors.
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (in && io::is_zip_archive(std::string_view(magic, 4))) {
    module.load_state_dict(io::load_torch_state_dict(path));
    return;
  }
  module.load_state_dict(io::load_safetensors(path));
}

void save(const optim::Optimizer& optimizer, const std::string& path) {
  io::save_safetensors(path, optimizer.state_dict());
}
void load(optim::Optimizer& optimizer, const std::string& path) {
  optimizer.load_state_dict(io::load_safetensors(path));
}

}  // namespace ember
