"""The comparison behind ``imbweight compare``: strategies, cross-validation, results.

Nothing here parses arguments or prints; :mod:`imbweight.cli` does that,
:mod:`imbweight._tabular` reads the data and :mod:`imbweight._plots` draws
the figures.

Conventions
-----------
The data are a :class:`~imbweight._tabular.Dataset`. Every strategy is one
estimator: a pipeline that imputes (when values are missing), standardises
numeric columns, one-hot encodes categorical ones, and ends in a classifier,
possibly after a SMOTE step. Each strategy is fitted on the same stratified
folds; the probabilities it predicts on each held-out fold are gathered into
one out-of-fold array per strategy, ordered like ``classes`` (the sorted
labels). The scores of each fold come from those held-out probabilities, the
class decided being the most probable one. The *minority* class is the
smallest (the last of the smallest in sorted order on a tie); in a binary
problem it is the positive class of PR-AUC, F1 and the calibration plot.

Classes that do not allow the folds asked for raise
:class:`~imbweight._tabular.UserError`; anything else is a bug.
"""

import csv
import json
import math
import os
import signal
import textwrap
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from imbweight import __version__
from imbweight._focal import FocalLogisticRegression
from imbweight._sgd import WeightedSGDClassifier
from imbweight._tabular import Dataset, UserError, _warn_default
from imbweight.class_weight import ClassWeights
from imbweight.metrics import imbalanced_report

__all__ = [
    "DEFAULT_CV",
    "METRICS",
    "OUTPUT_FILES",
    "Comparison",
    "Strategy",
    "check_classes",
    "compare",
    "make_strategies",
]

DEFAULT_CV = 5
"""Folds of the stratified cross-validation when the user sets none."""

METRICS = {
    "pr_auc": "PR-AUC",
    "balanced_accuracy": "balanced acc.",
    "minority_f1": "minority F1",
    "brier": "Brier",
}
"""The metrics of the table, by key, with their column titles, in order."""

RESULT_FILES = ("results.csv", "results.json")
PLOT_FILES = ("pr_curves.png", "reliability.png")
OUTPUT_FILES = RESULT_FILES + PLOT_FILES
"""Every file a run may write into its output folder, plots last."""

# Also saved in the CSV and JSON files, but not printed.
_EXTRA_METRICS = ("roc_auc", "log_loss")


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
    UserError
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
    imbweight._tabular.UserError: class 'b' has 3 samples, fewer than the 5 folds ...
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    if classes.size < 2:
        raise UserError(
            f"the target {target!r} has a single class ({classes[0].item()!r}, "
            f"{counts[0]} samples): there is nothing to classify"
        )
    smallest = int(np.argmin(counts))
    label, size = classes[smallest].item(), int(counts[smallest])
    if size < 2:
        raise UserError(
            f"class {label!r} of the target {target!r} has a single sample: "
            "cross-validation needs at least 2 per class; drop or merge it"
        )
    if cv is None:
        return classes, counts, min(DEFAULT_CV, size)
    if size < cv:
        raise UserError(
            f"class {label!r} has {size} samples, fewer than the {cv} folds of "
            f"--cv: use --cv {size} or less, or drop or merge the class"
        )
    return classes, counts, cv


def _minority(classes, counts):
    """The smallest class; the last of the smallest in sorted order on a tie."""
    return classes[classes.size - 1 - np.argmin(counts[::-1])]


# ------------------------------------------------------------------ strategies
class _AdaptiveSMOTE(BaseEstimator):
    """SMOTE that adapts to the class sizes of each training fold.

    Oversamples every class smaller than ``ratio`` times the largest up to
    that size, with ``k_neighbors`` lowered to fit the smallest such class.
    A class of a single sample cannot be interpolated: it is left as it is.

    Parameters
    ----------
    ratio : float, default=1.0
        Target size of each class, as a fraction of the largest.
    k_neighbors : int, default=5
        Nearest neighbours SMOTE interpolates with, at most.
    random_state : int or None, default=None
        Seed of SMOTE.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._compare import _AdaptiveSMOTE
    >>> X = np.arange(24.0).reshape(12, 2)
    >>> y = np.array([0] * 9 + [1] * 3)
    >>> X_res, y_res = _AdaptiveSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([9, 9])
    """

    def __init__(self, ratio=1.0, k_neighbors=5, random_state=None):
        self.ratio = ratio
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def fit_resample(self, X, y):
        """Oversample the small classes of ``(X, y)``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Features.
        y : ndarray of shape (n_samples,)
            Labels.

        Returns
        -------
        X_resampled, y_resampled : ndarray
            The data with synthetic samples appended.
        """
        classes, counts = np.unique(y, return_counts=True)
        wanted = math.ceil(self.ratio * counts.max())
        grow = (counts >= 2) & (counts < wanted)
        if not grow.any():
            return X, y
        sampling_strategy = {label: wanted for label in classes[grow].tolist()}
        k_neighbors = int(min(self.k_neighbors, counts[grow].min() - 1))
        smote = SMOTE(
            sampling_strategy=sampling_strategy,
            k_neighbors=k_neighbors,
            random_state=self.random_state,
        )
        return smote.fit_resample(X, y)


@dataclass(frozen=True)
class Strategy:
    """One way of handling the imbalance, as an estimator to cross-validate.

    Attributes
    ----------
    name : str
        Short name, shown in the table.
    description : str
        What the estimator is, in words and code.
    estimator : estimator
        The unfitted pipeline.
    """

    name: str
    description: str
    estimator: object


def _preprocessing(dataset):
    """Pipeline steps that make the features ready for a linear model."""
    numeric = [j for j in range(dataset.X.shape[1]) if j not in dataset.categorical]
    impute = dataset.has_missing
    numeric_steps = [("scale", StandardScaler())]
    if impute:
        numeric_steps.insert(
            0, ("impute", SimpleImputer(strategy="median", keep_empty_features=True))
        )
    if not dataset.categorical:
        return numeric_steps
    categorical_steps = [
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    ]
    if impute:
        categorical_steps.insert(
            0,
            (
                "impute",
                SimpleImputer(strategy="most_frequent", keep_empty_features=True),
            ),
        )
    transformers = [("categorical", Pipeline(categorical_steps), dataset.categorical)]
    if numeric:
        transformers.insert(0, ("numeric", Pipeline(numeric_steps), numeric))
    return [("prepare", ColumnTransformer(transformers, sparse_threshold=0.0))]


def make_strategies(dataset, classes, counts, *, seed=0):
    """The strategies ``imbweight compare`` evaluates.

    - ``logreg``: scikit-learn's plain logistic regression, the baseline;
    - ``balanced``, ``sqrt_inverse``, ``effective_number``: weighted
      cross-entropy (:class:`~imbweight.FocalLogisticRegression` with
      ``gamma=0``) under three :class:`~imbweight.ClassWeights` strategies;
    - ``focal(gamma=…)``: the focal loss for γ ∈ {1, 2}, and, for binary
      targets, with the balancing weight α = 0.25 on the minority class
      (RetinaNet's value);
    - ``smote``: SMOTE up to balance, then logistic regression;
    - ``smote+balanced``: SMOTE up to half the majority, then balanced
      class weights resolved on the resampled labels;
    - ``sgd+balanced``: :class:`~imbweight.WeightedSGDClassifier` with
      balanced weights.

    All start with :func:`_preprocessing` (standardisation, and imputation
    or one-hot encoding when the data need them); C = 1 throughout.

    Parameters
    ----------
    dataset : Dataset
        The data, for its column kinds and missing values.
    classes, counts : ndarray
        Sorted class labels and their sizes.
    seed : int, default=0
        Seed of SMOTE and SGD.

    Returns
    -------
    strategies : list of Strategy

    Examples
    --------
    >>> from imbweight._compare import check_classes, make_strategies
    >>> from imbweight._tabular import load_builtin
    >>> data = load_builtin("glass5")
    >>> classes, counts, _ = check_classes(data.y)
    >>> [s.name for s in make_strategies(data, classes, counts)][:5]
    ['logreg', 'balanced', 'sqrt_inverse', 'effective_number', 'focal(gamma=1)']
    """
    minority = _minority(classes, counts)

    def pipeline(*steps):
        return Pipeline([*_preprocessing(dataset), *steps])

    def focal(**params):
        return ("clf", FocalLogisticRegression(max_iter=1000, **params))

    strategies = [
        Strategy(
            "logreg",
            "plain logistic regression: LogisticRegression()",
            pipeline(("clf", LogisticRegression(max_iter=1000))),
        )
    ]
    for strategy, params in (
        ("balanced", {}),
        ("sqrt_inverse", {}),
        ("effective_number", {"beta": 0.999}),
    ):
        code = "".join(f", {name}={value}" for name, value in params.items())
        strategies.append(
            Strategy(
                strategy,
                f"class weights: FocalLogisticRegression(gamma=0, class_weight="
                f"ClassWeights({strategy!r}{code}))",
                pipeline(
                    focal(gamma=0.0, class_weight=ClassWeights(strategy, **params))
                ),
            )
        )
    alphas = [None]
    if classes.size == 2:
        alphas.append(0.25)
    for alpha in alphas:
        for gamma in (1, 2):
            if alpha is None:
                name, code, param = f"focal(gamma={gamma})", f"gamma={gamma}", None
            else:
                # alpha is the weight of classes[1]; put it on the minority.
                param = alpha if minority == classes[1] else 1.0 - alpha
                name = f"focal(gamma={gamma}, alpha={alpha})"
                code = f"gamma={gamma}, alpha={param}"
            strategies.append(
                Strategy(
                    name,
                    f"focal loss: FocalLogisticRegression({code})"
                    + ("" if alpha is None else f", alpha {alpha} on the minority"),
                    pipeline(focal(gamma=float(gamma), alpha=param)),
                )
            )
    strategies += [
        Strategy(
            "smote",
            "SMOTE to balance, then LogisticRegression()",
            pipeline(
                ("smote", _AdaptiveSMOTE(random_state=seed)),
                ("clf", LogisticRegression(max_iter=1000)),
            ),
        ),
        Strategy(
            "smote+balanced",
            "SMOTE to half the majority, then FocalLogisticRegression(gamma=0, "
            "class_weight=ClassWeights('balanced')) on the resampled labels",
            pipeline(
                ("smote", _AdaptiveSMOTE(ratio=0.5, random_state=seed)),
                focal(gamma=0.0, class_weight=ClassWeights("balanced")),
            ),
        ),
        Strategy(
            "sgd+balanced",
            "mini-batch SGD: WeightedSGDClassifier(class_weight="
            "ClassWeights('balanced'))",
            pipeline(
                (
                    "clf",
                    WeightedSGDClassifier(
                        class_weight=ClassWeights("balanced"), random_state=seed
                    ),
                )
            ),
        ),
    ]
    return strategies


# ------------------------------------------------------------ cross-validation
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


def _scores(y_true, proba, classes, minority):
    """The scores of one fold, from held-out probabilities."""
    report = imbalanced_report(y_true, proba=proba, labels=classes)
    is_minority = classes == minority
    scores = {
        # Binary: the minority's average precision, whichever class it is
        # (imbalanced_report's binary "pr_auc" is that of classes[1]).
        "pr_auc": float(report.per_class["pr_auc"][is_minority][0])
        if classes.size == 2
        else report.scores["pr_auc"],
        "balanced_accuracy": report.scores["balanced_accuracy"],
        "minority_f1": float(report.per_class["f1"][is_minority][0]),
        "brier": report.scores["brier"],
    }
    scores.update({name: report.scores[name] for name in _EXTRA_METRICS})
    return scores


@dataclass
class Comparison:
    """What :func:`compare` returns: every score, and the held-out predictions.

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
        """The strategy with the best mean PR-AUC."""
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
        best = self.scores[self.recommended.name]["pr_auc"]
        tied = []
        for strategy in self.strategies[1:]:
            deficit = best - self.scores[strategy.name]["pr_auc"]
            standard_error = np.std(deficit, ddof=1) / np.sqrt(deficit.size)
            if np.mean(deficit) <= 2.0 * standard_error:
                tied.append(strategy.name)
        return tied

    @property
    def binary(self):
        """Whether there are two classes."""
        return self.classes.size == 2

    def summary(self):
        """One dict per strategy, in ranking order: names, means and stds.

        Returns
        -------
        rows : list of dict
            Keys ``rank``, ``strategy``, ``<metric>_mean``, ``<metric>_std``
            for every metric, ``fit_time_mean`` (seconds) and ``description``.
        """
        rows = []
        for rank, strategy in enumerate(self.strategies, start=1):
            row = {"rank": rank, "strategy": strategy.name}
            for metric, values in self.scores[strategy.name].items():
                row[f"{metric}_mean"] = float(np.mean(values))
                row[f"{metric}_std"] = float(np.std(values))
            row["fit_time_mean"] = float(np.mean(self.fit_time[strategy.name]))
            row["description"] = strategy.description
            rows.append(row)
        return rows

    def heading(self):
        """What was compared, on one line."""
        n_samples, n_features = self.dataset.X.shape
        sizes = ", ".join(
            f"{label}: {count}"
            for label, count in zip(
                self.classes.tolist(), self.counts.tolist(), strict=True
            )
        )
        return (
            f"{self.dataset.name}: {n_samples} samples, {n_features} features, "
            f"{self.classes.size} classes ({sizes}); minority class "
            f"{self.minority.item()!r}"
        )

    def table(self):
        """The ranking as text: mean ± std over the folds of each metric.

        Returns
        -------
        table : str
            A heading, one row per strategy (the recommended one first) and a
            key to the metrics.
        """
        rows = self.summary()
        width = max(len("strategy"), *(len(row["strategy"]) for row in rows))
        cell = 13
        header = f"{'rank':>4}  {'strategy':<{width}}" + "".join(
            f"  {title:<{cell}}" for title in METRICS.values()
        )
        header = header.rstrip()
        lines = [
            self.heading(),
            f"{self.n_splits}-fold stratified cross-validation (seed {self.seed}), "
            "mean ± std over folds, ranked by PR-AUC",
            "",
            header,
            "-" * len(header),
        ]
        for row in rows:
            cells = "".join(
                f"  {row[f'{metric}_mean']:.3f} ± {row[f'{metric}_std']:.3f}"
                for metric in METRICS
            )
            lines.append(f"{row['rank']:>4}  {row['strategy']:<{width}}{cells}")
        best = self.recommended
        if self.binary:
            key = (
                f"PR-AUC: average precision of class {self.minority.item()!r}; "
                "Brier: mean squared error of its probability (lower is better)"
            )
        else:
            key = (
                "PR-AUC: macro average of one-vs-rest average precision; Brier: "
                "multiclass, in [0, 2] (lower is better)"
            )
        lines += ["", *_wrap(f"Recommended: {best.name}, {best.description}")]
        tied = self.tied_with_recommended()
        if tied:
            lines += _wrap(
                f"Within noise of it (PR-AUC deficit under two standard errors "
                f"over the same folds): {', '.join(tied)}"
            )
        lines += [
            "",
            *_wrap(
                key + "; balanced accuracy and minority F1 (of class "
                f"{self.minority.item()!r}) decide the most probable class."
            ),
        ]
        return "\n".join(lines)

    def to_dict(self):
        """Everything but the predictions, as JSON-ready Python objects.

        Returns
        -------
        result : dict
            The dataset, the cross-validation, the recommendation and, per
            strategy, the mean, std and per-fold values of every metric.
        """
        n_samples, n_features = self.dataset.X.shape
        results = []
        for row, strategy in zip(self.summary(), self.strategies, strict=True):
            results.append(
                {
                    "rank": row["rank"],
                    "strategy": strategy.name,
                    "description": strategy.description,
                    "scores": {
                        metric: {
                            "mean": row[f"{metric}_mean"],
                            "std": row[f"{metric}_std"],
                            "folds": np.asarray(values).tolist(),
                        }
                        for metric, values in self.scores[strategy.name].items()
                    },
                    "fit_time_seconds": np.asarray(
                        self.fit_time[strategy.name]
                    ).tolist(),
                }
            )
        return {
            "imbweight_version": __version__,
            "dataset": {
                "name": self.dataset.name,
                "n_samples": n_samples,
                "n_features": n_features,
                "categorical_features": [
                    self.dataset.feature_names[j] for j in self.dataset.categorical
                ],
                "class_counts": {
                    str(label): count
                    for label, count in zip(
                        self.classes.tolist(), self.counts.tolist(), strict=True
                    )
                },
                "minority_class": self.minority.item(),
            },
            "cv": {"kind": "StratifiedKFold", "n_splits": self.n_splits},
            "seed": self.seed,
            "ranked_by": "pr_auc",
            "recommended": self.recommended.name,
            "tied_with_recommended": self.tied_with_recommended(),
            "results": results,
            "notes": list(self.notes),
        }

    def write_csv(self, path):
        """Write the ranking, one row per strategy, as a CSV file.

        Parameters
        ----------
        path : str or Path
            The file to write.
        """
        rows = self.summary()
        with Path(path).open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def write_json(self, path):
        """Write :meth:`to_dict` as a JSON file.

        Parameters
        ----------
        path : str or Path
            The file to write.
        """
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )


def _wrap(text):
    return textwrap.wrap(text, width=88, subsequent_indent="  ")


@contextmanager
def _signals_deferred():
    """Hold Ctrl-C back (on POSIX) until the block is done."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_outputs(comparison, out, *, plots=True):
    """Write the files of a run into the folder ``out``, as one set.

    Each file is first written under a temporary name in ``out``; only when
    all are complete does every earlier output (of :data:`OUTPUT_FILES`,
    including plots this run does not draw) go, and the new files take
    their names. A failure or Ctrl-C while writing leaves the folder as it
    was, and no run leaves a mix of old and new files.

    Parameters
    ----------
    comparison : Comparison
        What :func:`compare` returned.
    out : str or Path
        An existing, writable folder.
    plots : bool, default=True
        Also draw ``pr_curves.png`` and ``reliability.png`` (needs
        matplotlib).

    Returns
    -------
    paths : list of Path
        The files written, in the order of :data:`OUTPUT_FILES`.
    """
    out = Path(out)
    writers = {
        "results.csv": comparison.write_csv,
        "results.json": comparison.write_json,
    }
    if plots:
        from imbweight._plots import plot_pr_curves, plot_reliability

        writers["pr_curves.png"] = lambda path: plot_pr_curves(comparison, path)
        writers["reliability.png"] = lambda path: plot_reliability(comparison, path)
    # Hidden, and unique so that two runs into one folder never collide.
    tag = uuid.uuid4().hex[:12]
    pending = {name: out / f".{name}.{tag}.part" for name in writers}
    try:
        for name, write in writers.items():
            write(pending[name])
        with _signals_deferred():
            for name in OUTPUT_FILES:
                (out / name).unlink(missing_ok=True)
            for name in list(pending):
                os.replace(pending.pop(name), out / name)
    finally:
        for path in pending.values():
            path.unlink(missing_ok=True)
    return [out / name for name in writers]


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
    UserError
        If the classes do not allow ``cv`` stratified folds.

    Examples
    --------
    >>> from imbweight._compare import compare
    >>> from imbweight._tabular import load_builtin
    >>> result = compare(load_builtin("glass5"), cv=3)
    >>> len(result.strategies), result.proba["logreg"].shape
    (11, (214, 2))
    >>> print(result.table().splitlines()[0])
    glass5: 214 samples, 9 features, 2 classes (0: 205, 1: 9); minority class 1
    """
    warn = _warn_default if warn is None else warn
    classes, counts, n_splits = check_classes(dataset.y, cv)
    if cv is None and n_splits < DEFAULT_CV:
        warn(
            f"the smallest class has {counts.min()} samples: using {n_splits}-fold "
            f"cross-validation instead of {DEFAULT_CV}"
        )
    minority = _minority(classes, counts)
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
        for metric, value in _scores(
            dataset.y[test], fold_proba, classes, minority
        ).items():
            scores[name].setdefault(metric, np.zeros(n_splits))[f] = value
    if len(failed) == len(strategies):
        raise RuntimeError(
            "every strategy failed; the first error: "
            + next(message for _, message in notes if message.startswith("failed"))
        )
    strategies = [s for s in strategies if s.name not in failed]
    for table in (proba, scores, fit_time):
        for name in failed:
            del table[name]

    def rank_key(strategy):
        values = scores[strategy.name]
        return (-np.mean(values["pr_auc"]), np.mean(values["brier"]))

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
