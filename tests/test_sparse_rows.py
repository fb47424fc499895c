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
    rows = CSRRows.of(matrix, start, stop)
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
    assert_allclose(CSRRows.of(matrix).T @ gradient, matrix.T @ gradient)


def test_empty_run_of_rows():
    matrix = _matrix(np.float64, np.int32)
    rows = CSRRows.of(matrix, 5, 5)
    assert rows.shape == (0, 30)
    assert_array_equal(rows @ np.ones(30), np.zeros(0))
    assert_array_equal(rows.T @ np.ones(0), np.zeros(30))


@pytest.mark.parametrize("transposed", [False, True])
def test_dimension_mismatch_raises_before_the_kernel_runs(transposed):
    """The kernels do not check lengths; a wrong one must never reach them."""
    rows = CSRRows.of(_matrix(np.float64, np.int32), 0, 10)
    operand, operator = (np.ones(30), rows.T) if transposed else (np.ones(10), rows)
    with pytest.raises(ValueError, match="dimension mismatch"):
        operator @ operand


def _as_scipy(rows):
    """A SciPy CSR matrix of the same rows, for comparison."""
    indptr = rows.indptr - rows.indptr[0]
    first, last = rows.indptr[0], rows.indptr[-1]
    return sp.csr_matrix(
        (rows.data[first:last], rows.indices[first:last], indptr), shape=rows.shape
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_take_equals_fancy_row_indexing(dtype, index_dtype):
    matrix = _matrix(dtype, index_dtype)
    # Shuffled rows with repeats and the empty rows 0, 7 and 39, as int32
    # (the solvers' permutations) whatever the index dtype.
    order = np.array([39, 3, 7, 3, 0, 25, 12, 38, 1], dtype=np.int32)
    taken = CSRRows.of(matrix).take(order)
    assert taken.shape == (order.size, 30)
    assert taken.data.dtype == dtype and taken.indices.dtype == index_dtype
    assert taken.indptr[0] == 0 and taken.indptr[-1] == taken.data.size
    assert_array_equal(_as_scipy(taken).toarray(), matrix[order].toarray())


def test_take_from_a_run_of_rows_numbers_rows_within_the_run():
    matrix = _matrix(np.float64, np.int32)
    run = CSRRows.of(matrix, 10, 30)
    order = np.array([19, 0, 5], dtype=np.int32)
    assert_array_equal(
        _as_scipy(run.take(order)).toarray(), matrix[10:30][order].toarray()
    )


def test_rows_of_a_gathered_chunk_are_views_clipped_at_the_end():
    matrix = _matrix(np.float64, np.int32)
    chunk = CSRRows.of(matrix).take(np.arange(40, dtype=np.int32)[::-1])
    batch = chunk.rows(32, 48)
    assert batch.shape == (8, 30)
    assert batch.data is chunk.data
    assert_array_equal(_as_scipy(batch).toarray(), matrix[7::-1].toarray())


def test_only_csr_is_accepted():
    """A CSC matrix's arrays read as CSR would be another matrix."""
    with pytest.raises(ValueError, match="needs a CSR matrix, got 'csc'"):
        CSRRows.of(_matrix(np.float64, np.int32).tocsc())


def test_strided_data_and_mixed_index_dtypes_are_made_uniform_once():
    """The kernels need contiguous arrays of one index dtype; SciPy allows
    others. They are converted by ``of``, not copied at every product."""
    matrix = _matrix(np.float64, np.int64)
    reference = matrix.copy()
    strided = np.empty(2 * matrix.nnz)
    strided[::2] = matrix.data
    matrix.data = strided[::2]
    matrix.indices = matrix.indices.astype(np.int32)
    rows = CSRRows.of(matrix)
    assert rows.data.flags.c_contiguous
    assert rows.indices.dtype == rows.indptr.dtype
    coef = np.random.default_rng(3).standard_normal(30)
    assert_array_equal(rows @ coef, reference @ coef)


@pytest.mark.parametrize("bad_row", [-1, 40])
def test_take_rejects_row_numbers_out_of_range(bad_row):
    rows = CSRRows.of(_matrix(np.float64, np.int32))
    with pytest.raises(IndexError, match=r"row numbers must lie in \[0, 40\)"):
        rows.take(np.array([3, bad_row], dtype=np.int32))
