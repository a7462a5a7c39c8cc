"""The hooks every IterDataPipe's __iter__ and reset get, as in torch: one valid iterator per
datapipe (a new one resets the pipe and invalidates the old), a count of samples yielded, and the
fast-forward that a restored snapshot uses."""

import enum
import functools
import inspect


class _SnapshotState(enum.Enum):
    """NotStarted: may restore, a new iterator resets; Restored: the next iterator continues the
    restored one without a reset; Iterating: a new iterator resets."""
    NotStarted = 0
    Restored = 1
    Iterating = 2


def _simplify_obj_name(obj):
    return obj.__name__ if inspect.isfunction(obj) else repr(obj)


def _generate_input_args_string(obj):
    """`name=value, ...` for the attributes of obj named like its constructor's parameters."""
    try:
        params = set(inspect.signature(obj.__class__).parameters)
    except (TypeError, ValueError):
        return ""
    pairs = []
    for name in sorted(params):
        try:
            value = getattr(obj, name)
        except Exception:  # a missing attribute or a __getattr__ that raises: leave it out
            continue
        pairs.append(f"{name}={_simplify_obj_name(value)}")
    return ", ".join(pairs)


def _generate_iterdatapipe_msg(datapipe):
    return f"{datapipe.__class__.__name__}({_generate_input_args_string(datapipe)})"


_FEEDBACK = ("\nFor feedback regarding this single iterator per IterDataPipe constraint, feel free "
             "to comment on this issue: https://github.com/pytorch/data/issues/45.")


def _invalid_msg(datapipe):
    return ("This iterator has been invalidated because another iterator has been created "
            f"from the same IterDataPipe: {_generate_iterdatapipe_msg(datapipe)}\n"
            "This may be caused multiple references to the same IterDataPipe. We recommend "
            "using `.fork()` if that is necessary.")


def _check_iterator_valid(datapipe, iterator_id, next_method_exists=False):
    """Raises RuntimeError when iterator_id is no longer datapipe's valid iterator (a child of
    fork/demux also checks its parent's)."""
    if next_method_exists:
        if datapipe._valid_iterator_id is not None and datapipe._valid_iterator_id != 0:
            raise RuntimeError(_invalid_msg(datapipe) + "\nNote that this exception is raised "
                               "inside your IterDataPipe's a `__next__` method" + _FEEDBACK)
    elif getattr(datapipe, "_is_child_datapipe", False) is True:
        if not hasattr(datapipe, "_check_valid_iterator_id"):
            raise RuntimeError("ChildDataPipe must have method `_check_valid_iterator_id`.")
        if not datapipe._check_valid_iterator_id(iterator_id):
            raise RuntimeError("This iterator has been invalidated, because a new iterator has "
                               "been created from one of the ChildDataPipes of "
                               f"{_generate_iterdatapipe_msg(datapipe.main_datapipe)}."
                               + _FEEDBACK)
    elif datapipe._valid_iterator_id != iterator_id:
        raise RuntimeError(_invalid_msg(datapipe) + _FEEDBACK)


def _set_datapipe_valid_iterator_id(datapipe):
    """Makes a new iterator the valid one, resetting the datapipe; returns its id."""
    if getattr(datapipe, "_is_child_datapipe", False) is True:
        if not hasattr(datapipe, "_set_main_datapipe_valid_iterator_id"):
            raise RuntimeError("ChildDataPipe must have method "
                               "`_set_main_datapipe_valid_iterator_id`.")
        datapipe._set_main_datapipe_valid_iterator_id()  # resets the parent when it should
    else:
        datapipe._valid_iterator_id = 0 if datapipe._valid_iterator_id is None \
            else datapipe._valid_iterator_id + 1
        datapipe.reset()
    return datapipe._valid_iterator_id


def _annotate(exc, datapipe):
    """Adds which datapipe's __iter__ raised to the message, once."""
    where = "thrown by __iter__ of"
    if not hasattr(exc.args, "__len__"):
        return
    full = f"{where} {_generate_iterdatapipe_msg(datapipe)}"
    if len(exc.args) == 0 or not isinstance(exc.args[0], str):
        exc.args = (f"\nThis exception is {full}",)
    elif where not in exc.args[0] and \
            "single iterator per IterDataPipe constraint" not in exc.args[0]:
        exc.args = (exc.args[0] + f"\nThis exception is {full}",) + exc.args[1:]


class _IteratorDecorator:
    """Wraps what a non-generator __iter__ returns, checking validity at each next."""

    def __init__(self, iterator, source_dp, iterator_id, has_next_method):
        self.iterator, self.source_dp, self.iterator_id = iterator, source_dp, iterator_id
        # A datapipe that is its own iterator counts its samples in its wrapped __next__.
        self.self_and_has_next_method = iterator is source_dp and has_next_method

    def __iter__(self):
        return self

    def __next__(self):
        _check_iterator_valid(self.source_dp, self.iterator_id)
        result = next(self.iterator)
        if not self.self_and_has_next_method:
            self.source_dp._number_of_samples_yielded += 1
        return result

    def __getattr__(self, name):
        return getattr(self.iterator, name)


def hook_iterator(namespace):
    """Replaces namespace's __iter__ (and __next__) with the checked forms."""
    func = namespace["__iter__"]

    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def wrap_generator(*args, **kwargs):
            datapipe = args[0]
            if datapipe._fast_forward_iterator:  # continue a restored snapshot
                it = datapipe._fast_forward_iterator
                datapipe._fast_forward_iterator = None
                datapipe._snapshot_state = _SnapshotState.Iterating
                yield from it
                return
            gen = func(*args, **kwargs)
            # Like torch, the reset happens when the iterator is first advanced, not at iter().
            iterator_id = _set_datapipe_valid_iterator_id(datapipe)
            try:
                response = gen.send(None)
                while True:
                    datapipe._number_of_samples_yielded += 1
                    request = yield response
                    _check_iterator_valid(datapipe, iterator_id)
                    response = gen.send(request)
            except StopIteration:
                return
            except Exception as e:
                _annotate(e, datapipe)
                raise

        namespace["__iter__"] = wrap_generator
        return

    has_next = "__next__" in namespace
    if has_next:
        next_func = namespace["__next__"]

        @functools.wraps(next_func)
        def wrap_next(*args, **kwargs):
            result = next_func(*args, **kwargs)
            args[0]._number_of_samples_yielded += 1
            return result

        namespace["__next__"] = wrap_next

    @functools.wraps(func)
    def wrap_iter(*args, **kwargs):
        iter_ret = func(*args, **kwargs)
        datapipe = args[0]
        datapipe._snapshot_state = _SnapshotState.Iterating
        if datapipe._fast_forward_iterator:
            iter_ret = datapipe._fast_forward_iterator
            datapipe._fast_forward_iterator = None
            return iter_ret
        iterator_id = _set_datapipe_valid_iterator_id(datapipe)
        return _IteratorDecorator(iter_ret, datapipe, iterator_id, has_next)

    namespace["__iter__"] = wrap_iter


def hook_reset(namespace):
    """reset runs only when iterating or not started, so that a restored snapshot keeps its
    state through the first __iter__."""
    reset_func = namespace["reset"]

    @functools.wraps(reset_func)
    def conditional_reset(*args, **kwargs):
        datapipe = args[0]
        if datapipe._snapshot_state in (_SnapshotState.Iterating, _SnapshotState.NotStarted):
            datapipe._number_of_samples_yielded = 0
            datapipe._fast_forward_iterator = None
            reset_func(*args, **kwargs)
        datapipe._snapshot_state = _SnapshotState.Iterating

    namespace["reset"] = conditional_reset
