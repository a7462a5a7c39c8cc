#pragma once
/// Ember: tensors with define-by-run automatic differentiation. Include this for everything.
#include "ember/autograd.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_dict.h"
#include "ember/ops.h"
#include "ember/parallel.h"
