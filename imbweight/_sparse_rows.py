"""Runs of CSR rows as bare arrays: multiplied by dense vectors, and
gathered, without SciPy's per-call overhead.

A stochastic solver multiplies a mini-batch of a few hundred sparse rows by
the coefficients and its transpose by the batch gradient, thousands of times
an epoch. Through SciPy's operators each batch costs ~40 µs of set-up -- a
matrix object built and checked, and for ``X.T @ g`` a transposed one --
around ~25 µs of arithmetic; gathering a chunk of shuffled rows by fancy
indexing costs ~100 µs around the copy itself. :class:`CSRRows` calls the
compiled kernels those operations end in (through :mod:`imbweight._compat`,
which falls back to SciPy's public operators; the tests compare every use
with them) directly on the arrays of the CSR matrix the rows come from.
The kernels check no lengths, so :meth:`CSRRows.of` takes only CSR, makes
the arrays contiguous with one index dtype (no copy when SciPy left them
so), and the products and gathers check shapes and row numbers first.
"""

import numpy as np

from imbweight._compat import csr_row_index, csr_rows_matvec, csr_rows_rmatvec


class CSRRows:
    """Rows of a CSR matrix as its bare arrays, supporting ``@`` and ``.T @``.

    Parameters
    ----------
    data, indices : ndarray
        The non-zeros and their column indices, as in a CSR matrix.
    indptr : ndarray
        Offsets of the rows into ``data`` and ``indices``: row ``i`` is
        ``indptr[i]:indptr[i + 1]``. They need not start at 0, so a run of
        rows of a larger matrix is a slice of its ``indptr``.
    n_columns : int
        Number of columns.
    """

    __slots__ = ("data", "indices", "indptr", "shape")

    def __init__(self, data, indices, indptr, n_columns):
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.shape = (indptr.size - 1, n_columns)

    @classmethod
    def of(cls, matrix, start=0, stop=None):
        """Rows ``start:stop`` of a SciPy CSR matrix (or array).

        The matrix's own arrays, not copied unless they are strided or their
        index dtypes differ (which SciPy's validation allows): then they are
        copied once here, not at every product.
        """
        if matrix.format != "csr":
            raise ValueError(f"CSRRows needs a CSR matrix, got {matrix.format!r}.")
        indptr = np.ascontiguousarray(matrix.indptr)
        stop = matrix.shape[0] if stop is None else stop
        return cls(
            np.ascontiguousarray(matrix.data),
            np.ascontiguousarray(matrix.indices, dtype=indptr.dtype),
            indptr[start : stop + 1],
            matrix.shape[1],
        )

    @property
    def dtype(self):
        """The dtype of the non-zeros."""
        return self.data.dtype

    @property
    def T(self):
        """The transpose, for ``rows.T @ dense``."""
        return _TransposedRows(self)

    def rows(self, start, stop):
        """Rows ``start:stop`` (clipped to the last row), no copy."""
        stop = min(stop, self.shape[0])
        return CSRRows(
            self.data, self.indices, self.indptr[start : stop + 1], self.shape[1]
        )

    def take(self, rows):
        """The given rows, in that order, copied into new compact arrays.

        SciPy's fancy row indexing without its matrix construction. ``rows``
        is an integer array of row numbers in ``[0, n_rows)``; the kernel
        would read out of bounds outside it, so that is checked first.
        """
        if rows.size and not (0 <= rows.min() and rows.max() < self.shape[0]):
            raise IndexError(f"row numbers must lie in [0, {self.shape[0]}).")
        rows = rows.astype(self.indptr.dtype, copy=False)
        indptr, indices, data = csr_row_index(
            rows, self.indptr, self.indices, self.data, self.shape[1]
        )
        return CSRRows(data, indices, indptr, self.shape[1])

    def __matmul__(self, dense):
        """``rows @ dense`` for a vector or a matrix of the rows' dtype."""
        return _product(csr_rows_matvec, self.shape, self, dense)


class _TransposedRows:
    """``rows.T``: only ``@`` a dense vector or matrix."""

    __slots__ = ("_rows",)

    def __init__(self, rows):
        self._rows = rows

    def __matmul__(self, dense):
        """``rows.T @ dense``: the CSR arrays read as CSC of the transpose."""
        n_rows, n_columns = self._rows.shape
        return _product(csr_rows_rmatvec, (n_columns, n_rows), self._rows, dense)


def _product(kernel, shape, rows, dense):
    """``A @ dense`` by ``kernel``; ``shape`` is that of ``A``, whose
    compressed arrays are those of ``rows``."""
    dense = np.ascontiguousarray(dense, dtype=rows.dtype)
    if dense.shape[0] != shape[1]:
        raise ValueError(f"matmul: dimension mismatch, {shape} @ {dense.shape}")
    return kernel(rows.indptr, rows.indices, rows.data, rows.shape[1], dense)
