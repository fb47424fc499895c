"""Full-batch L-BFGS on a smooth objective given as ``coef -> (value, gradient)``."""

import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from imbweight._solvers._threads import blas_thread_limit

__all__ = ["minimize_lbfgs"]


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
        The solution.
    n_iter : int
        Iterations run.

    Raises
    ------
    FloatingPointError
        If the objective or the solution is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._solvers import minimize_lbfgs
    >>> def quadratic(coef):
    ...     return 0.5 * float(coef @ coef) - coef[0], coef - [1.0, 0.0]
    >>> coef, n_iter = minimize_lbfgs(quadratic, np.zeros(2), max_iter=10, tol=1e-8)
    >>> coef.round(6)
    array([1., 0.])
    """
    callback = _ProgressPrinter() if verbose else None
    # Overflow to inf is caught below and raised as an error that says what
    # to do, not leaked as NumPy's RuntimeWarnings along the way.
    with blas_thread_limit(), np.errstate(over="ignore", invalid="ignore"):
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
