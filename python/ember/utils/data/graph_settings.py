"""Settings applied across a datapipe graph: sharding, shuffling and the seeds of its random
datapipes."""

import inspect
import warnings

from ... import _C
from .graph import traverse_dps

__all__ = ["apply_random_seed", "apply_sharding", "apply_shuffle_seed",
           "apply_shuffle_settings", "get_all_graph_pipes"]


def get_all_graph_pipes(graph):
    """Every datapipe of a traverse_dps graph once, depth first."""
    return _get_all_graph_pipes_helper(graph, set())


def _get_all_graph_pipes_helper(graph, id_cache):
    results = []
    for dp_id, (datapipe, sub_graph) in graph.items():
        if dp_id in id_cache:
            continue
        id_cache.add(dp_id)
        results.append(datapipe)
        results.extend(_get_all_graph_pipes_helper(sub_graph, id_cache))
    return results


def apply_sharding(datapipe, num_of_instances, instance_id):
    """Tells the graph's shardable datapipe (a sharding_filter) that it is copy instance_id of
    num_of_instances; more than one shardable datapipe is a RuntimeError."""
    already_applied_to = None
    for pipe in get_all_graph_pipes(traverse_dps(datapipe)):
        if hasattr(pipe, "is_shardable") and pipe.is_shardable() and \
                hasattr(pipe, "apply_sharding"):
            if already_applied_to is not None:
                raise RuntimeError("This implementation of sharding can be only applied once per "
                                   "instance of DataPipeline.", "Already applied to",
                                   already_applied_to, "while trying to apply to", pipe)
            pipe.apply_sharding(num_of_instances, instance_id)
            already_applied_to = pipe
    return datapipe


def _is_shuffle_datapipe(datapipe):
    return inspect.ismethod(getattr(datapipe, "set_shuffle", None)) and \
        inspect.ismethod(getattr(datapipe, "set_seed", None))


def apply_shuffle_settings(datapipe, shuffle=None):
    """Turns every shuffling datapipe of the graph on or off (None: leaves them). With
    shuffle=True and none in the graph, returns datapipe.shuffle() (with a warning)."""
    if shuffle is None:
        return datapipe
    shufflers = [pipe for pipe in get_all_graph_pipes(traverse_dps(datapipe))
                 if _is_shuffle_datapipe(pipe)]
    if not shufflers and shuffle:
        warnings.warn("`shuffle=True` was set, but the datapipe does not contain a `Shuffler`. "
                      "Adding one at the end. Be aware that the default buffer size might not "
                      "be sufficient for your task.")
        datapipe = datapipe.shuffle()
        shufflers = [datapipe]
    for shuffler in shufflers:
        shuffler.set_shuffle(shuffle)
    return datapipe


def apply_shuffle_seed(datapipe, rng):
    warnings.warn("`apply_shuffle_seed` is deprecated since 1.12 and will be removed in the "
                  "future releases.\nPlease use `apply_random_seed` instead.")
    return apply_random_seed(datapipe, rng)


def _is_random_datapipe(datapipe):
    return inspect.ismethod(getattr(datapipe, "set_seed", None))


def apply_random_seed(datapipe, rng):
    """Gives each random datapipe of the graph (those with set_seed) a seed drawn from the
    Generator rng, in graph order."""
    seen, random_pipes = set(), []
    for pipe in get_all_graph_pipes(traverse_dps(datapipe)):
        if id(pipe) not in seen and _is_random_datapipe(pipe):
            random_pipes.append(pipe)
            seen.add(id(pipe))
    for pipe in random_pipes:
        pipe.set_seed(int(_C.empty((), dtype=_C.int64).random_(generator=rng).item()))
    return datapipe
