"""Solvers: plain functions that only see ``loss_gradient(coef)``.

Thread policy
-------------
While a solver runs, every BLAS library loaded in the process (NumPy's and
SciPy's OpenBLAS are two separate ones) is limited to ``BLAS_THREADS``
threads, and restored afterwards. The objective evaluates ``X @ W`` and
``X.T @ G`` on cache-sized blocks of rows and the SGD steps on mini-batches:
products far too small for a second BLAS thread to pay off. Worse, with two
BLAS pools each spinning up threads on a 2-core machine, scikit-learn's own
L-BFGS fits were measured 1.4-2.1x slower than at one thread (its single
objective evaluation is not faster either). Set ``BLAS_THREADS`` to ``None``
to leave the thread pools as they are.
"""

import contextlib
import functools
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from imbweight._objective import batch_rows, gather_rows, sgd_chunk_rows
from imbweight._sparse_rows import CSRRows

BLAS_THREADS = 1
"""Threads of each BLAS library while a solver runs; ``None``: no limit."""


@functools.cache
def _controller():
    """One ThreadpoolController per process: making one costs ~10 ms."""
    return ThreadpoolController()


def blas_thread_limit():
    """Context manager applying the thread policy (see the module docstring)."""
    if BLAS_THREADS is None:
        return contextlib.nullcontext()
    return _controller().limit(limits=BLAS_THREADS, user_api="blas")


def minimize_lbfgs(loss_gradient, coef0, *, max_iter, tol, verbose=0):
    """Minimise a smooth objective with L-BFGS-B from ``coef0``.

    The options are scikit-learn's ``LogisticRegression(solver="lbfgs")``
    ones (``gtol=tol``, ``ftol=64·eps``, ``maxls=50``), so the same
    objective from the same start follows the same path.

    Parameters
    ----------
    loss_gradient : callable
        ``coef -> (value, gradient)``.
    coef0 : ndarray of shape (n_coef,)
        Starting point, float64.
    max_iter : int
        Maximum number of L-BFGS iterations.
    tol : float
        Stop when the largest projected gradient component is below ``tol``.
    verbose : int, default=0
        Print the objective at every iteration when positive.

    Returns
    -------
    coef : ndarray of shape (n_coef,)
    n_iter : int

    Raises
    ------
    FloatingPointError
        If the objective or the solution is not finite.
    """
    callback = _ProgressPrinter() if verbose else None
    with blas_thread_limit():
        result = minimize(
            loss_gradient,
            coef0,
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={
                "maxiter": max_iter,
                "maxls": 50,
                "gtol": tol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
    if not (np.isfinite(result.fun) and np.all(np.isfinite(result.x))):
        raise FloatingPointError(
            f"L-BFGS reached a non-finite objective ({result.fun}) or coefficient; "
            f"nothing was stored. Scale the features (e.g. StandardScaler) or "
            f"lower C."
        )
    n_iter = min(result.nit, max_iter)
    if result.status != 0:
        warnings.warn(
            f"L-BFGS did not converge after {n_iter} iteration(s) "
            f"(status {result.status}: {result.message}). Increase max_iter, "
            f"scale the features or lower C.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result.x, n_iter


class _ProgressPrinter:
    """L-BFGS callback printing the objective at each iteration."""

    def __init__(self):
        self.iteration = 0

    def __call__(self, intermediate_result):
        self.iteration += 1
        print(
            f"L-BFGS iteration {self.iteration}: "
            f"objective {intermediate_result.fun:.10g}"
        )


def sgd_epoch(
    objective,
    coef,
    X,
    y,
    sample_weight,
    *,
    batch_size,
    step_size,
    weight_mean,
    l2_reg_strength,
    order=None,
):
    """One pass of mini-batch stochastic gradient descent, in place.

    Each batch's gradient is an unbiased estimate of the gradient of the
    full normalised objective: the batch loss is divided by ``len(batch) ·
    weight_mean`` rather than by the batch's own weight sum, whose value
    depends on how many heavily weighted (minority) rows the batch drew.

    Parameters
    ----------
    objective : LinearObjective
        The objective, evaluated batch by batch.
    coef : ndarray of shape (n_coef,)
        Coefficients, updated in place.
    X : {ndarray, CSR matrix} of shape (n_samples, n_features)
    y : ndarray
        Encoded targets.
    sample_weight : None or ndarray
        Full per-sample (or per-element) weights.
    batch_size : int
        Rows per step.
    step_size : float
        Learning rate of this epoch.
    weight_mean : float
        Mean weight per sample of the whole data, ``S / n_samples``.
    l2_reg_strength : float
        ``1 / (C S)``.
    order : None or ndarray of shape (n_samples,), default=None
        Row order; ``None`` walks the rows as stored (batches are views).

    Returns
    -------
    mean_objective : float
        The batch objectives averaged over the epoch, each taken at the
        coefficients before its step.
    """
    n_samples = X.shape[0]
    chunk_rows = sgd_chunk_rows(X, batch_size)
    if sp.issparse(X):
        # Once per epoch: the chunks are gathered from its arrays directly.
        X = CSRRows.of(X)
    # Shuffled rows are gathered a chunk of whole batches at a time into
    # reused buffers (one np.take per chunk, not a fancy index per batch);
    # the batches are views of the chunk: the same rows in the same order.
    buffers = (None, None, None)
    if order is not None and not isinstance(X, CSRRows):
        size = min(chunk_rows, n_samples)
        buffers = tuple(
            None
            if array is None or array.strides[0] == 0
            else np.empty((size, *array.shape[1:]), dtype=array.dtype)
            for array in (X, y, sample_weight)
        )
    total = 0.0
    with blas_thread_limit():
        for chunk_start in range(0, n_samples, chunk_rows):
            if order is None:
                rows = slice(chunk_start, chunk_start + chunk_rows)
            else:
                rows = order[chunk_start : chunk_start + chunk_rows]
            X_chunk = gather_rows(X, rows, out=buffers[0])
            y_chunk = gather_rows(y, rows, out=buffers[1])
            if sample_weight is None:
                weight_chunk = None
            elif sample_weight.strides[0] == 0:  # a broadcast constant
                weight_chunk = sample_weight[: X_chunk.shape[0]]
            else:
                weight_chunk = gather_rows(sample_weight, rows, out=buffers[2])
            n_chunk = X_chunk.shape[0]
            for start in range(0, n_chunk, batch_size):
                batch = slice(start, start + batch_size)
                n_rows = min(batch_size, n_chunk - start)
                value = objective.sgd_step(
                    coef,
                    batch_rows(X_chunk, start, start + batch_size),
                    y_chunk[batch],
                    None if weight_chunk is None else weight_chunk[batch],
                    weight_sum=n_rows * weight_mean,
                    l2_reg_strength=l2_reg_strength,
                    step_size=step_size,
                )
                total += value * n_rows
    return total / n_samples
