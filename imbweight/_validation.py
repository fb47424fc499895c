"""Checks of input data that scikit-learn's ``validate_data`` does not make."""

import numpy as np
import scipy.sparse as sp

__all__ = ["check_sparse_structure"]


def check_sparse_structure(X):
    """Raise unless a CSR or CSC ``X`` has a well-formed structure.

    SciPy builds a CSR matrix from ``(data, indices, indptr)`` without
    checking that the indices lie within its shape; its compiled products
    (and imbweight's) then read and write out of bounds, which can crash
    the interpreter. One O(nnz) pass over the index arrays, that changes
    nothing (unlike SciPy's ``check_format``, which prunes and casts them).

    Parameters
    ----------
    X : array-like or sparse matrix
        Anything else than CSR or CSC is left alone.

    Raises
    ------
    ValueError
        If ``indptr`` has the wrong length, does not start at 0, decreases or
        points beyond ``indices`` and ``data``, or an index is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from imbweight._validation import check_sparse_structure
    >>> bad = sp.csr_matrix(
    ...     (np.ones(2), np.array([0, 7]), np.array([0, 1, 2])), shape=(2, 3)
    ... )
    >>> check_sparse_structure(bad)
    Traceback (most recent call last):
    ...
    ValueError: X is a malformed CSR matrix: its column indices must lie in [0, 3),
    but one is 7. ...
    """
    if not sp.issparse(X) or X.format not in ("csr", "csc"):
        return
    fmt = X.format.upper()
    n_major, n_minor = X.shape if X.format == "csr" else X.shape[::-1]
    major, minor = ("row", "column") if X.format == "csr" else ("column", "row")
    indptr, indices = np.asarray(X.indptr), np.asarray(X.indices)
    problem = None
    if indptr.ndim != 1 or indptr.size != n_major + 1:
        problem = f"indptr has {indptr.size} entries, not one per {major} plus one"
    elif indptr[0] != 0:
        problem = f"indptr starts at {indptr[0]}, not 0"
    elif np.any(indptr[1:] < indptr[:-1]):
        problem = "indptr decreases somewhere"
    elif indptr[-1] > min(indices.size, np.asarray(X.data).size):
        problem = (
            f"indptr points to {indptr[-1]} stored values, but indices and data "
            f"hold {indices.size} and {np.asarray(X.data).size}"
        )
    elif indptr[-1] > 0:
        stored = indices[: indptr[-1]]
        low, high = stored.min(), stored.max()
        if low < 0 or high >= n_minor:
            bad = low if low < 0 else high
            problem = (
                f"its {minor} indices must lie in [0, {n_minor}), but one is {bad}"
            )
    if problem is not None:
        raise ValueError(
            f"X is a malformed {fmt} matrix: {problem}. SciPy does not check this "
            f"when it builds a matrix from (data, indices, indptr); call "
            f"X.check_format() on it, or build it with the right shape."
        )
