"""How each strategy turns its probabilities into decisions, under ``--metric``.

A strategy is judged on what the user will do with it, so its decision rule
follows the metric it is ranked by:

- ``"predict"`` (PR-AUC, balanced accuracy, Brier): the model's own
  ``predict``, the most probable class of its ``predict_proba``. For a
  weighted, focal or resampled model that is a threshold moved towards the
  minority, which is what those strategies are for;
- ``"threshold"`` (minority F1, binary targets): the threshold on the
  minority's probability that maximises F1, tuned by
  :class:`~sklearn.model_selection.TunedThresholdClassifierCV` on an inner
  stratified cross-validation *of the training fold*, never on the fold
  the strategy is scored on;
- ``"cost"`` (expected cost): the Bayes decision of
  :class:`imbweight.CostSensitiveClassifier`, the class of least expected
  cost under the cost matrix on the recovered posteriors.

The constant predictor, the baseline every strategy should beat, decides by
the same rule where it can; for F1, whose threshold cannot be tuned on
constant probabilities, its best constant decision is to flag every row.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import (
    FixedThresholdClassifier,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)

from imbweight._decisions import CostSensitiveClassifier

__all__ = [
    "CONSTANT",
    "RULES",
    "ConstantClassifier",
    "constant_predictor",
    "fitted_model",
    "inner_folds",
    "rule_of",
    "with_decisions",
]

RULES = {
    "predict": "the most probable class of the model's own predict_proba",
    "threshold": (
        "a threshold on the minority's probability that maximises its F1, tuned by "
        "an inner cross-validation of each training fold"
    ),
    "cost": (
        "the class of least expected cost under the cost matrix, on the "
        "recovered posteriors (CostSensitiveClassifier)"
    ),
}
"""Each decision rule, in words."""

CONSTANT = "constant"
"""The name of the constant predictor in a comparison."""

# Folds of the inner cross-validation that tunes a threshold, at most.
_INNER_FOLDS = 3


def rule_of(metric):
    """The decision rule that ``metric`` judges: a key of :data:`RULES`."""
    return {"f1": "threshold", "expected_cost": "cost"}.get(metric, "predict")


def inner_folds(smallest_in_training):
    """Folds of the inner cross-validation, for the smallest training class.

    Returns
    -------
    n_folds : int
        At most 3; below 2 the threshold cannot be tuned (the caller says so).
    """
    return min(_INNER_FOLDS, int(smallest_in_training))


class ConstantClassifier(ClassifierMixin, BaseEstimator):
    """The class frequencies of the training data, for every row.

    The baseline every strategy should beat. Its probabilities carry a
    jitter of at most 1e-9, a different one for each row, so that ranking
    metrics see a random order rather than one tie: the average precision of
    a single tie is exactly the prevalence, whereas a random order (what a
    model that learned nothing gives) scores above it on small folds. Its
    decision is the most frequent class.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the jitter.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._compare._rules import ConstantClassifier
    >>> model = ConstantClassifier().fit(np.zeros((4, 1)), ["a", "a", "a", "b"])
    >>> model.predict_proba(np.zeros((2, 1))).round(6).tolist()
    [[0.75, 0.25], [0.75, 0.25]]
    >>> model.predict(np.zeros((2, 1))).tolist()
    ['a', 'a']
    """

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y):
        """Count the classes of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ignored but for its length.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : ConstantClassifier
        """
        self.classes_, counts = np.unique(np.asarray(y), return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        """The class frequencies, jittered by at most 1e-9.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples; only their number matters.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        rng = np.random.default_rng(self.random_state)
        proba = self.prior_ + rng.uniform(0, 1e-9, size=(len(X), self.prior_.size))
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The most frequent class, for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples; only their number matters.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return np.full(len(X), self.classes_[np.argmax(self.prior_)])


def constant_predictor(seed=0):
    """The baseline: a :class:`ConstantClassifier`."""
    return ConstantClassifier(random_state=seed)


def with_decisions(
    estimator, rule, *, classes, minority, cost_matrix=None, seed=0, n_inner=3
):
    """``estimator`` wrapped so that its ``predict`` follows ``rule``.

    Parameters
    ----------
    estimator : estimator
        An unfitted strategy (or :func:`constant_predictor`).
    rule : str
        A key of :data:`RULES`.
    classes : ndarray
        Sorted class labels.
    minority : object
        The smallest class, the positive class of F1.
    cost_matrix : ndarray or None
        For ``rule="cost"``, ordered like ``classes``.
    seed : int, default=0
        Seed of the inner folds.
    n_inner : int, default=3
        Folds of the inner cross-validation of ``rule="threshold"``.

    Returns
    -------
    estimator : estimator
        Unfitted; ``estimator`` itself for ``rule="predict"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imbweight._compare._rules import with_decisions
    >>> wrapped = with_decisions(
    ...     LogisticRegression(), "threshold", classes=np.array([0, 1]), minority=1
    ... )
    >>> type(wrapped).__name__
    'TunedThresholdClassifierCV'
    """
    if rule == "predict":
        return estimator
    if rule == "cost":
        return CostSensitiveClassifier(
            estimator, cost_matrix=np.asarray(cost_matrix).tolist(), labels=classes
        )
    if isinstance(estimator, ConstantClassifier):
        # Every threshold gives one decision for every row; flagging them all
        # is the constant decision of the best F1 (2p / (1 + p) > 0).
        return FixedThresholdClassifier(
            estimator,
            threshold=0.0,
            pos_label=minority,
            response_method="predict_proba",
        )
    return TunedThresholdClassifierCV(
        estimator,
        scoring=make_scorer(f1_score, pos_label=minority),
        response_method="predict_proba",
        cv=StratifiedKFold(n_inner, shuffle=True, random_state=seed),
    )


def fitted_model(decider, rule):
    """The fitted strategy inside what :func:`with_decisions` returned."""
    return decider if rule == "predict" else decider.estimator_
