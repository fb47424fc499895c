"""Cost-sensitive decisions and an evaluation summary for imbalanced problems.

Only what scikit-learn and imbalanced-learn do not already provide lives here:

- :func:`bayes_decision` turns posteriors and a K×K cost matrix into the
  Bayes-optimal decisions. scikit-learn can tune one binary threshold
  (:class:`~sklearn.model_selection.TunedThresholdClassifierCV`) but has no
  K-class cost-matrix decision rule.
- :func:`expected_cost` and :func:`make_cost_scorer` score decisions by a
  cost matrix (built on :func:`sklearn.metrics.confusion_matrix` and
  :func:`sklearn.metrics.make_scorer`), so a cost matrix can drive
  :class:`~sklearn.model_selection.GridSearchCV` or
  :class:`~sklearn.model_selection.TunedThresholdClassifierCV`.
- :func:`imbalanced_report` gathers, in one call, the scikit-learn and
  imbalanced-learn metrics that matter under imbalance; it computes none of
  them itself.

Conventions
-----------
A cost matrix ``C`` has shape ``(n_classes, n_classes)``; ``C[k, j]`` is the
cost of predicting class ``j`` when the truth is class ``k`` (rows: truth,
columns: decision, as in :func:`sklearn.metrics.confusion_matrix`). Costs may
be negative (a gain). Its rows and columns are ordered like ``labels`` when
given, otherwise like the sorted class labels (``estimator.classes_``).
Probability arrays have one column per class in that same order. In the binary
case the positive class is the second one, ``classes[1]`` (by convention the
minority class), except for the headline PR-AUC of :func:`imbalanced_report`,
whose ``pos_label`` is the minority class unless given.
"""

from dataclasses import dataclass, field
from inspect import signature
from numbers import Real

import numpy as np
from imblearn.metrics import geometric_mean_score, sensitivity_specificity_support
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    make_scorer,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_consistent_length, check_non_negative

from imbweight._compat import Options, StrOptions, validate_params
from imbweight._posterior import final_step

__all__ = [
    "ImbalancedReport",
    "bayes_decision",
    "expected_cost",
    "imbalanced_report",
    "make_cost_scorer",
]

# scikit-learn >= 1.7 scores multiclass probabilities with brier_score_loss.
_BRIER_HANDLES_MULTICLASS = "labels" in signature(brier_score_loss).parameters


# ------------------------------------------------------------------ validation
def _check_cost_matrix(cost_matrix, n_classes=None, *, what="labels"):
    """Return ``cost_matrix`` as a finite, square float array."""
    cost_matrix = check_array(
        cost_matrix, dtype=np.float64, ensure_min_samples=1, input_name="cost_matrix"
    )
    rows, cols = cost_matrix.shape
    if rows != cols:
        raise ValueError(
            "cost_matrix must be square, of shape (n_classes, n_classes) with "
            f"C[true, predicted]; got shape {cost_matrix.shape}."
        )
    if n_classes is not None and rows != n_classes:
        raise ValueError(
            f"cost_matrix has shape {cost_matrix.shape} but there are {n_classes} "
            f"{what}; it must be ({n_classes}, {n_classes})."
        )
    return cost_matrix


def _check_proba(proba, name="proba"):
    """Return ``proba`` as a finite, non-negative 2-D float array."""
    if np.ndim(proba) != 2:
        raise ValueError(
            f"{name} must be 2-D, of shape (n_samples, n_classes); got an array of "
            f"shape {np.shape(proba)}. For a binary problem pass both columns, "
            "e.g. np.column_stack([1 - p, p])."
        )
    proba = check_array(proba, dtype=np.float64, ensure_min_samples=0, input_name=name)
    if proba.size:  # scikit-learn's check cannot take an empty array
        check_non_negative(proba, f"{name} (probabilities must be >= 0)")
    return proba


def _unique_labels(*ys):
    """``unique_labels``, with a clear error for labels that cannot be sorted.

    ``None`` among strings (a label that went missing) makes the sort fail
    with a bare ``TypeError``.
    """
    try:
        return unique_labels(*ys)
    except TypeError:
        kinds = sorted(
            {
                type(label).__name__
                for y in ys
                for label in np.ravel(np.asarray(y, dtype=object))
            }
        )
        raise ValueError(
            f"The labels mix types that cannot be sorted together ({', '.join(kinds)})"
            "; a None or NaN label is usually a missing one: drop those samples or "
            "give them a label first."
        ) from None


def _check_in_labels(y, labels, name):
    unknown = np.setdiff1d(_unique_labels(y), labels)
    if unknown.size:
        raise ValueError(
            f"{name} contains labels {unknown.tolist()} that are not in "
            f"labels={np.asarray(labels).tolist()}."
        )


def _resolve_labels(y_true, y_pred, labels):
    """Labels to index the cost matrix by: given ones, else the sorted union."""
    if labels is None:
        return _unique_labels(y_true, y_pred)
    labels = column_or_1d(labels)
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels must be distinct; got {labels.tolist()}.")
    _check_in_labels(y_true, labels, "y_true")
    _check_in_labels(y_pred, labels, "y_pred")
    return labels


# ------------------------------------------------------------------ decisions
@validate_params(
    {
        "proba": ["array-like"],
        "cost_matrix": ["array-like"],
        "classes": [None, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def bayes_decision(proba, cost_matrix, classes=None):
    """Bayes-optimal decisions from class posteriors and a cost matrix.

    For each sample the decision is the class ``j`` with the least expected
    cost ``sum_k proba[:, k] * cost_matrix[k, j]``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class posteriors ``P(y = k | x)``, one column per class (in the order of
        ``classes``). They must be finite and non-negative; rows need not sum
        to one, since only their proportions matter. A binary problem takes
        both columns, as returned by ``predict_proba``.
    cost_matrix : array-like of shape (n_classes, n_classes)
        ``cost_matrix[k, j]`` is the cost of deciding ``j`` when the truth is
        ``k``. Entries may be negative (gains).
    classes : array-like of shape (n_classes,), default=None
        Class labels, e.g. ``estimator.classes_``. When given, the decisions
        are returned as labels; otherwise as column indices.

    Returns
    -------
    decisions : ndarray of shape (n_samples,)
        The cost-minimising class of each sample: labels from ``classes`` when
        given, else integer indices. Exact ties go to the lowest index.

    See Also
    --------
    expected_cost : The cost of a set of decisions against the truth.
    sklearn.model_selection.FixedThresholdClassifier : Applies a binary
        threshold, such as the one in the Notes, to any classifier.

    Notes
    -----
    With the zero-one cost ``1 - eye(n_classes)`` the rule is ``argmax``. In
    the binary case it predicts the positive class ``classes[1]`` exactly when
    ``proba[:, 1] > t`` with ``t = (C[0, 1] - C[0, 0]) / (C[0, 1] - C[0, 0] +
    C[1, 0] - C[1, 1])`` (for a matrix whose correct decisions are cheaper than
    the errors): a false negative five times as costly as a false positive
    gives ``t = 1/6``.

    The rule is only optimal if ``proba`` estimates the true posteriors. A
    model trained with class weights, focal ``alpha`` or ``gamma`` distorts its
    ``predict_proba``; decide on its ``predict_posterior`` instead, or the
    imbalance is paid for twice.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.metrics import bayes_decision
    >>> proba = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8]])
    >>> cost = [[0, 1],   # truth 0: a false positive costs 1
    ...         [5, 0]]   # truth 1: a false negative costs 5
    >>> bayes_decision(proba, cost)
    array([0, 1, 1])
    >>> bayes_decision(proba, cost, classes=["no", "yes"])
    array(['no', 'yes', 'yes'], dtype='<U3')
    """
    proba = _check_proba(proba)
    n_classes = proba.shape[1]
    cost_matrix = _check_cost_matrix(cost_matrix, n_classes, what="columns in proba")
    if classes is not None:
        classes = column_or_1d(classes)
        if classes.shape[0] != n_classes:
            raise ValueError(
                f"classes has {classes.shape[0]} entries but proba has "
                f"{n_classes} columns; they must match."
            )
    decisions = np.argmin(proba @ cost_matrix, axis=1)
    return decisions if classes is None else classes[decisions]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "cost_matrix": ["array-like"],
        "labels": [None, "array-like"],
        "sample_weight": [None, "array-like"],
        "normalize": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def expected_cost(
    y_true, y_pred, cost_matrix, *, labels=None, sample_weight=None, normalize=True
):
    """Average (or total) cost of decisions under a cost matrix.

    The sum over the confusion matrix, weighted entry by entry by the cost
    matrix: ``sum_{k, j} confusion_matrix[k, j] * cost_matrix[k, j]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Decisions (predicted labels).
    cost_matrix : array-like of shape (n_classes, n_classes)
        ``cost_matrix[k, j]`` is the cost of deciding ``labels[j]`` when the
        truth is ``labels[k]``.
    labels : array-like of shape (n_classes,), default=None
        The classes that index ``cost_matrix``. Every label of ``y_true`` and
        ``y_pred`` must be among them. ``None`` uses the sorted labels present
        in ``y_true`` or ``y_pred``; pass ``labels`` (e.g.
        ``estimator.classes_``) when a class may be missing from both.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    normalize : bool, default=True
        Return the cost per sample (divided by the total sample weight) if
        True, the total cost otherwise.

    Returns
    -------
    cost : float
        The mean (or total) cost; lower is better.

    See Also
    --------
    make_cost_scorer : The same cost as a scikit-learn scorer.
    sklearn.metrics.confusion_matrix : The counts being weighted.

    Examples
    --------
    >>> from imbweight.metrics import expected_cost
    >>> cost = [[0, 1], [5, 0]]
    >>> expected_cost([0, 0, 1, 1], [0, 1, 1, 0], cost)  # one FP, one FN
    1.5
    >>> expected_cost([0, 0, 1, 1], [0, 1, 1, 0], cost, normalize=False)
    6.0
    """
    labels = _resolve_labels(y_true, y_pred, labels)
    cost_matrix = _check_cost_matrix(cost_matrix, labels.shape[0])
    counts = confusion_matrix(
        y_true, y_pred, labels=labels, sample_weight=sample_weight
    )
    total = float(np.sum(counts * cost_matrix))
    if not normalize:
        return total
    total_weight = float(counts.sum())
    if not total_weight > 0:
        raise ValueError(
            f"expected_cost with normalize=True divides by the total sample weight, "
            f"which is {total_weight:g}; pass sample weights with a positive sum, or "
            "normalize=False for the total cost."
        )
    return total / total_weight


# --------------------------------------------------------------------- scorers
def _posterior(estimator, X):
    """The class probabilities a Bayes decision should use.

    ``predict_posterior`` when the estimator, or the final step of a
    pipeline or search, has it; ``predict_proba`` otherwise.
    """
    final, X_final = final_step(estimator, X)
    if hasattr(final, "predict_posterior"):
        return final.predict_posterior(X_final)
    return estimator.predict_proba(X)


class _BayesCostScorer:
    """Negative expected cost of Bayes decisions; see :func:`make_cost_scorer`.

    A plain ``scorer(estimator, X, y_true, sample_weight=None)`` callable,
    as :class:`~sklearn.model_selection.GridSearchCV` accepts.
    """

    def __init__(self, cost_matrix, labels):
        self.cost_matrix = cost_matrix
        self.labels = labels

    def __call__(self, estimator, X, y_true, sample_weight=None):
        classes = estimator.classes_
        cost_matrix, labels = self.cost_matrix, self.labels
        if labels is None:
            labels = classes
            _check_cost_matrix(cost_matrix, len(classes), what="estimator classes")
        else:
            # Decide over the estimator's classes, with the cost matrix rows
            # and columns they index; score against all of ``labels``.
            missing = np.setdiff1d(classes, labels)
            if missing.size:
                raise ValueError(
                    f"The estimator's classes {missing.tolist()} are not in the "
                    f"scorer's labels={labels.tolist()}."
                )
            where = {label: i for i, label in enumerate(labels.tolist())}
            index = [where[label] for label in classes.tolist()]
            cost_matrix = cost_matrix[np.ix_(index, index)]
        y_pred = bayes_decision(_posterior(estimator, X), cost_matrix, classes)
        return -expected_cost(
            y_true,
            y_pred,
            self.cost_matrix,
            labels=labels,
            sample_weight=sample_weight,
        )

    def __repr__(self):
        return (
            f"make_cost_scorer(cost_matrix={self.cost_matrix.tolist()}, "
            f"labels={None if self.labels is None else self.labels.tolist()}, "
            "response='bayes')"
        )


@validate_params(
    {
        "cost_matrix": ["array-like"],
        "labels": [None, "array-like"],
        "response": [StrOptions({"predict", "bayes"})],
    },
    prefer_skip_nested_validation=True,
)
def make_cost_scorer(cost_matrix, *, labels=None, response="predict"):
    """A scikit-learn scorer from a cost matrix: the negative expected cost.

    Higher is better, as model selection expects: the scorer returns
    ``-expected_cost(y_true, decisions, cost_matrix)``.

    Parameters
    ----------
    cost_matrix : array-like of shape (n_classes, n_classes)
        ``cost_matrix[k, j]`` is the cost of deciding class ``j`` when the truth
        is class ``k``, classes ordered like ``labels`` (default: sorted, as in
        ``estimator.classes_``).
    labels : array-like of shape (n_classes,), default=None
        The classes that index ``cost_matrix``. ``None`` means the sorted labels:
        those present in the scored fold for ``response="predict"``, the
        estimator's ``classes_`` for ``response="bayes"``. Pass them when a
        cross-validation fold may lack a class entirely.
    response : {"predict", "bayes"}, default="predict"
        What the scored decisions are.

        - ``"predict"``: the estimator's own ``predict(X)``. The scorer is
          built by :func:`sklearn.metrics.make_scorer` (from
          :func:`expected_cost`, ``greater_is_better=False``), so it also
          drives :class:`~sklearn.model_selection.TunedThresholdClassifierCV`,
          which then finds the cost-minimising binary threshold.
        - ``"bayes"``: :func:`bayes_decision` on the estimator's probabilities,
          i.e. the decisions the cost matrix itself calls for, whatever the
          estimator's ``predict`` does. The probabilities come from
          ``predict_posterior(X)`` when the estimator has that method (all
          imbweight classifiers; also looked up on the final step of a
          :class:`~sklearn.pipeline.Pipeline`), since that undoes the
          distortion of class weights and focal loss, and from
          ``predict_proba(X)`` otherwise. This scorer is a plain
          ``scorer(estimator, X, y_true, sample_weight=None)`` callable; it
          works in :class:`~sklearn.model_selection.GridSearchCV` and
          :func:`~sklearn.model_selection.cross_val_score`, but not in
          ``TunedThresholdClassifierCV`` (which decides by threshold, not by
          the cost matrix).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true, sample_weight=None)`` returning the
        negative expected cost per sample.

    See Also
    --------
    expected_cost : The cost being scored.
    bayes_decision : The decision rule of ``response="bayes"``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from imbweight.metrics import make_cost_scorer
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> scorer = make_cost_scorer([[0, 1], [10, 0]])  # a miss costs 10
    >>> search = GridSearchCV(
    ...     LogisticRegression(),
    ...     {"class_weight": [None, "balanced"]},
    ...     scoring=scorer,
    ... ).fit(X, y)
    >>> search.best_params_
    {'class_weight': 'balanced'}
    >>> search.cv_results_["mean_test_score"].round(3)  # minus the mean cost
    array([-0.553, -0.357])

    The binary threshold that minimises the cost:

    >>> from sklearn.model_selection import TunedThresholdClassifierCV
    >>> tuned = TunedThresholdClassifierCV(LogisticRegression(), scoring=scorer)
    >>> print(round(tuned.fit(X, y).best_threshold_, 2))
    0.14

    Deciding by the cost matrix instead of by ``predict``:

    >>> bayes = make_cost_scorer([[0, 1], [10, 0]], response="bayes")
    >>> model = LogisticRegression().fit(X, y)
    >>> bayes(model, X, y) > scorer(model, X, y)
    True
    """
    cost_matrix = _check_cost_matrix(cost_matrix)
    if labels is not None:
        labels = column_or_1d(labels)
        _check_cost_matrix(cost_matrix, labels.shape[0])
    if response == "bayes":
        return _BayesCostScorer(cost_matrix, labels)
    return make_scorer(
        expected_cost,
        greater_is_better=False,
        response_method="predict",
        cost_matrix=cost_matrix,
        labels=labels,
    )


# ---------------------------------------------------------------------- report
def _brier(y_true, proba, labels, sample_weight):
    """Brier score: binary mean of (y - p)², multiclass sum over classes."""
    if labels.shape[0] == 2:
        return brier_score_loss(
            y_true, proba[:, 1], pos_label=labels[1], sample_weight=sample_weight
        )
    if _BRIER_HANDLES_MULTICLASS:
        return brier_score_loss(
            y_true, proba, labels=labels, sample_weight=sample_weight
        )
    return _multiclass_brier(y_true, proba, labels, sample_weight)


def _multiclass_brier(y_true, proba, labels, sample_weight):
    """``brier_score_loss(..., labels=labels)`` for scikit-learn < 1.7."""
    one_hot = np.asarray(y_true)[:, np.newaxis] == labels[np.newaxis, :]
    return float(
        np.average(np.sum((one_hot - proba) ** 2, axis=1), weights=sample_weight)
    )


_PER_CLASS = ("precision", "recall", "specificity", "f1", "support")


@dataclass(eq=False)
class ImbalancedReport:
    """What :func:`imbalanced_report` returns.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    scores : dict of str to float
        Whole-problem metrics, in this order, each present only when its inputs
        were given: ``"pr_auc"``, ``"roc_auc"``, ``"brier"``, ``"log_loss"``
        (need ``proba``); ``"balanced_accuracy"``, ``"macro_f1"``, ``"g_mean"``,
        ``"mcc"``; ``"expected_cost"`` (needs ``cost_matrix``). A metric
        scikit-learn finds undefined on the data (ROC-AUC when ``y_true``
        holds one class) is left out, never NaN.
    per_class : dict of str to ndarray of shape (n_classes,)
        ``"precision"``, ``"recall"``, ``"specificity"``, ``"f1"``,
        ``"support"`` (the summed sample weight of each true class) and, with
        ``proba``, ``"pr_auc"`` (one-vs-rest average precision); entry ``i``
        belongs to ``labels[i]``.
    labels : ndarray of shape (n_classes,)
        The classes, in the order of the ``proba`` and cost matrix columns.
    decision : {"given", "argmax", "bayes"}
        Where the decisions came from: ``y_pred``, the most probable class, or
        :func:`bayes_decision` under the cost matrix.
    pos_label : label or None
        Binary problems with ``proba``: the class whose average precision is
        ``scores["pr_auc"]``; ``None`` otherwise.

    Examples
    --------
    >>> from imbweight.metrics import imbalanced_report
    >>> report = imbalanced_report(["a", "a", "a", "b"], ["a", "a", "b", "b"])
    >>> report.labels
    array(['a', 'b'], dtype='<U1')
    >>> report.scores["balanced_accuracy"], report.per_class["precision"]
    (0.833..., array([1. , 0.5]))
    """

    scores: dict
    per_class: dict
    labels: np.ndarray
    decision: str = field(default="given")
    pos_label: object = None

    def to_frame(self):
        """The per-class table as a :class:`pandas.DataFrame`, one row a class.

        Requires pandas; ``pandas.Series(report.scores)`` gives the scores.

        Returns
        -------
        frame : pandas.DataFrame
            Indexed by class label, one column per per-class metric.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test extra
            raise ImportError(
                "ImbalancedReport.to_frame requires pandas (pip install pandas); "
                "the same numbers are in report.per_class."
            ) from exc
        return pd.DataFrame(self.per_class, index=pd.Index(self.labels, name="class"))

    def __str__(self):
        width = max(len(name) for name in self.scores)
        lines = [f"{name:<{width}}  {value:.4f}" for name, value in self.scores.items()]
        first = max(5, *(len(str(label)) for label in self.labels))
        widths = {name: max(9, len(name)) for name in self.per_class}
        header = "  ".join(f"{name:>{w}}" for name, w in widths.items())
        lines += ["", f"{'class':<{first}}  {header}"]
        for i, label in enumerate(self.labels):
            cells = "  ".join(
                f"{self.per_class[name][i]:>{w}.{'4g' if name == 'support' else '4f'}}"
                for name, w in widths.items()
            )
            lines.append(f"{label!s:<{first}}  {cells}")
        return "\n".join(lines)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": [None, "array-like"],
        "proba": [None, "array-like"],
        "cost_matrix": [None, "array-like"],
        "labels": [None, "array-like"],
        "pos_label": "no_validation",
        "sample_weight": [None, "array-like"],
        "zero_division": [Options(Real, {0.0, 1.0}), "nan"],
    },
    prefer_skip_nested_validation=True,
)
def imbalanced_report(
    y_true,
    y_pred=None,
    *,
    proba=None,
    cost_matrix=None,
    labels=None,
    pos_label=None,
    sample_weight=None,
    zero_division=0.0,
):
    """Evaluate a classifier on an imbalanced problem, in one call.

    Every number is computed by scikit-learn or imbalanced-learn; this function
    only chooses them, aligns their arguments (labels, positive class, sample
    weights) and collects the results.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (binary or multiclass).
    y_pred : array-like of shape (n_samples,), default=None
        Decisions. ``None`` derives them from ``proba``: by
        :func:`bayes_decision` when ``cost_matrix`` is given, else the most
        probable class.
    proba : array-like of shape (n_samples, n_classes), default=None
        Predicted class probabilities, one column per class in the order of
        ``labels`` (``predict_proba`` or ``predict_posterior``). The
        probability metrics are computed only when it is given.
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        ``cost_matrix[k, j]``, the cost of deciding ``labels[j]`` when the
        truth is ``labels[k]``; adds ``"expected_cost"`` to the scores.
    labels : array-like of shape (n_classes,), default=None
        The classes, ordered like the ``proba`` and cost matrix columns, e.g.
        ``estimator.classes_``. ``None`` means the sorted labels present in
        ``y_true`` and ``y_pred``.
    pos_label : label, default=None
        Binary problems only: the class whose average precision is the
        headline ``"pr_auc"``. ``None`` means the minority class of ``y_true``
        (the smaller total sample weight; ``labels[1]`` on a tie), whichever
        way the labels sort: ``"yes"`` in a "no"/"yes" problem, but also
        ``"churn"`` in a "churn"/"stay" one.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, passed to every metric.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        The precision (recall, F1) of a class that is never predicted (never
        true), as in :func:`sklearn.metrics.precision_recall_fscore_support`,
        but without its warning.

    Returns
    -------
    report : ImbalancedReport
        ``report.scores``, a dict of floats (the metrics that could be computed
        from what was given; the others are absent, not NaN);
        ``report.per_class``, a dict of per-class arrays; ``report.labels``;
        ``report.to_frame()`` for a :class:`pandas.DataFrame`; ``print(report)``
        for a text table.

    See Also
    --------
    imblearn.metrics.classification_report_imbalanced : Per-class table only.

    Notes
    -----
    The scores and where they come from (``w`` is ``sample_weight``):

    ========================  =================================================
    ``pr_auc``                :func:`~sklearn.metrics.average_precision_score`
                              of ``pos_label`` (binary) or the unweighted
                              mean of the one-vs-rest values (multiclass).
    ``roc_auc``               :func:`~sklearn.metrics.roc_auc_score`; binary on
                              the positive column, multiclass one-vs-rest,
                              macro.
    ``brier``                 :func:`~sklearn.metrics.brier_score_loss`: binary
                              mean of ``(y - p)²`` in [0, 1]; multiclass the
                              sum over classes, in [0, 2].
    ``log_loss``              :func:`~sklearn.metrics.log_loss`.
    ``balanced_accuracy``     :func:`~sklearn.metrics.balanced_accuracy_score`.
    ``macro_f1``              unweighted mean of the per-class F1.
    ``g_mean``                :func:`imblearn.metrics.geometric_mean_score`,
                              the geometric mean of the per-class recalls.
    ``mcc``                   :func:`~sklearn.metrics.matthews_corrcoef`.
    ``expected_cost``         :func:`expected_cost`, per sample.
    ========================  =================================================

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.metrics import imbalanced_report
    >>> y_true = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    >>> proba1 = np.array([0.1, 0.2, 0.1, 0.3, 0.6, 0.2, 0.7, 0.4])
    >>> proba = np.column_stack([1 - proba1, proba1])
    >>> report = imbalanced_report(y_true, proba=proba, cost_matrix=[[0, 1], [4, 0]])
    >>> report.decision
    'bayes'
    >>> print(report)
    pr_auc             0.8333
    roc_auc            0.9167
    brier              0.1250
    log_loss           0.4004
    balanced_accuracy  0.8333
    macro_f1           0.7333
    g_mean             0.8165
    mcc                0.5774
    expected_cost      0.2500
    <BLANKLINE>
    class  precision     recall  specificity         f1    support     pr_auc
    0         1.0000     0.6667       1.0000     0.8000          6     0.9762
    1         0.5000     1.0000       0.6667     0.6667          2     0.8333
    >>> report.per_class["recall"]
    array([0.666..., 1. ])
    >>> report.to_frame().loc[1, ["precision", "recall"]].tolist()
    [0.5, 1.0]
    """
    # type_of_target sorts the labels: say clearly when they cannot be sorted.
    _unique_labels(*(y for y in (y_true, y_pred) if y is not None))
    target = type_of_target(y_true, input_name="y_true")
    if target not in ("binary", "multiclass"):
        raise ValueError(
            "imbalanced_report supports binary and multiclass targets; y_true is "
            f"{target!r}."
        )
    y_true = column_or_1d(y_true)
    if y_pred is None and proba is None:
        raise ValueError("imbalanced_report needs y_pred, proba or both; got none.")

    if proba is not None:
        proba = _check_proba(proba)
        check_consistent_length(y_true, proba)
    if y_pred is not None:
        y_pred = column_or_1d(y_pred)
        check_consistent_length(y_true, y_pred)
    labels = _resolve_labels(y_true, y_true if y_pred is None else y_pred, labels)
    n_classes = labels.shape[0]
    if n_classes < 2:
        raise ValueError(
            f"imbalanced_report needs at least two classes; got labels="
            f"{labels.tolist()}. Pass labels=estimator.classes_."
        )
    if proba is not None and proba.shape[1] != n_classes:
        raise ValueError(
            f"proba has {proba.shape[1]} columns but there are {n_classes} "
            f"labels {labels.tolist()}; pass labels=estimator.classes_ (the "
            "classes in the order of the proba columns)."
        )
    if cost_matrix is not None:
        cost_matrix = _check_cost_matrix(cost_matrix, n_classes)
    if y_true.shape[0] == 0:
        raise ValueError("imbalanced_report needs at least one sample; got none.")
    if pos_label is not None:
        if n_classes > 2:
            raise ValueError(
                f"pos_label applies to binary problems; there are {n_classes} "
                f"labels {labels.tolist()}."
            )
        if pos_label not in labels.tolist():
            raise ValueError(
                f"pos_label={pos_label!r} is not one of labels={labels.tolist()}."
            )

    decision = "given"
    if y_pred is None:
        if cost_matrix is not None:
            y_pred, decision = bayes_decision(proba, cost_matrix, labels), "bayes"
        else:
            y_pred, decision = labels[np.argmax(proba, axis=1)], "argmax"

    scores = {}
    per_class = {}
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    _, specificity, _ = sensitivity_specificity_support(
        y_true, y_pred, labels=labels, average=None, sample_weight=sample_weight
    )
    if sample_weight is not None:
        # Support as the summed weight of each true class, not a raw count.
        support = confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight
        ).sum(axis=1)
    per_class = dict(
        precision=precision,
        recall=recall,
        specificity=specificity,
        f1=f1,
        support=support,
    )

    if proba is not None:
        one_hot = (y_true[:, np.newaxis] == labels[np.newaxis, :]).astype(int)
        per_class["pr_auc"] = average_precision_score(
            one_hot, proba, average=None, sample_weight=sample_weight
        )
        if n_classes == 2:
            if pos_label is None:
                # The minority; labels[1] on a tie.
                pos_label = labels[int(support[1] <= support[0])]
            scores["pr_auc"] = per_class["pr_auc"][labels.tolist().index(pos_label)]
            scores["roc_auc"] = roc_auc_score(
                one_hot[:, 1], proba[:, 1], sample_weight=sample_weight
            )
        # scikit-learn's probability metrics read the columns of proba in
        # sorted label order, whatever order labels are given in.
        order = np.argsort(labels)
        sorted_labels, sorted_proba = labels[order], proba[:, order]
        if n_classes > 2:
            scores["pr_auc"] = np.mean(per_class["pr_auc"])
            scores["roc_auc"] = roc_auc_score(
                y_true,
                sorted_proba,
                multi_class="ovr",
                average="macro",
                labels=sorted_labels,
                sample_weight=sample_weight,
            )
        scores["brier"] = _brier(y_true, sorted_proba, sorted_labels, sample_weight)
        scores["log_loss"] = log_loss(
            y_true, sorted_proba, labels=sorted_labels, sample_weight=sample_weight
        )

    scores["balanced_accuracy"] = balanced_accuracy_score(
        y_true, y_pred, sample_weight=sample_weight
    )
    scores["macro_f1"] = np.mean(f1)
    scores["g_mean"] = geometric_mean_score(
        y_true, y_pred, labels=labels, average="multiclass", sample_weight=sample_weight
    )
    scores["mcc"] = matthews_corrcoef(y_true, y_pred, sample_weight=sample_weight)
    if cost_matrix is not None:
        scores["expected_cost"] = expected_cost(
            y_true, y_pred, cost_matrix, labels=labels, sample_weight=sample_weight
        )
    return ImbalancedReport(
        # A metric scikit-learn finds undefined here (it warns) is left out.
        scores={
            name: float(value) for name, value in scores.items() if not np.isnan(value)
        },
        per_class=per_class,
        labels=labels,
        decision=decision,
        pos_label=pos_label,
    )
