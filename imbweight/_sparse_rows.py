"""A run of CSR rows as bare arrays, multiplied by dense vectors cheaply.

A stochastic solver multiplies a mini-batch of a few hundred sparse rows by
the coefficients and its transpose by the batch gradient, thousands of times
an epoch. Through SciPy's operators each batch costs ~40 µs of set-up -- a
matrix object built and checked, and for ``X.T @ g`` a transposed one --
around ~25 µs of arithmetic. :class:`CSRRows` calls the compiled kernels
those operators end in (``scipy.sparse._sparsetools``: private, with the
same signatures since SciPy 0.7) directly on slices of the arrays of the
CSR matrix the rows come from, with no copy and no checks: the arrays come
from a matrix SciPy has already validated.
"""

import numpy as np
from scipy.sparse import _sparsetools


class CSRRows:
    """Rows ``start:stop`` of a CSR matrix, supporting ``@`` and ``.T @``.

    Parameters
    ----------
    matrix : scipy CSR matrix or array
        A matrix with canonical-dtype arrays (as SciPy leaves them).
    start, stop : int
        The rows, ``0 <= start <= stop <= matrix.shape[0]``.
    """

    __slots__ = ("_data", "_indices", "_indptr", "shape")

    def __init__(self, matrix, start, stop):
        # indptr keeps its absolute offsets into the full data and indices:
        # the kernels read row i from indptr[i] to indptr[i + 1].
        self._data = matrix.data
        self._indices = matrix.indices
        self._indptr = matrix.indptr[start : stop + 1]
        self.shape = (stop - start, matrix.shape[1])

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def T(self):
        return _TransposedRows(self)

    def __matmul__(self, dense):
        """``rows @ dense`` for a vector or a matrix of the rows' dtype."""
        n_rows, n_columns = self.shape
        return _product(
            _sparsetools.csr_matvec,
            _sparsetools.csr_matvecs,
            (n_rows, n_columns),
            self,
            dense,
        )


class _TransposedRows:
    """``rows.T``: only ``@`` a dense vector or matrix."""

    __slots__ = ("_rows",)

    def __init__(self, rows):
        self._rows = rows

    def __matmul__(self, dense):
        """``rows.T @ dense``: the CSR arrays read as CSC of the transpose."""
        n_rows, n_columns = self._rows.shape
        return _product(
            _sparsetools.csc_matvec,
            _sparsetools.csc_matvecs,
            (n_columns, n_rows),
            self._rows,
            dense,
        )


def _product(matvec, matvecs, shape, rows, dense):
    """``A @ dense`` with the kernel for one vector or several; ``shape`` is
    that of ``A``, whose compressed arrays are those of ``rows``."""
    n_out, n_in = shape
    dense = np.ascontiguousarray(dense, dtype=rows.dtype)
    if dense.shape[0] != n_in:
        raise ValueError(f"matmul: dimension mismatch, {shape} @ {dense.shape}")
    arrays = (rows._indptr, rows._indices, rows._data)
    if dense.ndim == 1:
        out = np.zeros(n_out, dtype=rows.dtype)
        matvec(n_out, n_in, *arrays, dense, out)
    else:
        n_vectors = dense.shape[1]
        out = np.zeros((n_out, n_vectors), dtype=rows.dtype)
        matvecs(n_out, n_in, n_vectors, *arrays, dense.ravel(), out.ravel())
    return out
