"""Row blocks: ``X``, ``y`` and ``sample_weight`` cut into aligned pieces.

See the conventions of :mod:`imbweight.dask`.
"""

import itertools
import math
import sys

import dask
import dask.array as da
import numpy as np

__all__ = [
    "aligned",
    "aligned_blocks",
    "current_client",
    "n_rows",
    "row_blocks",
    "split_like",
]


class _Block:
    """One row block: the pieces of X, y and sample_weight, and its length."""

    __slots__ = ("n_rows", "w", "x", "y")

    def __init__(self, x, y, w, n_rows):
        self.x, self.y, self.w, self.n_rows = x, y, w, n_rows


def current_client():
    """The distributed Client dask would compute with, or None."""
    if "distributed" not in sys.modules:
        return None
    from distributed import Client

    scheduler = dask.base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    return client if isinstance(client, Client) else None


def _is_dask_frame(obj):
    """A dask DataFrame or Series (only possible once dask.dataframe is imported)."""
    if "dask.dataframe" not in sys.modules:
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def row_blocks(data, name, ndims):
    """The row blocks of a dask collection (Delayed pieces) and their lengths.

    A dask array is first rechunked to one column block; a DataFrame's blocks
    are its partitions, of unknown length (nan).
    """
    if _is_dask_frame(data):
        pieces = list(data.to_delayed())
        return pieces, (math.nan,) * len(pieces)
    if isinstance(data, da.Array):
        if data.ndim not in ndims:
            raise ValueError(
                f"{name} must be a {' or '.join(f'{d}-D' for d in ndims)} dask "
                f"array; got {data.ndim} dimensions, shape {data.shape}."
            )
        if data.ndim == 2:
            data = data.rechunk({1: -1})
        return list(data.to_delayed().ravel()), data.chunks[0]
    if name == "X":
        raise TypeError(
            f"X must be a dask Array or DataFrame; got {type(data).__name__}. For "
            f"data in memory call the estimator's own methods."
        )
    data = data if hasattr(data, "iloc") else np.asarray(data)
    return [data], (data.shape[0],)


def aligned_blocks(X, y, sample_weight):
    x_pieces, lengths = row_blocks(X, "X", ndims=(2,))
    y_pieces = split_like(y, x_pieces, lengths, "y", "X")
    w_pieces = split_like(sample_weight, x_pieces, lengths, "sample_weight", "X")
    return [
        _Block(*pieces, n_rows)
        for *pieces, n_rows in zip(x_pieces, y_pieces, w_pieces, lengths, strict=True)
    ]


def _known(lengths):
    return not any(math.isnan(length) for length in lengths)


def split_like(data, pieces, lengths, name, like):
    """``data`` cut along the row blocks of ``like`` (given by pieces, lengths)."""
    n_blocks = len(pieces)
    if data is None:
        return [None] * n_blocks
    if _is_dask_frame(data):
        if data.npartitions == n_blocks:
            return list(data.to_delayed())
        data = data.to_dask_array(lengths=True)
    if isinstance(data, da.Array):
        if data.ndim == 2:
            data = data.rechunk({1: -1})
        if _known(lengths) and _known(data.chunks[0]):
            _check_rows(data.shape[0], sum(lengths), name, like)
            return list(data.rechunk({0: tuple(lengths)}).to_delayed().ravel())
        if data.numblocks[0] == n_blocks:
            return list(data.to_delayed().ravel())
        raise ValueError(
            f"{name} has {data.numblocks[0]} row blocks and {like} has {n_blocks}, "
            f"and the row lengths of one of them are unknown, so {name} cannot be "
            f"cut along the blocks of {like}. Give both the same partitions, or "
            f"compute the lengths (compute_chunk_sizes() on a dask array)."
        )
    if not _known(lengths):
        raise ValueError(
            f"{name} is in memory but the row blocks of {like} have unknown "
            f"lengths, so {name} cannot be cut along them. Pass {name} as a dask "
            f"collection with the same partitions as {like}."
        )
    data = data if hasattr(data, "iloc") else np.asarray(data)
    _check_rows(data.shape[0], sum(lengths), name, like)
    bounds = np.cumsum((0, *lengths)).tolist()
    rows = data.iloc if hasattr(data, "iloc") else data
    return [rows[start:stop] for start, stop in itertools.pairwise(bounds)]


def _check_rows(n_data, n_like, name, like):
    if n_data != n_like:
        raise ValueError(
            f"{name} has {n_data} rows but {like} has {n_like}; they must match."
        )


def n_rows(block):
    return block.shape[0]


def aligned(array):
    """An aligned copy of a NumPy array whose buffer is not aligned.

    Arrays that reach a worker inside a task's message can start at any byte
    (seen with distributed 2026.8). NumPy then cannot hand them to BLAS and
    falls back to slower loops that also round differently, so the result
    would depend on where the bytes landed.
    """
    if isinstance(array, np.ndarray) and not array.flags.aligned:
        return array.copy()
    return array
