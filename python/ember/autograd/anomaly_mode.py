"""Anomaly detection: backward errors name the forward op that recorded the failing node."""

from .. import _C


class detect_anomaly:
    """Turns anomaly detection on inside the block."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan

    def __enter__(self):
        self._previous = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(True)
        return self

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(self._previous)
        return False


class set_detect_anomaly:
    """Sets anomaly detection now; used with ``with``, restores the previous setting on exit."""

    def __init__(self, mode):
        self._previous = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(self._previous)
        return False
