"""torch.nn.init: fill a parameter in place (without recording) and return it. Every function is
Ember's C++ nn::init."""

from .. import _C

_nn = _C._nn

uniform_ = _nn.uniform_
normal_ = _nn.normal_
constant_ = _nn.constant_
zeros_ = _nn.zeros_
ones_ = _nn.ones_
kaiming_uniform_ = _nn.kaiming_uniform_
kaiming_normal_ = _nn.kaiming_normal_
xavier_uniform_ = _nn.xavier_uniform_
xavier_normal_ = _nn.xavier_normal_
eye_ = _nn.eye_
dirac_ = _nn.dirac_
orthogonal_ = _nn.orthogonal_
trunc_normal_ = _nn.trunc_normal_
calculate_gain = _nn.calculate_gain
_calculate_fan_in_and_fan_out = _nn._calculate_fan_in_and_fan_out
