"""The CPU caches, as Linux reports them: what sizes the blocks of rows.

The fused objective reads a block of rows of ``X`` from memory for
``X_block @ W`` and again for ``X_block.T @ G``; the second read is cheap
only if the block is still in cache. How much cache a core can count on
depends on the machine, so the block size is derived from it
(:func:`block_bytes`) rather than fixed on one machine.
"""

import functools
from pathlib import Path

SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")
"""Where Linux describes the caches of the first core."""

FALLBACK_BLOCK_BYTES = 2**21
"""Bytes per block where the caches are not reported (not Linux, a
restricted ``/sys``): the size measured best on a core with 1 MiB of L2 and
32 MiB of L3 (see ``benchmarks/results.md``)."""

MIN_L3_SHARERS = 8
"""Cores assumed to share an L3 cache, at least. A virtual machine lists
only its own cores as sharing it, while the host's other cores use the same
cache; 8 cores per L3 is the smaller side of current x86 server parts."""

_BLOCK_BYTES_RANGE = (2**18, 2**23)
"""Bounds of :func:`block_bytes`. Below 256 KiB a block is read faster than
the loss's two dozen NumPy calls on it are set up; above 8 MiB no core's
share of the cache holds it."""

_SIZE_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}


def _parse_size(text):
    """Bytes of a sysfs cache size such as ``"1024K"`` or ``"32M"``."""
    text = text.strip()
    unit = _SIZE_UNITS.get(text[-1:].upper(), 1)
    return int(text.rstrip("KkMmGg")) * unit


def _count_cpus(cpu_list):
    """Number of CPUs in a sysfs list such as ``"0-3,8"``."""
    count = 0
    for part in cpu_list.strip().split(","):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count


def cache_sizes(root=SYSFS_CACHE):
    """The data caches of one core: level to size and number of sharing CPUs.

    Parameters
    ----------
    root : path-like, default=SYSFS_CACHE
        A directory laid out like ``/sys/devices/system/cpu/cpu0/cache``.

    Returns
    -------
    caches : dict of int to (int, int)
        Level to ``(bytes, cpus sharing it)`` for each data or unified cache;
        empty where the directory cannot be read.

    Examples
    --------
    >>> from imbweight._cache import cache_sizes
    >>> caches = cache_sizes()
    >>> all(size > 0 and sharing >= 1 for size, sharing in caches.values())
    True
    """
    caches = {}
    try:
        indexes = sorted(Path(root).glob("index*"))
        for index in indexes:
            if (index / "type").read_text().strip() == "Instruction":
                continue
            level = int((index / "level").read_text())
            size = _parse_size((index / "size").read_text())
            sharing = _count_cpus((index / "shared_cpu_list").read_text())
            caches[level] = (size, max(1, sharing))
    except (OSError, ValueError):
        return {}
    return caches


def block_bytes(caches):
    """Bytes of ``X`` per block of rows for caches as :func:`cache_sizes` gives.

    A block must still be in cache when it is read the second time, after
    the loss on its rows has run. A core can count on its own L2 and on its
    share of the L3 (shared by at least ``MIN_L3_SHARERS`` cores); the block
    takes half of that, leaving the rest to the loss's temporaries and to
    the lines the hardware prefetches ahead. Rounded down to a power of two,
    within ``_BLOCK_BYTES_RANGE``; ``FALLBACK_BLOCK_BYTES`` without an L2.

    Parameters
    ----------
    caches : dict of int to (int, int)
        Level to ``(bytes, cpus sharing it)``.

    Returns
    -------
    block_bytes : int

    Examples
    --------
    >>> from imbweight._cache import block_bytes
    >>> block_bytes({2: (2**20, 1), 3: (2**25, 2)})  # 1 MiB L2, 32 MiB L3
    2097152
    >>> block_bytes({})
    2097152
    """
    if 2 not in caches:
        return FALLBACK_BLOCK_BYTES
    budget = caches[2][0]
    if 3 in caches:
        size, sharing = caches[3]
        budget += size // max(sharing, MIN_L3_SHARERS)
    low, high = _BLOCK_BYTES_RANGE
    half = max(low, min(high, budget // 2))
    return 2 ** (half.bit_length() - 1)


@functools.cache
def machine_block_bytes():
    """:func:`block_bytes` of this machine's caches, read once per process.

    Returns
    -------
    block_bytes : int

    Examples
    --------
    >>> from imbweight._cache import machine_block_bytes
    >>> machine_block_bytes() >= 2**18
    True
    """
    return block_bytes(cache_sizes())
