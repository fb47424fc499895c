"""Tests of :mod:`imbweight._sparse_rows`: SciPy's kernels on CSR row runs."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from imbweight._sparse_rows import CSRRows


def _matrix(dtype, index_dtype, seed=0):
    """A 40 x 30 CSR matrix with empty rows, in the given dtypes."""
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((40, 30)) * (rng.random((40, 30)) < 0.2)
    dense[[0, 7, 39]] = 0.0
    matrix = sp.csr_matrix(dense.astype(dtype))
    matrix.indices = matrix.indices.astype(index_dtype)
    matrix.indptr = matrix.indptr.astype(index_dtype)
    return matrix


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize(("start", "stop"), [(0, 40), (0, 9), (7, 21), (30, 40)])
@pytest.mark.parametrize("n_vectors", [None, 1, 3])
def test_products_equal_scipy(dtype, index_dtype, start, stop, n_vectors):
    matrix = _matrix(dtype, index_dtype)
    rows = CSRRows(matrix, start, stop)
    reference = matrix[start:stop]
    rng = np.random.default_rng(1)
    shape = () if n_vectors is None else (n_vectors,)
    coef = rng.standard_normal((30, *shape)).astype(dtype)
    gradient = rng.standard_normal((stop - start, *shape)).astype(dtype)
    # The same kernels as SciPy's operators, summing in the same order.
    product, transposed = rows @ coef, rows.T @ gradient
    assert product.dtype == transposed.dtype == dtype
    assert_array_equal(product, reference @ coef)
    assert_array_equal(transposed, reference.T @ gradient)


def test_fortran_ordered_operand_is_accepted():
    """The softmax gradient comes Fortran-ordered; the result is unchanged."""
    matrix = _matrix(np.float64, np.int32)
    gradient = np.asfortranarray(np.random.default_rng(2).standard_normal((40, 4)))
    assert_allclose(CSRRows(matrix, 0, 40).T @ gradient, matrix.T @ gradient)


def test_empty_run_of_rows():
    matrix = _matrix(np.float64, np.int32)
    rows = CSRRows(matrix, 5, 5)
    assert rows.shape == (0, 30)
    assert_array_equal(rows @ np.ones(30), np.zeros(0))
    assert_array_equal(rows.T @ np.ones(0), np.zeros(30))


@pytest.mark.parametrize("transposed", [False, True])
def test_dimension_mismatch_raises_before_the_kernel_runs(transposed):
    """The kernels do not check lengths; a wrong one must never reach them."""
    rows = CSRRows(_matrix(np.float64, np.int32), 0, 10)
    operand, operator = (np.ones(30), rows.T) if transposed else (np.ones(10), rows)
    with pytest.raises(ValueError, match="dimension mismatch"):
        operator @ operand
