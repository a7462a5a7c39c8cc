"""nn.functional's grid_sample and affine_grid: torch's signatures and argument checks over the
integer-coded samplers in ember._C._nn."""

import warnings

from .. import _C

_nn = _C._nn

GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_DEFAULT_ALIGN_CORNERS_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details.")


def _align_corners(align_corners):
    if align_corners is None:
        warnings.warn(_DEFAULT_ALIGN_CORNERS_WARNING, stacklevel=3)
        return False
    return align_corners


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input [N, C, H, W] (or [N, C, D, H, W]) read at the points of grid [N, Ho, Wo, 2] (or
    [N, Do, Ho, Wo, 3]) whose last dim holds x, y (, z) in [-1, 1]."""
    if mode not in GRID_SAMPLE_INTERPOLATION_MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in GRID_SAMPLE_PADDING_MODES:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    align_corners = _align_corners(align_corners)
    return _nn.grid_sampler(input, grid, GRID_SAMPLE_INTERPOLATION_MODES[mode],
                            GRID_SAMPLE_PADDING_MODES[padding_mode], align_corners)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of the affine maps theta ([N, 2, 3] or [N, 3, 4]) for an output of size
    [N, C, H, W] (or [N, C, D, H, W])."""
    align_corners = _align_corners(align_corners)
    grid = _nn.affine_grid(theta, size, align_corners)
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    return grid
