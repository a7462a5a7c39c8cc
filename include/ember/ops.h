#pragma once
/// All public ops.
#include "ember/indexing.h"
#include "ember/ops/conv.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/optim_step.h"
#include "ember/ops/reduce.h"
#include "ember/ops/softmax.h"
#include "ember/ops/sort.h"
