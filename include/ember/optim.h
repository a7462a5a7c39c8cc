#pragma once
/// ember::optim: optimizers over tensors (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
/// NAdam, RAdam, Rprop, ASGD) and LR schedulers.
#include "ember/optim/adadelta.h"
#include "ember/optim/adagrad.h"
#include "ember/optim/adam.h"
#include "ember/optim/adamax.h"
#include "ember/optim/asgd.h"
#include "ember/optim/lbfgs.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/lr_scheduler_factors.h"
#include "ember/optim/nadam.h"
#include "ember/optim/optimizer.h"
#include "ember/optim/radam.h"
#include "ember/optim/rmsprop.h"
#include "ember/optim/rprop.h"
#include "ember/optim/sgd.h"
