"""Mini-batch stochastic gradient descent on a :class:`LinearObjective`.

Conventions
-----------
The solver minimises the normalised objective ``J / S`` (see
:class:`~imbweight._objective.LinearObjective`) of ``n`` rows weighing
``S`` in all. A batch of ``m`` rows is normalised by ``m · S / n`` rather
than by its own weight sum, whose value depends on how many heavily weighted
(minority) rows it drew: each batch gradient is then an unbiased estimate of
the full one. It sees the objective only through the loss sums of a batch
(:meth:`~imbweight._objective.LinearObjective.batch_sums`) and its
coefficient layout. Shuffled rows are gathered a chunk of whole batches at a
time (one ``np.take`` per chunk, into reused buffers), the batches being
views of the chunk.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from imbweight._solvers._threads import blas_thread_limit
from imbweight._sparse_rows import CSRRows

__all__ = [
    "LearningRate",
    "SGDResult",
    "ValidationMonitor",
    "run_sgd",
    "sgd_epoch",
    "sgd_step",
    "shuffled_rows",
]

SGD_CHUNK_BYTES = 2**19
"""Bytes of dense rows (or CSR non-zeros) gathered in one shuffled chunk,
then walked batch by batch."""


# ------------------------------------------------------------------- step
def sgd_step(
    objective, coef, X, y, sample_weight, *, weight_sum, l2_reg_strength, step_size
):
    """One proximal gradient step on a batch, in place; returns the batch objective.

    The data term takes an explicit step, ``W -= step_size / weight_sum ·
    X.T @ G`` (and the same on the intercepts), and the penalty an implicit
    one, ``W /= 1 + step_size · l2_reg_strength``: the proximal operator of
    ``½ λ ‖W‖²``. An explicit penalty step ``W *= 1 - η λ`` flips sign and
    grows without bound once ``η λ > 2``, which a small ``C`` or small
    sample weights reach (``λ = 1 / (C S)``); the implicit one is a
    contraction for every ``η λ``, and its fixed point is a stationary
    point of the objective whatever the learning rate.

    Parameters
    ----------
    objective : LinearObjective
        The objective.
    coef : ndarray of shape (n_dof * n_outputs,)
        Flat float64 coefficients, updated in place.
    X : {ndarray, CSRRows} of shape (n_rows, n_features)
        The batch.
    y, sample_weight : ndarray
        The batch's targets and full weights (``sample_weight`` may be
        None).
    weight_sum, l2_reg_strength : float
        The normaliser of the batch and the penalty strength.
    step_size : float
        Learning rate.

    Returns
    -------
    value : float
        The objective on the batch before the step.
    """
    n_features = X.shape[1]
    loss_sum, grad_weights, grad_intercept = objective.batch_sums(
        coef, X, y, sample_weight
    )
    value = loss_sum / weight_sum
    value += 0.5 * l2_reg_strength * objective.penalty(coef, n_features)
    weights, intercept = objective.weight_intercept(coef, n_features)
    data_step = step_size / weight_sum
    # The product's own array is scaled in place when it is float64.
    in_place = grad_weights if grad_weights.dtype == np.float64 else None
    weights -= np.multiply(grad_weights, data_step, out=in_place, dtype=np.float64)
    if l2_reg_strength:
        weights /= 1.0 + step_size * l2_reg_strength
    if objective.fit_intercept:
        intercept -= data_step * grad_intercept
    return value


# ---------------------------------------------------------------- batches
def _batch_rows(X_chunk, start, stop):
    """Rows ``start:stop`` of a chunk from :func:`_gather_rows`, no copy."""
    if isinstance(X_chunk, CSRRows):
        return X_chunk.rows(start, stop)
    return X_chunk[start:stop]


def _gather_rows(X, rows, out=None):
    """A chunk of rows of ``X``: a view for a slice, a copy for an index array.

    ``X`` is an ndarray or a :class:`CSRRows`; a dense ``X`` is copied into
    ``out`` when given.
    """
    if isinstance(X, CSRRows):
        if isinstance(rows, slice):
            return X.rows(*rows.indices(X.shape[0])[:2])
        return X.take(rows)
    if isinstance(rows, slice):
        return X[rows]
    # mode="clip" because the rows are valid: with the default "raise",
    # np.take gathers into a hidden buffer first and copies it into out.
    if out is None:
        return X.take(rows, axis=0, mode="clip")
    return np.take(X, rows, axis=0, out=out[: rows.size], mode="clip")


def _chunk_rows(X, batch_size):
    """Rows per gathered chunk: about ``SGD_CHUNK_BYTES``, whole batches."""
    if sp.issparse(X):
        row_bytes = X.data.itemsize * max(1, X.nnz // max(1, X.shape[0]))
    else:
        row_bytes = X.itemsize * max(1, X.shape[1])
    n_batches = max(1, SGD_CHUNK_BYTES // (row_bytes * batch_size))
    return n_batches * batch_size


def shuffled_rows(rng, n_samples):
    """``rng.permutation(n_samples)``, the same order, in half the memory:
    int32, shuffled in place (``permutation`` of an array shuffles a copy
    of it)."""
    index_dtype = np.int32 if n_samples < 2**31 else np.intp
    order = np.arange(n_samples, dtype=index_dtype)
    rng.shuffle(order)
    return order


# ------------------------------------------------------------------ epoch
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
    rng=None,
):
    """One pass of mini-batch stochastic gradient descent, in place.

    Parameters
    ----------
    objective : LinearObjective
        The objective, evaluated batch by batch.
    coef : ndarray of shape (n_coef,)
        Coefficients, updated in place.
    X : {ndarray, CSR matrix} of shape (n_samples, n_features)
        Training data.
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
    rng : None or RandomState, default=None
        Shuffles the rows; ``None`` walks them as stored (batches are views).

    Returns
    -------
    mean_objective : float
        The batch objectives averaged over the epoch, each taken at the
        coefficients before its step.
    n_steps : int
        Steps taken.

    Raises
    ------
    FloatingPointError
        If the objective or a coefficient became non-finite.
    """
    n_samples = X.shape[0]
    order = None if rng is None else shuffled_rows(rng, n_samples)
    chunk_rows = _chunk_rows(X, batch_size)
    if sp.issparse(X):
        # Once per epoch: the chunks are gathered from its arrays directly.
        X = CSRRows.of(X)
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
    # Overflow to inf is caught below and raised as an error that says what
    # to do, not leaked as NumPy's RuntimeWarnings along the way.
    with blas_thread_limit(), np.errstate(over="ignore", invalid="ignore"):
        for chunk_start in range(0, n_samples, chunk_rows):
            if order is None:
                rows = slice(chunk_start, chunk_start + chunk_rows)
            else:
                rows = order[chunk_start : chunk_start + chunk_rows]
            X_chunk = _gather_rows(X, rows, out=buffers[0])
            y_chunk = _gather_rows(y, rows, out=buffers[1])
            if sample_weight is None:
                weight_chunk = None
            elif sample_weight.strides[0] == 0:  # a broadcast constant
                weight_chunk = sample_weight[: X_chunk.shape[0]]
            else:
                weight_chunk = _gather_rows(sample_weight, rows, out=buffers[2])
            n_chunk = X_chunk.shape[0]
            for start in range(0, n_chunk, batch_size):
                batch = slice(start, start + batch_size)
                n_rows = min(batch_size, n_chunk - start)
                value = sgd_step(
                    objective,
                    coef,
                    _batch_rows(X_chunk, start, start + batch_size),
                    y_chunk[batch],
                    None if weight_chunk is None else weight_chunk[batch],
                    weight_sum=n_rows * weight_mean,
                    l2_reg_strength=l2_reg_strength,
                    step_size=step_size,
                )
                total += value * n_rows
    mean_objective = total / n_samples
    if not (np.isfinite(mean_objective) and np.all(np.isfinite(coef))):
        raise FloatingPointError(
            "SGD diverged to a non-finite objective or coefficient; nothing was "
            "stored. Lower eta0, or scale the features (e.g. StandardScaler)."
        )
    return mean_objective, -(-n_samples // batch_size)


def _check_progress(start_value, end_value):
    """Raise if SGD blew up, warn if it ended worse than it started.

    A run whose result is twice as bad as its start has not found a better point:
    its steps were too large for the scale of the features (the coefficients
    may be huge yet finite). A hundredfold rise is an explosion, not noise.
    """
    message = (
        f"the objective rose from {start_value:.6g} to {end_value:.6g}. Lower "
        f"eta0, or scale the features (e.g. StandardScaler)."
    )
    if not end_value <= 100 * start_value:
        raise FloatingPointError(f"SGD diverged: {message} Nothing was stored.")
    if end_value > 2 * start_value:
        warnings.warn(
            f"SGD ended worse than it started: {message}",
            ConvergenceWarning,
            stacklevel=4,
        )


# ----------------------------------------------------- schedules, monitors
class LearningRate:
    """The learning-rate schedule of a run of epochs.

    ``"constant"``: ``eta0`` throughout. ``"invscaling"``: ``eta0 /
    sqrt(epoch)``. ``"adaptive"``: ``eta0`` until progress stalls, then
    divided by 5 at each stall (:meth:`decay`), down to ``1e-6 · eta0``.

    Parameters
    ----------
    schedule : {"constant", "invscaling", "adaptive"}
        The schedule.
    eta0 : float
        Initial learning rate.
    """

    def __init__(self, schedule, eta0):
        self.schedule = schedule
        self.eta0 = eta0
        self.current = eta0

    def at_epoch(self, epoch):
        """The rate of epoch ``epoch`` (counted from 1)."""
        if self.schedule == "invscaling":
            self.current = self.eta0 / np.sqrt(epoch)
        return self.current

    def decay(self):
        """Lower the rate after a stall; False when the schedule cannot."""
        if self.schedule != "adaptive" or self.current <= 1e-6 * self.eta0:
            return False
        self.current /= 5
        return True


class _ProgressMonitor:
    """Counts epochs without an improvement of at least ``tol``.

    Progress is judged against the best value since the learning rate last
    changed: the epoch objective is noisy, and one lucky epoch at a large
    rate would otherwise make every later, truly better, epoch at a smaller
    rate look like no progress, and the rate would collapse early.
    """

    def __init__(self, tol, patience):
        self.tol = 0.0 if tol is None else tol
        self.patience = patience
        self.best = -np.inf
        self.best_at_this_rate = -np.inf
        self.without_progress = 0
        self.best_is_last = False

    def update(self, value):
        """Record ``value`` (higher is better); False once patience runs out."""
        self.best_is_last = value > self.best
        self.best = max(self.best, value)
        if value > self.best_at_this_rate + self.tol:
            self.without_progress = 0
        else:
            self.without_progress += 1
        self.best_at_this_rate = max(self.best_at_this_rate, value)
        return self.without_progress < self.patience

    def new_rate(self):
        """Start judging progress afresh after a change of learning rate."""
        self.without_progress = 0
        self.best_at_this_rate = -np.inf


class ValidationMonitor:
    """Early stopping: scores the coefficients after each epoch, keeps the best.

    Parameters
    ----------
    score : callable
        ``coef -> float``, higher is better; typically a scorer on a held-out
        validation set.
    """

    def __init__(self, score):
        self.score = score
        self.scores = []
        self.best_coef = None
        self.best_epoch = None
        self._best = -np.inf

    def start(self, coef):
        """Keep the starting coefficients until an epoch scores better."""
        self.best_coef = coef.copy()

    def __call__(self, coef):
        """Score ``coef``; returns the score.

        Raises
        ------
        ValueError
            If the score is not a finite number: no epoch could be compared.
        """
        value = float(self.score(coef))
        if not np.isfinite(value):
            raise ValueError(
                f"The early-stopping score after epoch {len(self.scores) + 1} is "
                f"{value}; scoring must give a finite number on the validation "
                f"split (a metric undefined there, e.g. with a class missing, "
                f"gives nan). Choose another scoring or a larger "
                f"validation_fraction."
            )
        self.scores.append(value)
        if value > self._best:
            self._best = value
            self.best_coef = coef.copy()
            self.best_epoch = len(self.scores) - 1
        return value


@dataclass
class SGDResult:
    """What a run of SGD epochs produced."""

    coef: np.ndarray
    n_iter: int
    n_steps: int
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    best_epoch: int | None = None


def run_sgd(
    objective,
    coef,
    data,
    *,
    batch_size,
    learning_rate,
    max_iter,
    tol,
    n_iter_no_change,
    l2_reg_strength,
    rng=None,
    validation=None,
    verbose=0,
    name="SGD",
):
    """Epochs of SGD until progress stalls at the smallest rate, or ``max_iter``.

    Progress is the training objective, or with ``validation`` the
    validation score: fewer than ``tol`` of improvement over
    ``n_iter_no_change`` epochs is a stall. At a stall an ``"adaptive"``
    rate decays; otherwise the run has converged. With ``tol=None`` it runs
    ``max_iter`` epochs, an ``"adaptive"`` rate still decaying at each
    stall (judged with a tolerance of 0), so that more epochs end closer to
    the optimum, not at the noise floor of the initial rate.

    Parameters
    ----------
    objective : LinearObjective
        The objective.
    coef : ndarray of shape (n_coef,)
        Starting coefficients, updated in place.
    data : tuple
        ``(X, y, sample_weight)`` of the training rows.
    batch_size : int
        Rows per step.
    learning_rate : LearningRate
        The schedule.
    max_iter : int
        Maximum number of epochs.
    tol : float or None
        Improvement that counts as progress.
    n_iter_no_change : int
        Epochs without progress that make a stall.
    l2_reg_strength : float
        ``1 / (C S)``.
    rng : None or RandomState, default=None
        Shuffles the rows every epoch; None keeps their order.
    validation : ValidationMonitor, default=None
        Early stopping: the coefficients of its best epoch are returned.
    verbose : int, default=0
        Print each epoch when positive.
    name : str, default="SGD"
        The estimator's name, for the convergence warning.

    Returns
    -------
    result : SGDResult
    """
    X, y, sample_weight = data
    weight_mean = objective.weight_sum(sample_weight, X.shape[0]) / X.shape[0]

    def objective_value(coef):
        value = objective.loss_value(coef, X, y, sample_weight)
        return value + 0.5 * l2_reg_strength * objective.penalty(coef, X.shape[1])

    start_value = objective_value(coef)
    monitor = _ProgressMonitor(tol, n_iter_no_change)
    if validation is not None:
        validation.start(coef)
    loss_curve, n_steps, converged = [], 0, False
    for epoch in range(1, max_iter + 1):
        step_size = learning_rate.at_epoch(epoch)
        started = time.perf_counter()
        mean_objective, steps = sgd_epoch(
            objective,
            coef,
            X,
            y,
            sample_weight,
            batch_size=batch_size,
            step_size=step_size,
            weight_mean=weight_mean,
            l2_reg_strength=l2_reg_strength,
            rng=rng,
        )
        n_steps += steps
        loss_curve.append(mean_objective)
        line = f"epoch {epoch}: objective {mean_objective:.8g}, "
        line += f"learning rate {step_size:.3g}"
        if validation is None:
            improved = monitor.update(-mean_objective)
        else:
            score = validation(coef)
            improved = monitor.update(score)
            line += f", validation score {score:.6g}"
        if verbose:
            print(f"{line}, {time.perf_counter() - started:.2f} s")
        if improved:
            continue
        if learning_rate.decay():
            monitor.new_rate()
        elif tol is not None:
            converged = True
            break
    result = SGDResult(coef, epoch, n_steps, loss_curve)
    if validation is not None:
        result.coef = validation.best_coef
        result.validation_scores = validation.scores
        result.best_epoch = validation.best_epoch
    _check_progress(start_value, objective_value(result.coef))
    if not converged and tol is not None:
        warnings.warn(
            f"{name} did not converge within max_iter={max_iter} epochs; "
            f"increase max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result
