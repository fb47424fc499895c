"""The metrics each strategy is scored on, fold by fold.

Every number comes from :func:`imbweight.metrics.imbalanced_report`, on the
probabilities a strategy predicts for a held-out fold; the class decided is
the most probable one. In a binary problem the minority class is the
positive class of PR-AUC and F1.
"""

from imbweight.metrics import imbalanced_report

__all__ = ["EXTRA_METRICS", "METRICS", "RANKED_BY", "fold_scores"]

METRICS = {
    "pr_auc": "PR-AUC",
    "balanced_accuracy": "balanced acc.",
    "minority_f1": "minority F1",
    "brier": "Brier",
}
"""The metrics of the table, by key, with their column titles, in order."""

EXTRA_METRICS = ("roc_auc", "log_loss")
"""Also saved in the CSV and JSON files, but not printed."""

RANKED_BY = "pr_auc"
"""The metric the strategies are ranked by (higher is better)."""


def fold_scores(y_true, proba, classes, minority):
    """The scores of one fold, from its held-out probabilities.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        The labels of the fold.
    proba : ndarray of shape (n_samples, n_classes)
        Predicted probabilities, columns ordered like ``classes``.
    classes : ndarray
        Sorted class labels.
    minority : object
        The smallest class.

    Returns
    -------
    scores : dict of str to float
        Every metric of :data:`METRICS`, then of :data:`EXTRA_METRICS`.
    """
    binary = classes.size == 2
    report = imbalanced_report(
        y_true, proba=proba, labels=classes, pos_label=minority if binary else None
    )
    scores = {
        # Binary: the minority's average precision, whichever class it is.
        "pr_auc": report.scores["pr_auc"],
        "balanced_accuracy": report.scores["balanced_accuracy"],
        "minority_f1": float(report.per_class["f1"][classes == minority][0]),
        "brier": report.scores["brier"],
    }
    scores.update({name: report.scores[name] for name in EXTRA_METRICS})
    return scores
