"""Restoring an IterDataPipe to a point of its iteration by replaying it."""

from ...graph_settings import apply_random_seed
from .._hook_iterator import _SnapshotState

__all__ = []


def _simple_graph_snapshot_restoration(datapipe, n_iterations, rng=None):
    """Resets datapipe, seeds its random pipes from rng, and reads n_iterations items, so that
    its next iterator continues from there (once: a restored pipe cannot be restored again)."""
    if datapipe._snapshot_state == _SnapshotState.Restored:
        raise RuntimeError("Snapshot restoration cannot be applied. You can only restore simple "
                           "snapshot to the graph if your graph has not been restored.")
    datapipe.reset()  # the state becomes Iterating, so that iter() below does not reset again
    apply_random_seed(datapipe, rng)
    remainder = n_iterations
    it = iter(datapipe)
    while remainder > 0:
        try:
            next(it)
            remainder -= 1
        except StopIteration:
            raise RuntimeError(f"Fast-forward {datapipe} by {n_iterations} iterations exceeds "
                               "the number of samples available.")
    datapipe._fast_forward_iterator = it
    datapipe._snapshot_state = _SnapshotState.Restored
