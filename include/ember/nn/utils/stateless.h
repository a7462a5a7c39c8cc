#pragma once
/// functional_call (torch.func.functional_call; torch.nn.utils.stateless in torch 1.13): a
/// module's forward run with some parameters and buffers replaced, for that call only, by given
/// tensors, so a model becomes a function of its weights for func::grad, vmap and jacrev:
///
///   auto loss = [&](Tensor w, Tensor b, Tensor x) {
///     return func::functional_call(model, {{"weight", w}, {"bias", b}}, x).sum();
///   };
///   Tensor dw = func::grad(loss)(w, b, x);
///
/// It reaches into modules, so it sits in the nn layer (above the engine, where func::grad and
/// vmap live) and is also spelled ember::func::functional_call, next to those transforms.
#include <concepts>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn::utils::stateless {

/// Tensors by dotted name ("0.weight", "bn.running_mean"), as named_parameters and
/// named_buffers give them.
using TensorMap = std::unordered_map<std::string, Tensor>;

namespace detail {

/// Puts the named tensors in a module's parameter and buffer slots for its lifetime and the
/// module's own tensors back when it ends, also when forward throws. A tensor the module holds
/// under several names (tied weights) is replaced under all of them. An unknown name, or two
/// different tensors for tied names, is an error and changes nothing.
class Reparametrization {
 public:
  Reparametrization(Module& module, const TensorMap& tensors);
  ~Reparametrization();
  Reparametrization(const Reparametrization&) = delete;
  Reparametrization& operator=(const Reparametrization&) = delete;

 private:
  std::vector<std::pair<Tensor*, Tensor>> saved_;
};

/// The Module behind a module, a ModuleHolder (nn::Linear), an AnyModule or a shared_ptr.
template <typename M>
Module& module_of(M& m) {
  if constexpr (std::is_base_of_v<Module, M>)
    return m;
  else if constexpr (requires { *m.ptr(); })
    return *m.ptr();
  else
    return *m;
}

}  // namespace detail

/// Calls module's forward on args with the parameters and buffers named in tensors replaced by
/// them for the call; names not given keep the module's own tensors. `module` is a module, a
/// ModuleHolder (nn::Linear), an AnyModule or a std::shared_ptr to a module.
template <typename M, typename... Args>
decltype(auto) functional_call(M&& module, const TensorMap& tensors, Args&&... args) {
  detail::Reparametrization swap(detail::module_of(module), tensors);
  if constexpr (std::is_base_of_v<Module, std::remove_cvref_t<M>>)
    return module.forward(std::forward<Args>(args)...);
  else if constexpr (requires { module.forward(std::forward<Args>(args)...); })
    return module.forward(std::forward<Args>(args)...);  // AnyModule
  else
    return module->forward(std::forward<Args>(args)...);
}

}  // namespace ember::nn::utils::stateless

namespace ember::func {
using nn::utils::stateless::functional_call;
}  // namespace ember::func
