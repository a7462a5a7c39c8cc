"""ember.optim: optimizers with torch's update rules, and learning-rate schedules."""

from . import lr_scheduler
from .algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
