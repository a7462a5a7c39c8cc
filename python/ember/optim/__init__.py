"""ember.optim: optimizers with torch's update rules, and learning-rate schedules."""

from . import lr_scheduler, swa_utils
from .algorithms import (ASGD, LBFGS, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam,
                         RMSprop, Rprop)
from .optimizer import Optimizer
