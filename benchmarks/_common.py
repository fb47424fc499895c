"""Timing, thread modes, machine information and markdown tables."""

import contextlib
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from imbweight._cache import cache_sizes, machine_block_bytes

THREAD_MODES = ("1", "default")
"""``"1"``: every BLAS and OpenMP pool limited to one thread, for both
libraries; ``"default"``: whatever the libraries choose (imbweight applies its
own thread policy inside its solvers)."""


@contextlib.contextmanager
def thread_mode(mode):
    """Limit every BLAS / OpenMP pool to one thread, or leave them alone."""
    if mode == "1":
        with threadpool_limits(limits=1):
            yield
    elif mode == "default":
        yield
    else:
        raise ValueError(f"thread mode must be one of {THREAD_MODES}; got {mode!r}")


@contextlib.contextmanager
def quiet():
    """Silence warnings (ConvergenceWarning at capped iterations, mostly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def time_interleaved(functions, *, repeats, warmup=1, statistic=statistics.median):
    """Wall time of each function (the median of its runs), runs interleaved.

    Each function runs ``warmup`` times first; then ``repeats`` rounds call
    every function once, in an order rotated each round, so that a slow
    phase of a shared machine hits all of them alike.

    Parameters
    ----------
    functions : dict of str to callable
    repeats : int
    warmup : int, default=1
    statistic : callable, default=statistics.median
        Of a list of times; ``min`` keeps the run least disturbed by other
        processes, to compare with a streaming read timed the same way.

    Returns
    -------
    medians : dict of str to float
        Seconds (the ``statistic`` of each function's times).
    results : dict of str to object
        What each function returned on its last call.
    """
    names = list(functions)
    results = {}
    for name in names:
        for _ in range(warmup):
            results[name] = functions[name]()
    times = {name: [] for name in names}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            results[name] = functions[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistic(t) for name, t in times.items()}, results


def read_seconds(arrays, repeats=7):
    """Time of one single-threaded streaming read of ``arrays``, in seconds.

    Each array is read whole by the fastest of two NumPy reductions (``max``
    and ``sum``, which stream at close to the core's bandwidth); the best of
    ``repeats`` reads is kept, the least disturbed by other processes. For
    arrays much larger than the last-level cache this is the time in which
    code on one core can read them from memory: the floor of an evaluation
    that reads ``X`` once.

    Parameters
    ----------
    arrays : iterable of ndarray
        C-contiguous arrays, e.g. ``X``, or the three arrays of a CSR ``X``.
    repeats : int, default=7

    Returns
    -------
    seconds : float
    """
    total = 0.0
    with threadpool_limits(limits=1):
        for array in arrays:
            flat = array.reshape(-1)
            best = np.inf
            for kernel in (flat.max, flat.sum):
                kernel()
                for _ in range(repeats):
                    started = time.perf_counter()
                    kernel()
                    best = min(best, time.perf_counter() - started)
            total += best
    return total


def measure_read_bandwidth(n_bytes=256 * 2**20, repeats=7):
    """Streaming read bandwidth of one core, in bytes per second.

    :func:`read_seconds` of an array much larger than the last-level cache.
    """
    array = np.random.default_rng(0).standard_normal(n_bytes // 8)
    return array.nbytes / read_seconds([array], repeats)


def load_average():
    """The 1-minute load average, or NaN where the system does not report it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def machine_info():
    """Lines describing the machine, the libraries and their thread pools."""
    import scipy
    import sklearn

    import imbweight

    lines = [
        f"- Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"imbweight {imbweight.__version__}",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores",
        f"- data caches of a core: {_caches()}; imbweight's dense block: "
        f"{machine_block_bytes() // 2**10} KiB of X",
    ]
    lines.append(
        "- load average at the start (1, 5, 15 min): "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
        + " (other processes share the cores: compare ratios, not times)"
    )
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        value = os.environ.get(variable)
        lines.append(f"- {variable}: {'unset' if value is None else value}")
    for pool in threadpool_info():
        owner = _owner(pool["filepath"])
        kernel = pool.get("architecture")
        lines.append(
            f"- thread pool {pool['internal_api']} ({owner}): "
            f"{pool['num_threads']} threads by default"
            + (f", kernel {kernel}" if kernel else "")
            + (f", version {pool['version']}" if pool.get("version") else "")
        )
    return lines


def _caches():
    caches = cache_sizes()
    if not caches:
        return "not reported"
    return ", ".join(
        f"L{level} {size // 2**10} KiB shared by {sharing}"
        for level, (size, sharing) in sorted(caches.items())
    )


def _owner(filepath):
    for package in ("numpy", "scipy", "scikit_learn", "sklearn", "torch"):
        if f"{os.sep}{package}" in filepath:
            return package.replace("scikit_learn", "scikit-learn")
    return os.path.basename(filepath)


def _cpu_model():
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def markdown_table(header, rows):
    """A markdown table; floats are formatted by the caller."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(value):
    """A ratio, two decimals."""
    return f"{value:.2f}"


def log(message):
    """Progress on stderr, so stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)
