// Tensor::backward, which runs the engine.
#include "core/check.h"
#include "ember/autograd.h"

namespace ember {

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::optional<std::vector<Tensor>>& inputs) const {
  EMBER_CHECK(!inputs || !inputs->empty(), "'inputs' argument to backward() cannot be empty.");
  autograd::backward({*this}, {gradient}, retain_graph, create_graph,
                     inputs.value_or(autograd::variable_list{}));
}

}  // namespace ember
