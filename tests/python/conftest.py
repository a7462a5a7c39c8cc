"""Shared fixtures: `ember` is the package under test, `torch` the real PyTorch it must match.

The parity oracle is required, not optional: without python3-torch (and NumPy) the `torch`
fixture fails the test instead of skipping it, so a run without the oracle cannot pass green.
A skip must name a reason the machine imposes (no root for network namespaces, a package Debian
does not ship); each test file may skip at most SKIP_BUDGET cases, and a file that skips more
fails, listing them.
"""
import importlib
import re

import pytest

import ember

SKIP_BUDGET = 4

_skipped = []


def _oracle(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        pytest.fail(f"the parity oracle {name!r} cannot be imported ({e}); install it with "
                    "scripts/install_deps.sh (Debian's python3-torch and python3-numpy) and run "
                    "the tests with /usr/bin/python3", pytrace=False)


@pytest.fixture(autouse=True)
def _seeded():
    ember.manual_seed(0)
    yield
    ember._C._set_grad_enabled(True)
    ember.set_default_dtype(ember.float32)


@pytest.fixture
def torch():
    return _oracle("torch")


@pytest.fixture
def raises_like_torch(torch):
    """check(call, pattern=None): call(torch) and call(ember) raise the same type, and ember's
    message holds torch's whole message (pattern None) or, where ember words it otherwise,
    matches the regex pattern (the op, the argument, the shapes). Returns (ember's, torch's)."""
    def check(call, pattern=None):
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(expected.type) as got:
            call(ember)
        mine, theirs = str(got.value), str(expected.value)
        if pattern is None:
            assert theirs in mine, (mine, theirs)
        else:
            assert re.search(pattern, mine), (mine, theirs)
        return mine, theirs
    return check


def pytest_runtest_logreport(report):
    # An expected failure (xfail) ran and failed as recorded: it is not a skip. Its longrepr is
    # no (path, line, reason) tuple either.
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(f"{report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}")


def pytest_sessionfinish(session, exitstatus):
    if len(_skipped) > SKIP_BUDGET and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if len(_skipped) > SKIP_BUDGET:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} skipped cases, over the budget of {SKIP_BUDGET} "
            "(tests/python/conftest.py):", red=True)
        for line in _skipped:
            terminalreporter.write_line(f"  {line}")
