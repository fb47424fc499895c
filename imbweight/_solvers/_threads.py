"""The BLAS thread policy of the solvers (see :func:`imbweight.set_config`).

BLAS thread pools belong to the process, not to a thread, so the limit is
reference-counted: the first solver to start applies it, the last to end
restores the pools. Two fits running in two threads therefore never restore
the pools under each other's feet, nor leave them limited.
"""

import contextlib
import functools
import threading

from threadpoolctl import ThreadpoolController

from imbweight._config import get_config

__all__ = ["blas_thread_limit"]


@functools.cache
def _controller():
    """One ThreadpoolController per process: making one costs ~10 ms."""
    return ThreadpoolController()


class _SharedLimit:
    """A process-wide BLAS thread limit held while any solver needs it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._limited = None

    @contextlib.contextmanager
    def hold(self, threads):
        with self._lock:
            if self._holders == 0:
                self._limited = _controller().limit(limits=threads, user_api="blas")
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    self._limited.restore_original_limits()
                    self._limited = None


_SHARED_LIMIT = _SharedLimit()


def blas_thread_limit():
    """Context manager applying the ``blas_threads`` setting while a solver runs.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from imbweight._solvers import blas_thread_limit
    >>> with blas_thread_limit():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info()
    ...         if pool["user_api"] == "blas")
    True
    """
    threads = get_config()["blas_threads"]
    if threads is None:
        return contextlib.nullcontext()
    return _SHARED_LIMIT.hold(threads)
