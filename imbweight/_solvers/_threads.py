"""The BLAS thread policy of the solvers (see :func:`imbweight.set_config`).

BLAS thread counts belong to the process, and OpenBLAS does not reliably
apply, nor restore, a count set from a thread other than the main one (a
count raised from another thread is ignored). So only fits running in the
main thread limit the pools, restoring them when they end; a fit in another
thread (a threading backend, a web server's worker) leaves them as they are,
and two fits in two threads never restore the pools under each other's feet.
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
    if threads is None or threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    return _controller().limit(limits=threads, user_api="blas")
