// dual_level: the scope of forward-mode AD; entering one installs the gradient function that
// ops' JVPs are computed with (graph/forward_grad.h).
#include "ember/autograd/forward_ad.h"

#include "ember/autograd.h"
#include "graph/forward_grad.h"

namespace ember::autograd::forward_ad {
namespace {

variable_list jvp_gradients(const variable_list& outputs, const variable_list& inputs,
                            const variable_list& grad_outputs, bool create_graph) {
  return grad(outputs, inputs, grad_outputs, /*retain_graph=*/create_graph, create_graph,
              /*allow_unused=*/true);
}

}  // namespace

dual_level::dual_level() {
  set_jvp_gradients(&jvp_gradients);
  level_ = enter_dual_level();
}

dual_level::~dual_level() { exit_dual_level(level_); }

}  // namespace ember::autograd::forward_ad
