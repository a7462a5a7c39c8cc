#pragma once
/// ember::optim: optimizers over tensors (SGD, Adam, AdamW, RMSprop, Adagrad) and LR schedulers.
#include "ember/optim/adagrad.h"
#include "ember/optim/adam.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"
#include "ember/optim/rmsprop.h"
#include "ember/optim/sgd.h"
