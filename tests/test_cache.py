"""Tests of :mod:`imbweight._cache`: the caches Linux reports, and blocks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from imbweight._cache import (
    _BLOCK_BYTES_RANGE,
    FALLBACK_BLOCK_BYTES,
    MIN_L3_SHARERS,
    block_bytes,
    cache_sizes,
    machine_block_bytes,
)
from imbweight._objective import MIN_BLOCK_ROWS, _block_rows


def _write_cache(root, index, level, kind, size, shared):
    directory = root / f"index{index}"
    directory.mkdir(parents=True)
    for name, text in [
        ("level", f"{level}\n"),
        ("type", f"{kind}\n"),
        ("size", f"{size}\n"),
        ("shared_cpu_list", f"{shared}\n"),
    ]:
        (directory / name).write_text(text)


def test_cache_sizes_reads_a_sysfs_tree(tmp_path):
    # A core as Linux describes it: split L1, private L2, an L3 shared by
    # two runs of CPUs; the instruction cache holds no data and is left out.
    _write_cache(tmp_path, 0, 1, "Data", "48K", "0")
    _write_cache(tmp_path, 1, 1, "Instruction", "32K", "0")
    _write_cache(tmp_path, 2, 2, "Unified", "2048K", "0-1")
    _write_cache(tmp_path, 3, 3, "Unified", "32M", "0-7,16-23")
    assert cache_sizes(tmp_path) == {
        1: (48 * 2**10, 1),
        2: (2 * 2**20, 2),
        3: (32 * 2**20, 16),
    }


def test_cache_sizes_is_empty_when_unreadable(tmp_path):
    assert cache_sizes(tmp_path / "absent") == {}
    _write_cache(tmp_path, 0, 2, "Unified", "large", "0")
    assert cache_sizes(tmp_path) == {}


def test_block_bytes_of_known_machines():
    # 1 MiB L2 + 32 MiB L3 / 8 cores = 5 MiB a core can count on; half of
    # it, 2.5 MiB, rounded down to a power of two.
    assert block_bytes({2: (2**20, 1), 3: (2**25, 2)}) == 2**21
    # 256 KiB L2 + 30 MiB L3 / 12 cores = 2.75 MiB; half, rounded: 1 MiB.
    assert block_bytes({2: (2**18, 1), 3: (30 * 2**20, 12)}) == 2**20
    assert block_bytes({}) == FALLBACK_BLOCK_BYTES
    assert block_bytes({1: (2**15, 1)}) == FALLBACK_BLOCK_BYTES


@given(
    l2=st.integers(2**10, 2**26),
    l3=st.none() | st.integers(2**10, 2**30),
    sharing=st.integers(1, 256),
)
def test_block_bytes_is_a_bounded_power_of_two(l2, l3, sharing):
    caches = {2: (l2, 1)} if l3 is None else {2: (l2, 1), 3: (l3, sharing)}
    size = block_bytes(caches)
    low, high = _BLOCK_BYTES_RANGE
    assert low <= size <= high
    assert size & (size - 1) == 0
    # A virtual machine that sees fewer cores sharing its L3 than the host
    # has gets no larger block than with MIN_L3_SHARERS sharing it.
    if l3 is not None and sharing < MIN_L3_SHARERS:
        assert size == block_bytes({2: (l2, 1), 3: (l3, MIN_L3_SHARERS)})


@pytest.mark.parametrize(("n_features", "itemsize"), [(3, 4), (100, 8), (5000, 8)])
def test_dense_blocks_fit_the_machine_block(n_features, itemsize):
    X = np.empty((1, n_features), dtype=f"f{itemsize}")
    rows = _block_rows(X, n_outputs=1)
    assert rows == MIN_BLOCK_ROWS or rows * n_features * itemsize <= (
        machine_block_bytes()
    )
