"""ember.optim: optimizers with torch's update rules."""

from .algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
