"""imbweight's global configuration: ``get_config``, ``set_config``, ``config_context``.

The settings are per thread, like scikit-learn's: a ``config_context`` in
one thread changes nothing in another. A new thread starts from the
process-wide defaults, which ``set_config`` changes.
"""

import contextlib
import threading
from numbers import Integral

_DEFAULTS = {"blas_threads": 1}
_thread_local = threading.local()

__all__ = ["config_context", "get_config", "set_config"]


def _thread_config():
    if not hasattr(_thread_local, "config"):
        _thread_local.config = dict(_DEFAULTS)
    return _thread_local.config


def get_config():
    """The current values of imbweight's settings (in this thread).

    Returns
    -------
    config : dict
        Setting name to value; see :func:`set_config`.

    Examples
    --------
    >>> import imbweight
    >>> imbweight.get_config()
    {'blas_threads': 1}
    """
    return dict(_thread_config())


def set_config(blas_threads="unchanged"):
    """Change imbweight's settings, in this thread and for threads started later.

    Parameters
    ----------
    blas_threads : int >= 1 or None, default="unchanged"
        Threads each BLAS library (NumPy's and SciPy's OpenBLAS are two) may
        use while an imbweight solver runs. The default, 1: the solvers
        multiply cache-sized blocks of rows and mini-batches, products too
        small for a second BLAS thread to pay off, and two BLAS pools
        spinning up threads on a 2-core machine made L-BFGS fits (scikit-
        learn's too) up to 2x slower. ``None`` leaves the thread pools as
        they are. BLAS pools belong to the process, so only fits in the main
        thread apply the limit (and restore the pools when they end); a fit
        in another thread leaves the pools as they are.

    Examples
    --------
    >>> import imbweight
    >>> imbweight.set_config(blas_threads=None)
    >>> imbweight.get_config()["blas_threads"] is None
    True
    >>> imbweight.set_config(blas_threads=1)
    """
    changes = _validated(blas_threads=blas_threads)
    _thread_config().update(changes)
    _DEFAULTS.update(changes)


def _validated(blas_threads):
    """The settings to change, checked; "unchanged" ones left out."""
    changes = {}
    if blas_threads != "unchanged":
        if blas_threads is not None and not (
            isinstance(blas_threads, Integral)
            and not isinstance(blas_threads, bool)
            and blas_threads >= 1
        ):
            raise ValueError(
                f"blas_threads must be None or an int >= 1; got {blas_threads!r}."
            )
        changes["blas_threads"] = blas_threads
    return changes


@contextlib.contextmanager
def config_context(*, blas_threads="unchanged"):
    """Change imbweight's settings inside a ``with`` block, in this thread only.

    Parameters
    ----------
    blas_threads : int >= 1 or None, default="unchanged"
        See :func:`set_config`.

    Yields
    ------
    None

    Examples
    --------
    >>> import imbweight
    >>> with imbweight.config_context(blas_threads=2):
    ...     imbweight.get_config()["blas_threads"]
    2
    >>> imbweight.get_config()["blas_threads"]
    1
    """
    changes = _validated(blas_threads=blas_threads)
    config = _thread_config()
    saved = dict(config)
    try:
        config.update(changes)
        yield
    finally:
        config.clear()
        config.update(saved)
