// make_dual and unpack_dual: tensors with tangents, as views of their primals.
#include "ember/autograd/forward_ad.h"
#include "core/check.h"
#include "graph/forward_grad.h"

namespace ember::autograd::forward_ad {

Tensor make_dual(const Tensor& primal, const Tensor& tangent) {
  EMBER_CHECK(current_dual_level() != 0,
              "make_dual: forward AD needs an active dual level; make the dual tensor inside a "
              "dual_level scope (with fwAD.dual_level():)");
  EMBER_CHECK(primal.defined() && tangent.defined(), "make_dual: expected defined tensors");
  EMBER_CHECK(tangent.sizes() == primal.sizes(),
              "Trying to set a forward gradient that has a different size than that of the "
              "original Tensor, this is not supported. Tensor is of size {} while the given "
              "forward gradient is of size {}.",
              shape_str(primal.sizes()), shape_str(tangent.sizes()));
  EMBER_CHECK(is_floating_point(primal.dtype()),
              "make_dual: Expected primal to be floating point or complex, but got: {}",
              dtype_legacy_name(primal.dtype()));
  EMBER_CHECK(tangent.dtype() == primal.dtype(),
              "Trying to set a forward gradient that has a different dtype than that of the "
              "original Tensor, this is not supported. Tensor is of dtype {} while the given "
              "forward gradient is of dtype {}.",
              dtype_legacy_name(primal.dtype()), dtype_legacy_name(tangent.dtype()));
  Tensor dual;
  {
    ForwardADDisabledGuard plain;  // the view itself takes no tangent from the primal's
    dual = primal.view_as(primal);
  }
  set_fw_grad(dual, tangent);
  return dual;
}

UnpackedDualTensor unpack_dual(const Tensor& tensor) {
  Tensor tangent = fw_grad(tensor);
  Tensor primal;
  {
    ForwardADDisabledGuard plain;
    primal = tensor.view_as(tensor);
  }
  return {primal, tangent};
}

}  // namespace ember::autograd::forward_ad
