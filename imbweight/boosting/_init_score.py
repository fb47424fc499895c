"""The optimal constant raw score of the weighted focal loss: the init score.

A booster with a custom objective starts from the raw score 0, not from the
best constant as it does for its built-in objectives (LightGBM's
``boost_from_average`` is ignored, XGBoost's ``base_score`` is not
estimated): the first trees then spend themselves on learning the class
balance. The best constant minimises

    F(c) = Σ_i a_i ℓ_γ(y_i, c),    a_i = w_i c_{y_i} α_{y_i},

which depends on the rows only through the total weight of each class,
``A_k = Σ_{i: y_i = k} a_i``: one pass over the rows, then a problem in one
(two classes) or ``K`` (softmax) variables.

* ``γ = 0``: the weighted log-odds ``log(A_1 / A_0)`` and the weighted
  log-priors ``log(A_k / Σ A)``, the values LightGBM's ``boost_from_average``
  computes for its built-in objectives.
* Two classes, ``γ > 0``: ``F'(c) = A_1 ℓ'(c) - A_0 ℓ'(-c)`` goes from
  ``-A_1`` to ``A_0`` with one sign change (the focal loss is not convex,
  but its derivative along a constant crosses zero once), found by Brent's
  method on a bracket around the ``γ = 0`` value.
* Softmax, ``γ > 0``: L-BFGS from the ``γ = 0`` value with the exact
  gradient; the result is shifted so that ``logsumexp(c) = 0`` (the scores
  are then log-probabilities, as the ``γ = 0`` ones).

A class without weight (a zero class weight or α) would put the optimum at
infinity: its share of the total weight is raised to ``1e-15``, LightGBM's
bound on the class probabilities of its init scores, which keeps the score
finite (``±34.5`` at ``γ = 0``, less for ``γ > 0``).
"""

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.special import logsumexp

from imbweight.boosting._objective import _WeightedFocalLoss
from imbweight.losses import MultinomialFocalLoss, focal_margin_loss_gradient

__all__ = ["focal_init_score", "init_score_of_totals", "repeat_init_score"]

#: Smallest share of the weight of a class (LightGBM's ``kEpsilon``).
MIN_PROBABILITY = 1e-15
_MAX_LOGIT = float(np.log((1 - MIN_PROBABILITY) / MIN_PROBABILITY))


def focal_init_score(
    y, *, gamma=2.0, alpha=None, class_weight=None, sample_weight=None, n_classes=None
):
    """The constant raw score that minimises the weighted focal loss.

    Give it to the booster as the starting score (LightGBM ``init_score``,
    XGBoost ``base_margin``, repeated on every row of the training and every
    evaluation set) and add it to the raw predictions of the trained model.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class codes ``0 .. n_classes - 1``.
    gamma : float, default=2.0
        Focusing parameter, ``gamma >= 0``.
    alpha : None, float or array-like of shape (n_classes,), default=None
        Focal α, as in :func:`imbweight.boosting.lightgbm_objective`.
    class_weight : None, dict or array-like of shape (n_classes,), default=None
        Weight of each class code.
    sample_weight : None or array-like of shape (n_samples,), default=None
        Row weights.
    n_classes : None or int, default=None
        Number of classes; ``max(y) + 1`` when None (at least 2).

    Returns
    -------
    init_score : float or ndarray of shape (n_classes,)
        A float for two classes (the raw score of class 1), one raw score
        per class for more.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting import focal_init_score
    >>> y = np.array([0] * 9 + [1])
    >>> round(focal_init_score(y, gamma=0.0), 4)  # the log-odds, log(1 / 9)
    -2.1972
    >>> round(focal_init_score(y, gamma=2.0), 4)  # nearer 0 than log(1/9)
    -0.8199
    """
    codes = np.asarray(y).astype(np.intp)
    if n_classes is None:
        n_classes = max(int(codes.max()) + 1, 2)
    weighted = _WeightedFocalLoss(gamma, alpha, class_weight, n_classes)
    weight = weighted.row_weights(codes, sample_weight)
    totals = np.bincount(codes, weights=weight, minlength=n_classes)
    return _optimal_constant(totals, weighted)


def init_score_of_totals(class_totals, *, gamma=2.0, alpha=None):
    """:func:`focal_init_score` from the total row weight of each class.

    The init score depends on the rows only through these totals, which a
    distributed caller gathers in one pass (:mod:`imbweight.dask`).

    Parameters
    ----------
    class_totals : array-like of shape (n_classes,)
        The sum, over the rows of each class code, of sample weight times
        class weight (the class sizes when both are 1).
    gamma, alpha : float, None or float or array-like
        As for :func:`focal_init_score`.

    Returns
    -------
    init_score : float or ndarray of shape (n_classes,)
        As :func:`focal_init_score` returns it.

    Examples
    --------
    >>> from imbweight.boosting._init_score import init_score_of_totals
    >>> round(init_score_of_totals([9.0, 1.0], gamma=2.0), 4)
    -0.8199
    """
    totals = np.asarray(class_totals, dtype=np.float64)
    weighted = _WeightedFocalLoss(gamma, alpha, None, totals.size)
    return _optimal_constant(totals, weighted)


def _optimal_constant(totals, weighted):
    """The init score of per-class weight totals, α applied here."""
    n_classes = weighted.n_classes
    if weighted.alpha is not None:
        alpha = weighted.alpha
        totals = totals * (np.array([1 - alpha, alpha]) if n_classes == 2 else alpha)
    if not np.sum(totals) > 0:
        raise ValueError(
            "The init score needs a positive total weight; every row has weight 0."
        )
    totals = totals / np.sum(totals)
    if n_classes == 2:
        return _binary(totals, weighted.gamma)
    return _softmax(totals, weighted.gamma)


def repeat_init_score(init_score, n_samples, dtype=np.float64):
    """The init score on every row, as the engines take it.

    Parameters
    ----------
    init_score : float or ndarray of shape (n_classes,)
        As :func:`focal_init_score` returns it.
    n_samples : int
        Number of rows.
    dtype : dtype, default=float64
        Of the result: float64 for LightGBM's ``init_score``, float32 (what
        XGBoost keeps) for XGBoost's ``base_margin``.

    Returns
    -------
    scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        The init score on every row.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting import repeat_init_score
    >>> repeat_init_score(-1.5, 2), repeat_init_score(np.array([0.1, 0.2]), 2)
    (array([-1.5, -1.5]), array([[0.1, 0.2],
           [0.1, 0.2]]))
    """
    if np.ndim(init_score) == 0:
        return np.full(n_samples, init_score, dtype=dtype)
    return np.tile(np.asarray(init_score, dtype=dtype), (n_samples, 1))


def _binary(totals, gamma):
    """``argmin_c A_0 ℓ(-c) + A_1 ℓ(c)`` for totals ``(A_0, A_1)``."""
    negative, positive = np.maximum(totals, MIN_PROBABILITY)
    start = float(np.clip(np.log(positive / negative), -_MAX_LOGIT, _MAX_LOGIT))
    if gamma == 0:
        return start

    def derivative(c):
        margins = np.array([c, -c])
        _, slopes = focal_margin_loss_gradient(margins, gamma)
        return float(positive * slopes[0] - negative * slopes[1])

    # F' < 0 left of the root and > 0 right of it: widen a bracket around
    # the γ = 0 value until it holds the sign change, or reaches the bound.
    low, high = min(start, 0.0) - 1.0, max(start, 0.0) + 1.0
    while derivative(low) > 0 and low > -_MAX_LOGIT:
        low = max(2 * low, -_MAX_LOGIT)
    while derivative(high) < 0 and high < _MAX_LOGIT:
        high = min(2 * high, _MAX_LOGIT)
    if derivative(low) >= 0:
        return low
    if derivative(high) <= 0:
        return high
    return brentq(derivative, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def _softmax(totals, gamma):
    """``argmin_c Σ_k A_k ℓ_k(c)``, shifted to ``logsumexp(c) = 0``."""
    totals = np.maximum(totals, MIN_PROBABILITY)
    start = np.log(totals)
    if gamma == 0:
        return start
    n_classes = totals.size
    loss = MultinomialFocalLoss(gamma=gamma)
    codes = np.arange(n_classes)

    def value_gradient(c):
        rows = np.broadcast_to(c, (n_classes, n_classes))
        values, gradients = loss.loss_gradient(codes, rows, totals)
        return float(np.sum(values)), np.sum(gradients, axis=0)

    result = minimize(
        value_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-14, "ftol": 0.0, "maxiter": 1000},
    )
    scores = _newton_polish(lambda c: value_gradient(c)[1], result.x)
    return scores - logsumexp(scores)


def _newton_polish(gradient, scores, steps=5):
    """Newton steps on the gradient from near the optimum, to round-off.

    L-BFGS stops once the objective no longer decreases in floating point,
    with gradients of ~1e-10; a few Newton steps, with the Jacobian of the
    exact gradient by central differences (error ~1e-10 relative), bring
    them to round-off. The softmax scores are defined up to a common shift,
    so the first is held fixed. A step is kept only if it shrinks the
    gradient.
    """
    step_size = 1e-5
    current = gradient(scores)
    for _ in range(steps):
        n_classes = scores.size
        jacobian = np.empty((n_classes, n_classes))
        for k in range(n_classes):
            shift = np.zeros(n_classes)
            shift[k] = step_size
            jacobian[:, k] = (gradient(scores + shift) - gradient(scores - shift)) / (
                2 * step_size
            )
        try:
            step = np.linalg.solve(jacobian[1:, 1:], current[1:])
        except np.linalg.LinAlgError:
            break
        candidate = scores.copy()
        candidate[1:] -= step
        new = gradient(candidate)
        if not np.max(np.abs(new)) < np.max(np.abs(current)):
            break
        scores, current = candidate, new
    return scores
