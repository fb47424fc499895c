"""The cross-validation runner of ``imbweight compare``.

Nothing in :mod:`imbweight._compare` parses arguments or prints:
:mod:`imbweight.cli` does that, and turns the errors raised here into
one-line messages.

Conventions
-----------
The data are a :class:`~imbweight._compare.Dataset`. Every strategy (see
:mod:`~imbweight._compare._strategies`), and the constant predictor, is
fitted on the same splits: ``n_repeats`` repetitions of ``n_splits``
stratified folds, each repetition shuffled by its own seed. On each
held-out fold a strategy gives its own probabilities (``predict_proba``),
the recovered posteriors (:func:`imbweight.posterior_proba`) and its
decisions under the decision rule of the metric
(:mod:`~imbweight._compare._rules`); these are scored fold by fold
(:mod:`~imbweight._compare._scores`), and the probabilities of the first
repetition are kept, out of fold, for the figures. Columns are ordered like
``classes`` (the sorted labels). The *minority* class is the smallest (the
last of the smallest in sorted order on a tie). Classes that do not allow
the folds asked for raise :class:`ClassSizeError`; a comparison in which
every strategy failed raises :class:`NoStrategyFitted`; anything else is a
bug.
"""

import warnings
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from imbweight._compare import _rules
from imbweight._compare._data import Dataset
from imbweight._compare._recommend import recommend
from imbweight._compare._scores import METRICS, RANKABLE, fold_scores
from imbweight._compare._strategies import Strategy, make_strategies, minority_class
from imbweight._posterior import posterior_proba

__all__ = [
    "DEFAULT_CV",
    "ClassSizeError",
    "Comparison",
    "NoStrategyFitted",
    "check_classes",
    "compare",
    "default_repeats",
    "refit",
]

DEFAULT_CV = 5
"""Folds of the stratified cross-validation when the user sets none."""

# Repetitions of the cross-validation when the user sets none: small data
# are where the split of the rows moves the scores most, and where fits are
# cheap; above _FEW_ROWS rows one repetition keeps the run short.
_SMALL_DATA_REPEATS = 2
_FEW_ROWS = 5_000


class ClassSizeError(ValueError):
    """The classes of a target do not allow the cross-validation asked for.

    When the problem is too few samples for the folds asked for, ``label``,
    ``size`` and ``n_splits`` say which class, how many samples and how many
    folds; otherwise they are ``None``.
    """

    def __init__(self, message, *, label=None, size=None, n_splits=None):
        super().__init__(message)
        self.label, self.size, self.n_splits = label, size, n_splits


class NoStrategyFitted(RuntimeError):
    """Every strategy failed on the data; the message quotes the first error."""


def check_classes(y, cv=None, *, target="target"):
    """Classes and counts of ``y``, and the number of folds to use.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    cv : int or None, default=None
        Folds asked for. ``None`` means :data:`DEFAULT_CV`, lowered to the
        size of the smallest class when that is smaller.
    target : str, default="target"
        The target's name, for the messages.

    Returns
    -------
    classes : ndarray
        Sorted labels.
    counts : ndarray of int
        Samples per class.
    n_splits : int
        Folds of the stratified cross-validation.

    Raises
    ------
    ClassSizeError
        If ``y`` has a single class, a class of one sample, or a class with
        fewer samples than ``cv`` folds.

    Examples
    --------
    >>> from imbweight._compare import check_classes
    >>> check_classes(["a"] * 9 + ["b"] * 3)
    (array(['a', 'b'], dtype='<U1'), array([9, 3]), 3)
    >>> check_classes(["a"] * 9 + ["b"] * 3, cv=5)
    Traceback (most recent call last):
    ...
    imbweight._compare._runner.ClassSizeError: class 'b' has 3 samples, fewer than ...
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    if classes.size < 2:
        raise ClassSizeError(
            f"the target {target!r} has a single class ({classes[0].item()!r}, "
            f"{counts[0]} samples): there is nothing to classify"
        )
    smallest = int(np.argmin(counts))
    label, size = classes[smallest].item(), int(counts[smallest])
    if size < 2:
        raise ClassSizeError(
            f"class {label!r} of the target {target!r} has a single sample: "
            "cross-validation needs at least 2 per class; drop or merge it"
        )
    if cv is None:
        return classes, counts, min(DEFAULT_CV, size)
    if size < cv:
        raise ClassSizeError(
            f"class {label!r} has {size} samples, fewer than the {cv} folds "
            f"asked for: use {size} folds or fewer, or drop or merge the class",
            label=label,
            size=size,
            n_splits=cv,
        )
    return classes, counts, cv


def default_repeats(n_samples):
    """Repetitions of the cross-validation when the user sets none.

    Two below 5,000 rows, where the split of the data moves the scores most
    and fits are quick; one above.

    Examples
    --------
    >>> from imbweight._compare import default_repeats
    >>> default_repeats(1484), default_repeats(300_000)
    (2, 1)
    """
    return _SMALL_DATA_REPEATS if n_samples < _FEW_ROWS else 1


def _fit_predict(decider, rule, X, y, train, test):
    """Fit a clone on ``train``; on ``test``: probabilities, posteriors, decisions.

    Also the fit time and the warnings raised. A strategy that fails on some
    data (say, SGD diverging) must not end the whole comparison: its error
    becomes a message and the predictions ``None``.

    BLAS and OpenMP run on one thread: these models are too small to gain
    from more, and idle OpenBLAS threads slow every small matrix product
    several fold. Parallelism comes from running fits side by side
    (``n_jobs``).
    """
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = perf_counter()
        failure = []
        try:
            fitted = clone(decider).fit(X[train], y[train])
            model = _rules.fitted_model(fitted, rule)
            X_test = X[test]
            predictions = (
                model.predict_proba(X_test),
                posterior_proba(model, X_test),
                fitted.predict(X_test),
            )
        except Exception as exc:  # reported, not raised: see the docstring
            predictions = None
            failure = [f"failed, left out: {type(exc).__name__}: {exc}"]
        fit_time = perf_counter() - start
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    return predictions, fit_time, failure + messages


@dataclass
class Comparison:
    """What :func:`compare` returns: every score, and the held-out predictions.

    :mod:`imbweight._compare._report` turns it into a table, files and
    figures.

    Attributes
    ----------
    dataset : Dataset
        The data compared on.
    classes : ndarray
        Sorted class labels; the columns of ``proba``.
    counts : ndarray of int
        Samples per class.
    minority : object
        The smallest class.
    n_splits : int
        Folds of each repetition of the stratified cross-validation.
    n_repeats : int
        Repetitions, each with its own shuffle of the rows.
    seed : int
        Seed of the folds, SMOTE, SGD and LightGBM.
    metric : str
        The metric ranked by, a key of :data:`~imbweight._compare.METRICS`.
    rule : str
        The decision rule of the decision metrics, a key of
        :data:`~imbweight._compare._rules.RULES`.
    cost_matrix : ndarray or None
        Rows the true class, columns the decision, ordered like ``classes``.
    strategies : list of Strategy
        In the order of the ranking: best mean ``metric`` first.
    scores : dict
        Strategy name to metric name to an array of one score per split
        (``n_repeats * n_splits``, repetition by repetition).
    constant : dict
        Metric name to the per-split scores of the constant predictor.
    proba : dict
        Strategy name to its own out-of-fold probabilities
        (``predict_proba``) in the first repetition, of shape
        ``(n_samples, n_classes)``.
    posterior : dict
        The same for the recovered posteriors.
    fit_time : dict
        Strategy name to the seconds each split's fit took.
    recommendation : Recommendation
        The strategy recommended, and why.
    notes : list of str
        Warnings raised while fitting, one line per strategy and message;
        also the errors of strategies that failed, which are left out.
    figures : dict
        The PNG files of the figures, by file name, once drawn (the report
        draws each once and uses it twice).
    """

    dataset: Dataset
    classes: np.ndarray
    counts: np.ndarray
    minority: object
    n_splits: int
    n_repeats: int
    seed: int
    metric: str
    rule: str
    cost_matrix: object
    strategies: list
    scores: dict
    constant: dict
    proba: dict
    posterior: dict
    fit_time: dict
    recommendation: object
    notes: list = field(default_factory=list)
    figures: dict = field(default_factory=dict, repr=False)

    @property
    def recommended(self):
        """The recommended strategy."""
        return self.strategy(self.recommendation.name)

    def strategy(self, name):
        """The strategy called ``name``."""
        return next(s for s in self.strategies if s.name == name)

    def tied_with_recommended(self):
        """Strategies within noise of the best, other than the recommended one.

        Returns
        -------
        names : list of str
            In ranking order.
        """
        return [
            name
            for name in self.recommendation.tied
            if name != self.recommendation.name
        ]

    @property
    def binary(self):
        """Whether there are two classes."""
        return self.classes.size == 2


def _check_metric(metric, cost_matrix, classes):
    if metric not in RANKABLE:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(RANKABLE)}")
    if metric == "expected_cost" and cost_matrix is None:
        raise ValueError("the metric 'expected_cost' needs a cost matrix")
    if metric == "f1" and classes.size != 2:
        raise ValueError(
            f"the metric 'f1' tunes a threshold between two classes; the target "
            f"has {classes.size}"
        )
    if cost_matrix is not None:
        cost_matrix = np.asarray(cost_matrix, dtype=float)
        if cost_matrix.shape != (classes.size, classes.size):
            raise ValueError(
                f"the cost matrix must be {classes.size} x {classes.size}, one row "
                f"and column per class; got shape {cost_matrix.shape}"
            )
    return cost_matrix


def _inner_folds(rule, y, folds, classes):
    """Folds of the threshold's inner cross-validation; refuse too few rows."""
    if rule != "threshold":
        return 0
    smallest = min(
        np.unique(y[train], return_counts=True)[1].min() for train, _ in folds
    )
    n_inner = _rules.inner_folds(smallest)
    if n_inner < 2:
        raise ClassSizeError(
            f"a training fold holds {smallest} row(s) of a class: tuning a "
            "threshold needs at least 2; use fewer folds"
        )
    return n_inner


def compare(
    dataset,
    *,
    cv=None,
    n_repeats=None,
    seed=0,
    metric="pr_auc",
    cost_matrix=None,
    strategies=None,
    n_jobs=None,
    progress=None,
    warn=None,
):
    """Cross-validate every strategy of :func:`make_strategies` on ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        The data.
    cv : int or None, default=None
        Folds of the stratified cross-validation; ``None`` means
        :data:`DEFAULT_CV`, or the size of the smallest class if smaller.
    n_repeats : int or None, default=None
        Repetitions of the cross-validation; ``None`` is
        :func:`default_repeats`.
    seed : int, default=0
        Seed of the folds (shuffled), SMOTE, SGD and LightGBM.
    metric : str, default="pr_auc"
        The metric to rank by, one of :data:`~imbweight._compare.RANKABLE`;
        it also sets the decision rule.
    cost_matrix : array-like of shape (n_classes, n_classes) or None
        Costs of the decisions (rows the true class, columns the decision,
        ordered like the sorted classes); adds the expected cost to the
        scores. Needed by ``metric="expected_cost"``.
    strategies : list of str or None, default=None
        Names of the strategies to compare; ``None`` is the default set.
    n_jobs : int or None, default=None
        Fits run in parallel, as in scikit-learn (``-1``: all cores).
    progress : callable or None, default=None
        Called as ``progress(done, total)`` after each fit.
    warn : callable or None, default=None
        Called with a one-line message when the number of folds is lowered;
        ``None`` issues a :class:`UserWarning`.

    Returns
    -------
    comparison : Comparison
        The strategies ranked by mean ``metric`` (ties by Brier score),
        with their scores per split, their out-of-fold probabilities and
        the recommendation.

    Raises
    ------
    ClassSizeError
        If the classes do not allow ``cv`` stratified folds.
    NoStrategyFitted
        If every strategy failed on every fold.
    ValueError
        For an unknown metric or strategy, or a metric the target or the
        costs cannot support.

    Examples
    --------
    >>> from imbweight._compare import compare, load_builtin, table
    >>> result = compare(
    ...     load_builtin("glass5"), cv=3, n_repeats=1, strategies=["logreg", "balanced"]
    ... )
    >>> len(result.strategies), result.posterior["logreg"].shape
    (2, (214, 2))
    >>> print(table(result).splitlines()[0])
    glass5: 214 samples, 9 features, 2 classes (0: 205, 1: 9); minority class 1
    """
    if warn is None:
        warn = partial(warnings.warn, category=UserWarning, stacklevel=2)
    classes, counts, n_splits = check_classes(dataset.y, cv)
    cost_matrix = _check_metric(metric, cost_matrix, classes)
    if cv is None and n_splits < DEFAULT_CV:
        warn(
            f"the smallest class has {counts.min()} samples: using {n_splits}-fold "
            f"cross-validation instead of {DEFAULT_CV}"
        )
    if n_repeats is None:
        n_repeats = default_repeats(dataset.y.size)
    minority = minority_class(classes, counts)
    rule = _rules.rule_of(metric)
    chosen = make_strategies(dataset, seed=seed, names=strategies)
    constant = Strategy(_rules.CONSTANT, "", _rules.constant_predictor(seed))
    folds = list(
        RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=seed
        ).split(dataset.X, dataset.y)
    )
    decide = partial(
        _rules.with_decisions,
        rule=rule,
        classes=classes,
        minority=minority,
        cost_matrix=cost_matrix,
        seed=seed,
        n_inner=_inner_folds(rule, dataset.y, folds, classes),
    )
    everything = [*chosen, constant]
    tasks = [(s, f) for s in range(len(everything)) for f in range(len(folds))]
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    outputs = parallel(
        delayed(_fit_predict)(
            decide(everything[s].estimator), rule, dataset.X, dataset.y, *folds[f]
        )
        for s, f in tasks
    )
    shape = (dataset.y.size, classes.size)
    proba = {s.name: np.zeros(shape) for s in everything}
    posterior = {s.name: np.zeros(shape) for s in everything}
    scores = {s.name: {} for s in everything}
    fit_time = {s.name: np.zeros(len(folds)) for s in everything}
    notes, failed = {}, set()
    for done, ((s, f), (predictions, seconds, messages)) in enumerate(
        zip(tasks, outputs, strict=True), start=1
    ):
        name, test = everything[s].name, folds[f][1]
        for message in messages:
            notes.setdefault((name, message), set()).add(f)
        if progress is not None:
            progress(done, len(tasks))
        if predictions is None:
            failed.add(name)
            continue
        raw, recovered, decisions = predictions
        if f < n_splits:  # the first repetition: kept for the figures
            proba[name][test], posterior[name][test] = raw, recovered
        fit_time[name][f] = seconds
        fold = fold_scores(
            dataset.y[test], recovered, raw, decisions, classes, minority, cost_matrix
        )
        for key, value in fold.items():
            scores[name].setdefault(key, np.zeros(len(folds)))[f] = value
    if _rules.CONSTANT in failed:  # pragma: no cover - a DummyClassifier
        raise RuntimeError(next(m for (n, m) in notes if n == _rules.CONSTANT))
    if failed.issuperset(s.name for s in chosen):
        raise NoStrategyFitted(
            "every strategy failed; the first error: "
            + next(message for _, message in notes if message.startswith("failed"))
        )
    chosen = [s for s in chosen if s.name not in failed]
    constant_scores = scores[_rules.CONSTANT]
    for table in (proba, posterior, scores, fit_time):
        for name in [*failed, _rules.CONSTANT]:
            table.pop(name, None)
    comparison = Comparison(
        dataset=dataset,
        classes=classes,
        counts=counts,
        minority=minority,
        n_splits=n_splits,
        n_repeats=n_repeats,
        seed=seed,
        metric=metric,
        rule=rule,
        cost_matrix=cost_matrix,
        strategies=chosen,
        scores=scores,
        constant=constant_scores,
        proba=proba,
        posterior=posterior,
        fit_time=fit_time,
        recommendation=None,
        notes=[
            f"{name}: {message.splitlines()[0]} (in {len(fs)} of {len(folds)} fits)"
            for (name, message), fs in notes.items()
            if name != _rules.CONSTANT
        ],
    )
    rank(comparison)
    return comparison


def rank(comparison):
    """Order ``comparison.strategies`` by mean metric and set its recommendation.

    The best mean first (ties by the Brier score of the posteriors); then
    :func:`~imbweight._compare._recommend.recommend`.
    """
    metric = METRICS[comparison.metric]
    sign = -1.0 if metric.greater_is_better else 1.0
    scores = comparison.scores

    def key(strategy):
        values = scores[strategy.name]
        return sign * np.mean(values[comparison.metric]), np.mean(values["brier"])

    comparison.strategies = sorted(comparison.strategies, key=key)
    comparison.recommendation = recommend(
        [s.name for s in comparison.strategies],
        scores,
        comparison.metric,
        title=metric.title,
        greater_is_better=metric.greater_is_better,
        n_splits=comparison.n_splits,
        simplicity={s.name: s.simplicity for s in comparison.strategies},
        minority=comparison.minority.item(),
        constant=comparison.constant,
    )


def decision_estimator(comparison, name=None):
    """The strategy ``name`` (default: the recommended one) under the comparison's
    decision rule, unfitted: what :func:`refit` fits.

    Parameters
    ----------
    comparison : Comparison
        What :func:`compare` returned.
    name : str or None, default=None
        A strategy of the comparison.

    Returns
    -------
    estimator : estimator
        The strategy's pipeline, wrapped for ``--metric f1`` in a
        :class:`~sklearn.model_selection.TunedThresholdClassifierCV` and for
        the expected cost in a :class:`~imbweight.CostSensitiveClassifier`.
    """
    strategy = comparison.strategy(name or comparison.recommendation.name)
    return _rules.with_decisions(
        strategy.estimator,
        comparison.rule,
        classes=comparison.classes,
        minority=comparison.minority,
        cost_matrix=comparison.cost_matrix,
        seed=comparison.seed,
        n_inner=_rules.inner_folds(comparison.counts.min()),
    )


def refit(comparison, name=None):
    """:func:`decision_estimator` fitted on all the data of the comparison.

    Returns
    -------
    estimator : estimator
        Fitted on ``comparison.dataset`` (its ``X``, the features as read).

    Examples
    --------
    >>> from imbweight._compare import compare, load_builtin, refit
    >>> result = compare(load_builtin("glass5"), cv=3, strategies=["balanced"])
    >>> model = refit(result)
    >>> model.predict(result.dataset.X[:3])
    array([0, 0, 0])
    """
    dataset = comparison.dataset
    return clone(decision_estimator(comparison, name)).fit(dataset.X, dataset.y)
