"""Every private SciPy and scikit-learn name imbweight uses, in one place.

Each name says why it is needed. Where a public way to get the same result
exists, it is the fallback used when the private name is missing (a renamed
or removed private module then costs speed or a common check, never a
failure), and ``tests/test_compat.py`` checks that both give the same
answer. Nothing else in the package, its tests or its benchmarks imports a
private SciPy or scikit-learn name.
"""

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin

# Declarative parameter validation, the scikit-learn way: there is no public
# module for the constraint classes, and `_fit_context` is what applies the
# constraints (and skips nested validation) around every fit.
from sklearn.base import _fit_context as fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import check_array

__all__ = [
    "HalfBinomialLoss",
    "HalfMultinomialLoss",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "LinearClassifierMixin",
    "LinearModelLoss",
    "Options",
    "StrOptions",
    "check_sample_weight",
    "csr_row_index",
    "csr_rows_matvec",
    "csr_rows_rmatvec",
    "fit_context",
    "num_samples",
    "validate_parameter_constraints",
    "validate_params",
]

try:
    # scikit-learn's common checks run check_class_weight_balanced_linear_
    # classifier only on subclasses of its LinearClassifierMixin; our
    # estimators override every method it defines.
    from sklearn.linear_model._base import LinearClassifierMixin
except ImportError:  # pragma: no cover - only on a scikit-learn without it
    LinearClassifierMixin = ClassifierMixin

try:
    # scikit-learn's own sample_weight validation (shape, dtype, finiteness,
    # and ensure_non_negative), with its error messages.
    from sklearn.utils.validation import _check_sample_weight
except ImportError:  # pragma: no cover - only on a scikit-learn without it
    _check_sample_weight = None
# scikit-learn >= 1.8 also rejects weights that are all zero, unless asked not
# to; earlier versions accept them.
_REJECTS_ALL_ZERO = _check_sample_weight is not None and (
    "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters
)

try:
    # scikit-learn's count of rows of any array-like (lists, DataFrames,
    # sparse matrices), with its errors for non-array-likes.
    from sklearn.utils.validation import _num_samples
except ImportError:  # pragma: no cover - only on a scikit-learn without it
    _num_samples = None

try:
    # The compiled CSR kernels that SciPy's sparse operators end in. Called
    # directly, a mini-batch product skips ~40 µs of SciPy's set-up (a matrix
    # object built, checked and, for X.T @ g, transposed). They do no bounds
    # checks: callers only pass arrays whose structure was validated once
    # (imbweight._validation.check_sparse_structure) and row numbers they
    # checked.
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover - only on a SciPy without it
    _sparsetools = None


try:
    # scikit-learn's own objective of LogisticRegression: the oracle that the
    # tests and benchmarks compare LinearObjective against. Nothing in the
    # package uses it.
    from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss
except ImportError:  # pragma: no cover - only on a scikit-learn without them
    HalfBinomialLoss = HalfMultinomialLoss = LinearModelLoss = None


def check_sample_weight(
    sample_weight, X, *, dtype=None, ensure_non_negative=False, allow_all_zero=False
):
    """``sample_weight`` as a 1-D array of ``len(X)`` finite values.

    scikit-learn's ``_check_sample_weight`` where it exists; else the same
    checks through public functions. All-zero weights are an error unless
    ``allow_all_zero`` (on every scikit-learn version).

    Parameters
    ----------
    sample_weight : None, float or array-like of shape (n_samples,)
        None gives ones; a number gives that number for every sample.
    X : array-like
        The data whose rows are weighed.
    dtype : dtype, default=None
        float64 or float32; None is float64 (or the dtype of an array given).
    ensure_non_negative : bool, default=False
        Whether a negative weight is an error.
    allow_all_zero : bool, default=False
        Whether weights that are all zero are accepted.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)
    """
    if _check_sample_weight is None:
        checked = _public_check_sample_weight(
            sample_weight, X, dtype, ensure_non_negative
        )
    else:
        extra = {"allow_all_zero_weights": True} if _REJECTS_ALL_ZERO else {}
        checked = _check_sample_weight(
            sample_weight,
            X,
            dtype=dtype,
            ensure_non_negative=ensure_non_negative,
            **extra,
        )
    if not allow_all_zero and checked.size and not np.any(checked):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return checked


def _public_check_sample_weight(sample_weight, X, dtype, ensure_non_negative):
    n_samples = num_samples(X)
    if dtype is not None and dtype not in (np.float32, np.float64):
        dtype = np.float64
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype or np.float64)
    if np.ndim(sample_weight) == 0:
        return np.full(n_samples, sample_weight, dtype=dtype or np.float64)
    if dtype is None:
        dtype = [np.float64, np.float32]
    sample_weight = check_array(
        sample_weight,
        accept_sparse=False,
        ensure_2d=False,
        dtype=dtype,
        order="C",
        input_name="sample_weight",
    )
    if sample_weight.ndim != 1:
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got "
            f"{sample_weight.ndim}D array. Expected either a scalar value or a 1D "
            f"array of length {n_samples}."
        )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected {(n_samples,)}!"
        )
    if ensure_non_negative and np.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to `sample_weight`")
    return sample_weight


def num_samples(x):
    """Number of samples (rows) of an array-like."""
    if _num_samples is not None:
        return _num_samples(x)
    return _public_num_samples(x)


def _public_num_samples(x):
    if hasattr(x, "shape") and len(x.shape):
        return x.shape[0]
    return len(x)


# ------------------------------------------------------------ CSR kernels
def _public_csr(indptr, indices, data, n_columns):
    """A SciPy CSR matrix on the rows given by ``indptr`` (which need not
    start at 0), sharing ``indices`` and ``data``."""
    start, stop = indptr[0], indptr[-1]
    return sp.csr_matrix(
        (data[start:stop], indices[start:stop], indptr - start),
        shape=(indptr.size - 1, n_columns),
    )


def _public_csr_rows_matvec(indptr, indices, data, n_columns, dense):
    return np.asarray(_public_csr(indptr, indices, data, n_columns) @ dense)


def _public_csr_rows_rmatvec(indptr, indices, data, n_columns, dense):
    return np.asarray(_public_csr(indptr, indices, data, n_columns).T @ dense)


def _public_csr_row_index(rows, indptr, indices, data, n_columns):
    taken = _public_csr(indptr, indices, data, n_columns)[rows]
    return taken.indptr.astype(indptr.dtype), taken.indices, taken.data


def csr_rows_matvec(indptr, indices, data, n_columns, dense):
    """``A @ dense`` for the CSR rows ``(indptr, indices, data)``.

    ``dense`` is a C-contiguous vector or matrix of ``data``'s dtype with
    ``n_columns`` rows.
    """
    if _sparsetools is None:
        return _public_csr_rows_matvec(indptr, indices, data, n_columns, dense)
    n_rows = indptr.size - 1
    return _kernel_product("csr", (n_rows, n_columns), indptr, indices, data, dense)


def csr_rows_rmatvec(indptr, indices, data, n_columns, dense):
    """``A.T @ dense`` for the CSR rows ``(indptr, indices, data)``: the same
    arrays read as the CSC matrix of the transpose."""
    if _sparsetools is None:
        return _public_csr_rows_rmatvec(indptr, indices, data, n_columns, dense)
    n_rows = indptr.size - 1
    return _kernel_product("csc", (n_columns, n_rows), indptr, indices, data, dense)


def _kernel_product(compressed, shape, indptr, indices, data, dense):
    """``M @ dense`` by SciPy's kernel for a ``compressed`` ("csr" or "csc")
    matrix ``M`` of ``shape`` stored in ``(indptr, indices, data)``."""
    n_out = shape[0]
    if dense.ndim == 1:
        out = np.zeros(n_out, dtype=data.dtype)
        getattr(_sparsetools, f"{compressed}_matvec")(
            *shape, indptr, indices, data, dense, out
        )
        return out
    out = np.zeros((n_out, dense.shape[1]), dtype=data.dtype)
    getattr(_sparsetools, f"{compressed}_matvecs")(
        *shape, dense.shape[1], indptr, indices, data, dense.ravel(), out.ravel()
    )
    return out


def csr_row_index(rows, indptr, indices, data, n_columns):
    """The CSR rows ``rows`` (valid row numbers, ``indptr``'s dtype) copied,
    in that order, into new compact ``(indptr, indices, data)``."""
    if _sparsetools is None:
        return _public_csr_row_index(rows, indptr, indices, data, n_columns)
    starts = indptr[rows]
    lengths = indptr[rows + 1]
    lengths -= starts
    new_indptr = np.zeros(rows.size + 1, dtype=indptr.dtype)
    np.cumsum(lengths, out=new_indptr[1:])
    new_indices = np.empty(new_indptr[-1], dtype=indices.dtype)
    new_data = np.empty(new_indptr[-1], dtype=data.dtype)
    _sparsetools.csr_row_index(
        rows.size, rows, indptr, indices, data, new_indices, new_data
    )
    return new_indptr, new_indices, new_data
