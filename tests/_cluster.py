"""What the tests on a real distributed cluster share: imports, cluster, watchdog.

:func:`require` serves any test module that needs an extra: under CI a
missing module fails instead of skipping.

Each test module starts its own cluster once (the module-scoped ``client``
fixture of ``conftest.py``, from :func:`local_cluster`) and runs every test
under :func:`hang_guard` (the ``hang_guarded`` fixture): a hang fails the
test with the stacks of every thread instead of blocking CI.
"""

import contextlib
import faulthandler
import importlib
import os
import signal
import sys

import pytest

# Seconds per test, a guard against hangs, not a speed check: a test module
# on the cluster takes 15-35 s on 2 cores, and a loaded CI machine can take
# several times that.
TEST_TIMEOUT = 300


def require(module):
    """Import ``module``, or skip the test module without it.

    CI installs the extras: a missing module there is a failure, not a skip.
    """
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


@contextlib.contextmanager
def hang_guard(seconds):
    """Raise in the test after ``seconds``; kill the run if even that hangs."""

    def interrupt(signum, frame):
        raise TimeoutError(f"test still running after {seconds} s")

    alarm = hasattr(signal, "SIGALRM")  # POSIX
    if alarm:
        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    # Backstop for a hang that never returns to Python (SIGALRM cannot
    # interrupt it): print every thread's stack and exit non-zero.
    faulthandler.dump_traceback_later(2 * seconds, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def local_cluster(distributed):
    """A client of 2 single-threaded worker processes, on 127.0.0.1 only."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        timeout=300,
    )
    client = distributed.Client(cluster, timeout=300)
    try:
        yield client
    finally:
        client.close(timeout=300)
        cluster.close(timeout=300)
