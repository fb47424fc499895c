"""The metrics each strategy is scored on, fold by fold, and their definitions.

Every number is that of scikit-learn's metric of the same name (average
precision, ROC-AUC, balanced accuracy, F1, recall, Brier score, log-loss)
or of :func:`imbweight.metrics.expected_cost`, on one held-out fold; the
decision metrics are read off one confusion matrix, the Brier score and
log-loss computed directly, since a comparison scores hundreds of folds. The
probability metrics (PR-AUC, Brier, ROC-AUC, log-loss)
read the *recovered posteriors* P(y | x) of :func:`imbweight.posterior_proba`
(class weights, focal loss and resampling undone); the decision metrics
(balanced accuracy, minority F1 and recall, expected cost) read the classes
the strategy decides under its decision rule
(:mod:`~imbweight._compare._rules`). In a binary problem the minority class
is the positive class of PR-AUC and F1.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, confusion_matrix, roc_auc_score

__all__ = [
    "EXTRA_METRICS",
    "METRICS",
    "RANKABLE",
    "Metric",
    "fold_scores",
]


@dataclass(frozen=True)
class Metric:
    """A column of the table.

    Attributes
    ----------
    title : str
        The column's heading.
    greater_is_better : bool
        Whether a higher value is better.
    definition : str
        What one fold's value is, in a sentence (``{minority}`` stands for
        the minority class).
    multiclass : str or None
        The definition for more than two classes, if it differs.
    """

    title: str
    greater_is_better: bool
    definition: str
    multiclass: str = None


METRICS = {
    "pr_auc": Metric(
        "PR-AUC",
        True,
        "average precision of class {minority} on the held-out fold, from the "
        "recovered posteriors (the area under its precision-recall curve, in "
        "steps)",
        "macro average of one-vs-rest average precision on the held-out fold: "
        "of each class against the others, from the recovered posteriors",
    ),
    "balanced_accuracy": Metric(
        "balanced acc.",
        True,
        "mean over classes of the recall of the decisions; 1 / (number of "
        "classes) for a constant decision",
    ),
    "f1": Metric(
        "minority F1",
        True,
        "F1 score of class {minority}: the harmonic mean of the precision and "
        "the recall of the decisions that flag it",
    ),
    "recall": Metric(
        "minority recall",
        True,
        "fraction of the rows of class {minority} that the decisions flag; 0 "
        "for a model that never predicts it",
    ),
    "brier": Metric(
        "Brier",
        False,
        "mean squared error of the recovered posterior probability of class "
        "{minority}, in [0, 1]",
        "mean over rows of the squared errors of the recovered posteriors, "
        "summed over classes, in [0, 2]",
    ),
    "expected_cost": Metric(
        "expected cost",
        False,
        "mean cost per row of the decisions under the cost matrix",
    ),
}
"""The metrics of the table, by key, in order; ``expected_cost`` only with a
cost matrix."""

RANKABLE = ("pr_auc", "balanced_accuracy", "f1", "brier", "expected_cost")
"""The metrics a comparison may be ranked by (``--metric``)."""

EXTRA_METRICS = ("roc_auc", "log_loss", "brier_raw")
"""Also saved in the CSV and JSON files, but not printed: ROC-AUC and
log-loss of the posteriors, and the Brier score of the model's own
``predict_proba`` (before the recovery)."""


def _brier(onehot, proba):
    """Mean squared error of the probabilities: binary, of one column (the two
    columns' errors are equal); multiclass, summed over the columns."""
    squared = np.square(onehot - proba)
    if proba.shape[1] == 2:
        return float(np.mean(squared[:, 1]))
    return float(np.mean(np.sum(squared, axis=1)))


def _rates(matrix):
    """Per-class recall, precision and F1 of a confusion matrix (0 for 0 / 0)."""
    hits = np.diag(matrix).astype(float)
    truths, calls = matrix.sum(axis=1), matrix.sum(axis=0)
    recall = np.divide(hits, truths, out=np.zeros_like(hits), where=truths > 0)
    precision = np.divide(hits, calls, out=np.zeros_like(hits), where=calls > 0)
    total = recall + precision
    f1 = np.divide(
        2 * recall * precision, total, out=np.zeros_like(hits), where=total > 0
    )
    return recall, precision, f1


def fold_scores(y_true, posterior, raw, decisions, classes, minority, cost_matrix=None):
    """The scores of one held-out fold.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        The labels of the fold.
    posterior : ndarray of shape (n_samples, n_classes)
        Recovered posteriors, columns ordered like ``classes``.
    raw : ndarray of shape (n_samples, n_classes)
        The model's own ``predict_proba``.
    decisions : ndarray of shape (n_samples,)
        The classes decided.
    classes : ndarray
        Sorted class labels.
    minority : object
        The smallest class.
    cost_matrix : ndarray of shape (n_classes, n_classes) or None
        Rows the true class, columns the decision, ordered like ``classes``.

    Returns
    -------
    scores : dict of str to float
        Every metric of :data:`METRICS` (``expected_cost`` only with a cost
        matrix), then of :data:`EXTRA_METRICS`.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._compare._scores import fold_scores
    >>> y = np.array([0, 0, 0, 1])
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    >>> scores = fold_scores(y, proba, proba, np.array([0, 0, 1, 1]),
    ...                      np.array([0, 1]), 1)
    >>> {k: round(v, 3) for k, v in scores.items()}
    {'pr_auc': 1.0, 'balanced_accuracy': 0.833, 'f1': 0.667, 'recall': 1.0, \
'brier': 0.125, 'roc_auc': 1.0, 'log_loss': 0.4, 'brier_raw': 0.125}
    """
    onehot = (y_true[:, np.newaxis] == classes[np.newaxis, :]).astype(float)
    column = int(np.flatnonzero(classes == minority)[0])
    if classes.size == 2:
        pr_auc = average_precision_score(onehot[:, column], posterior[:, column])
        roc_auc = roc_auc_score(onehot[:, column], posterior[:, column])
    else:
        pr_auc = average_precision_score(onehot, posterior, average="macro")
        roc_auc = roc_auc_score(
            y_true, posterior, multi_class="ovr", labels=classes, average="macro"
        )
    matrix = confusion_matrix(y_true, decisions, labels=classes)
    recall, _, f1 = _rates(matrix)
    scores = {
        "pr_auc": float(pr_auc),
        "balanced_accuracy": float(np.mean(recall[matrix.sum(axis=1) > 0])),
        "f1": float(f1[column]),
        "recall": float(recall[column]),
        "brier": _brier(onehot, posterior),
    }
    if cost_matrix is not None:
        scores["expected_cost"] = float(np.sum(matrix * cost_matrix) / y_true.size)
    truth = np.sum(onehot * posterior, axis=1)
    scores["roc_auc"] = float(roc_auc)
    scores["log_loss"] = float(
        -np.mean(np.log(np.clip(truth, np.finfo(float).eps, None)))
    )
    scores["brier_raw"] = _brier(onehot, raw)
    return scores
