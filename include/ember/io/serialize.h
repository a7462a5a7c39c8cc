#pragma once
/// LibTorch's torch::save and torch::load: a tensor, a list of tensors, a module (its
/// state_dict) or an optimizer (its state_dict, hyper-parameters and state), written as a
/// safetensors file and read back into an object of the same kind. The calls are LibTorch's;
/// the file format is Ember's (safetensors), not LibTorch's zip archive.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/optim/optimizer.h"

namespace ember {

void save(const Tensor& tensor, const std::string& path);
/// Replaces tensor with the one stored at path.
void load(Tensor& tensor, const std::string& path);
void save(const std::vector<Tensor>& tensors, const std::string& path);
void load(std::vector<Tensor>& tensors, const std::string& path);

void save(const nn::Module& module, const std::string& path);
/// Copies the stored parameters and buffers into module's (strictly: every name must match).
/// Also reads a state dict that Python's torch.save wrote (see io::load_torch_state_dict).
void load(nn::Module& module, const std::string& path);
template <typename M, typename = std::enable_if_t<std::is_base_of_v<nn::Module, M>>>
void save(const std::shared_ptr<M>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
template <typename M, typename = std::enable_if_t<std::is_base_of_v<nn::Module, M>>>
void load(const std::shared_ptr<M>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}
template <typename M>
void save(const nn::ModuleHolder<M>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
template <typename M>
void load(nn::ModuleHolder<M>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}

void save(const optim::Optimizer& optimizer, const std::string& path);
/// Restores an optimizer of the same type over the same parameters.
void load(optim::Optimizer& optimizer, const std::string& path);

}  // namespace ember
