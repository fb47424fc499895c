"""The cross-validation runner of ``imbweight compare``.

Nothing in :mod:`imbweight._compare` parses arguments or prints:
:mod:`imbweight.cli` does that, and turns the errors raised here into
one-line messages.

Conventions
-----------
The data are a :class:`~imbweight._compare.Dataset`. Every strategy (see
:mod:`~imbweight._compare._strategies`) is fitted on the same stratified
folds; the probabilities it predicts on each held-out fold are gathered into
one out-of-fold array per strategy, ordered like ``classes`` (the sorted
labels), and scored fold by fold (:mod:`~imbweight._compare._scores`). The
*minority* class is the smallest (the last of the smallest in sorted order on
a tie). Classes that do not allow the folds asked for raise
:class:`ClassSizeError`; a comparison in which every strategy failed raises
:class:`NoStrategyFitted`; anything else is a bug.
"""

import warnings
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from imbweight._compare._data import Dataset
from imbweight._compare._scores import RANKED_BY, fold_scores
from imbweight._compare._strategies import make_strategies, minority_class

__all__ = [
    "DEFAULT_CV",
    "ClassSizeError",
    "Comparison",
    "NoStrategyFitted",
    "check_classes",
    "compare",
]

DEFAULT_CV = 5
"""Folds of the stratified cross-validation when the user sets none."""


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


def _fit_predict(estimator, X, y, train, test):
    """Fit a clone on ``train``; its probabilities on ``test``, fit time, warnings.

    A strategy that fails on some data (say, SGD diverging) must not end the
    whole comparison: its error becomes a message and the probabilities
    ``None``.

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
            model = clone(estimator).fit(X[train], y[train])
            proba = model.predict_proba(X[test])
        except Exception as exc:  # reported, not raised: see the docstring
            proba = None
            failure = [f"failed, left out: {type(exc).__name__}: {exc}"]
        fit_time = perf_counter() - start
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    return proba, fit_time, failure + messages


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
        Folds of the stratified cross-validation.
    seed : int
        Seed of the folds, SMOTE and SGD.
    strategies : list of Strategy
        In the order of the ranking: best mean PR-AUC first.
    scores : dict
        Strategy name to metric name to an array of one score per fold.
    proba : dict
        Strategy name to its out-of-fold probabilities, of shape
        ``(n_samples, n_classes)``.
    fit_time : dict
        Strategy name to the seconds each fold's fit took.
    notes : list of str
        Warnings raised while fitting, one line per strategy and message;
        also the errors of strategies that failed, which are left out.
    """

    dataset: Dataset
    classes: np.ndarray
    counts: np.ndarray
    minority: object
    n_splits: int
    seed: int
    strategies: list
    scores: dict
    proba: dict
    fit_time: dict
    notes: list = field(default_factory=list)

    @property
    def recommended(self):
        """The strategy ranked first."""
        return self.strategies[0]

    def tied_with_recommended(self):
        """Strategies whose PR-AUC is within noise of the recommended one's.

        Both were scored on the same folds: a strategy is tied when the mean
        of its per-fold PR-AUC deficit is at most twice the standard error
        of that mean.

        Returns
        -------
        names : list of str
            In ranking order, without the recommended strategy.
        """
        best = self.scores[self.recommended.name][RANKED_BY]
        tied = []
        for strategy in self.strategies[1:]:
            deficit = best - self.scores[strategy.name][RANKED_BY]
            standard_error = np.std(deficit, ddof=1) / np.sqrt(deficit.size)
            if np.mean(deficit) <= 2.0 * standard_error:
                tied.append(strategy.name)
        return tied

    @property
    def binary(self):
        """Whether there are two classes."""
        return self.classes.size == 2


def compare(dataset, *, cv=None, seed=0, n_jobs=None, progress=None, warn=None):
    """Cross-validate every strategy of :func:`make_strategies` on ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        The data.
    cv : int or None, default=None
        Folds of the stratified cross-validation; ``None`` means
        :data:`DEFAULT_CV`, or the size of the smallest class if smaller.
    seed : int, default=0
        Seed of the folds (shuffled), SMOTE and SGD.
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
        The strategies ranked by mean PR-AUC (ties by Brier score), with
        their scores per fold and their out-of-fold probabilities.

    Raises
    ------
    ClassSizeError
        If the classes do not allow ``cv`` stratified folds.
    NoStrategyFitted
        If every strategy failed on every fold.

    Examples
    --------
    >>> from imbweight._compare import compare, load_builtin, table
    >>> result = compare(load_builtin("glass5"), cv=3)
    >>> len(result.strategies), result.proba["logreg"].shape
    (11, (214, 2))
    >>> print(table(result).splitlines()[0])
    glass5: 214 samples, 9 features, 2 classes (0: 205, 1: 9); minority class 1
    """
    if warn is None:
        warn = partial(warnings.warn, category=UserWarning, stacklevel=2)
    classes, counts, n_splits = check_classes(dataset.y, cv)
    if cv is None and n_splits < DEFAULT_CV:
        warn(
            f"the smallest class has {counts.min()} samples: using {n_splits}-fold "
            f"cross-validation instead of {DEFAULT_CV}"
        )
    minority = minority_class(classes, counts)
    strategies = make_strategies(dataset, classes, counts, seed=seed)
    folds = list(
        StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(
            dataset.X, dataset.y
        )
    )
    tasks = [(s, f) for s in range(len(strategies)) for f in range(n_splits)]
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    outputs = parallel(
        delayed(_fit_predict)(strategies[s].estimator, dataset.X, dataset.y, *folds[f])
        for s, f in tasks
    )
    proba = {s.name: np.zeros((dataset.y.size, classes.size)) for s in strategies}
    scores = {s.name: {} for s in strategies}
    fit_time = {s.name: np.zeros(n_splits) for s in strategies}
    notes, failed = {}, set()
    for done, ((s, f), (fold_proba, seconds, messages)) in enumerate(
        zip(tasks, outputs, strict=True), start=1
    ):
        name, test = strategies[s].name, folds[f][1]
        for message in messages:
            notes.setdefault((name, message), set()).add(f)
        if progress is not None:
            progress(done, len(tasks))
        if fold_proba is None:
            failed.add(name)
            continue
        proba[name][test] = fold_proba
        fit_time[name][f] = seconds
        for metric, value in fold_scores(
            dataset.y[test], fold_proba, classes, minority
        ).items():
            scores[name].setdefault(metric, np.zeros(n_splits))[f] = value
    if len(failed) == len(strategies):
        raise NoStrategyFitted(
            "every strategy failed; the first error: "
            + next(message for _, message in notes if message.startswith("failed"))
        )
    strategies = [s for s in strategies if s.name not in failed]
    for table in (proba, scores, fit_time):
        for name in failed:
            del table[name]

    def rank_key(strategy):
        values = scores[strategy.name]
        return (-np.mean(values[RANKED_BY]), np.mean(values["brier"]))

    return Comparison(
        dataset=dataset,
        classes=classes,
        counts=counts,
        minority=minority,
        n_splits=n_splits,
        seed=seed,
        strategies=sorted(strategies, key=rank_key),
        scores=scores,
        proba=proba,
        fit_time=fit_time,
        notes=[
            f"{name}: {message.splitlines()[0]} (in {len(fs)} of {n_splits} folds)"
            for (name, message), fs in notes.items()
        ],
    )
