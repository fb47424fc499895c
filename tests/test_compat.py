"""Tests of :mod:`imbweight._compat`: each public fallback equals the private path.

A fallback runs only on a SciPy or scikit-learn without the private name;
these tests call it directly, on the same inputs, so a fallback that drifted
from the private path fails here rather than on a user's machine.
"""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from imbweight import _compat
from imbweight._base import FocalLinearClassifierMixin

ROOT = Path(__file__).resolve().parents[1]


def _csr_rows(dtype, index_dtype, seed=0):
    """A random CSR matrix with empty rows, and a run of its rows (indptr not
    starting at 0)."""
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((40, 13)) * (rng.uniform(size=(40, 13)) < 0.3)
    dense[[5, 9]] = 0  # empty rows
    matrix = sp.csr_matrix(dense.astype(dtype))
    indptr = matrix.indptr.astype(index_dtype)[7:31]
    return indptr, matrix.indices.astype(index_dtype), matrix.data, matrix.shape[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n_vectors", [None, 3])
def test_csr_kernels_equal_their_public_fallback(dtype, index_dtype, n_vectors):
    indptr, indices, data, n_columns = _csr_rows(dtype, index_dtype)
    rng = np.random.default_rng(1)
    shape = () if n_vectors is None else (n_vectors,)
    dense = rng.standard_normal((n_columns, *shape)).astype(dtype)
    # Same products in the same order per output element: equal to the bit.
    assert_array_equal(
        _compat.csr_rows_matvec(indptr, indices, data, n_columns, dense),
        _compat._public_csr_rows_matvec(indptr, indices, data, n_columns, dense),
    )
    gradient = rng.standard_normal((indptr.size - 1, *shape)).astype(dtype)
    private = _compat.csr_rows_rmatvec(indptr, indices, data, n_columns, gradient)
    public = _compat._public_csr_rows_rmatvec(
        indptr, indices, data, n_columns, gradient
    )
    # SciPy's public transpose may sum a column in another order: round-off.
    np.testing.assert_allclose(
        private, public, rtol=1e-5 if dtype == np.float32 else 1e-13
    )
    rows = np.array([3, 0, 22, 3, 17], dtype=index_dtype)
    for private_array, public_array in zip(
        _compat.csr_row_index(rows, indptr, indices, data, n_columns),
        _compat._public_csr_row_index(rows, indptr, indices, data, n_columns),
        strict=True,
    ):
        assert_array_equal(private_array, public_array)


@pytest.mark.parametrize(
    "sample_weight", [None, 2.5, [1.0, 0.0, 3.0], np.array([1, 2, 3])]
)
@pytest.mark.parametrize("dtype", [None, np.float32])
def test_check_sample_weight_equals_its_public_fallback(sample_weight, dtype):
    X = np.zeros((3, 2))
    private = _compat.check_sample_weight(sample_weight, X, dtype=dtype)
    public = _compat._public_check_sample_weight(sample_weight, X, dtype, False)
    assert_array_equal(private, public)
    assert private.dtype == public.dtype


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        ([1.0, 2.0], "sample_weight.shape == (2,), expected (3,)!"),
        ([[1.0, 2.0, 3.0]], "Sample weights must be 1D array or scalar"),
        ([1.0, -1.0, 2.0], "Negative values in data passed to `sample_weight`"),
    ],
)
def test_check_sample_weight_fallback_raises_the_same_errors(sample_weight, message):
    X = np.zeros((3, 2))
    for check in (
        lambda: _compat.check_sample_weight(sample_weight, X, ensure_non_negative=True),
        lambda: _compat._public_check_sample_weight(sample_weight, X, None, True),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            check()


@pytest.mark.parametrize("x", [[1, 2, 3], np.zeros((4, 2)), sp.eye(5).tocsr()])
def test_num_samples_equals_its_public_fallback(x):
    assert _compat.num_samples(x) == _compat._public_num_samples(x)


def test_linear_mixin_fallback_changes_no_behaviour():
    # Without scikit-learn's LinearClassifierMixin the estimators derive from
    # ClassifierMixin: that is the same estimator as long as ours overrides
    # every method the linear mixin adds.
    added = {
        name
        for name, value in vars(_compat.LinearClassifierMixin).items()
        if callable(value) and not name.startswith("__")
    } - set(dir(_compat.ClassifierMixin))
    overridden = {
        name
        for name in added
        if getattr(FocalLinearClassifierMixin, name)
        is not getattr(_compat.LinearClassifierMixin, name)
    }
    assert added - overridden <= {"_predict_proba_lr"}, added - overridden


def test_private_upstream_names_are_imported_in_compat_only():
    private = re.compile(
        r"^\s*(from\s+(sklearn|scipy)[\w.]*\s+import\s+.*\b_\w+"
        r"|from\s+(sklearn|scipy)(\.\w+)*\._\w+[\w.]*\s+import)",
        re.MULTILINE,
    )
    offenders = []
    for folder in ("imbweight", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "_compat.py":
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [
                f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
                for match in private.finditer(text)
            ]
    assert not offenders, "\n".join(offenders)


def test_compat_documents_why_each_private_name_is_needed():
    source = inspect.getsource(_compat)
    for name in (
        "_fit_context",
        "_param_validation",
        "LinearClassifierMixin",
        "_check_sample_weight",
        "_num_samples",
        "_sparsetools",
    ):
        line = next(
            number
            for number, text in enumerate(source.splitlines())
            if name in text and "import" in text
        )
        preceding = source.splitlines()[max(0, line - 8) : line]
        assert any(text.strip().startswith("#") for text in preceding), name
