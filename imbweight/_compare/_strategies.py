"""The strategies ``imbweight compare`` cross-validates, each one estimator.

A strategy is a name, a description in words and code, a family (linear
models or gradient-boosted trees), a kind (plain, weighted, focal or
resampling: the order of simplicity in which ties are broken) and an
unfitted pipeline: preprocessing (imputation of missing values,
standardised numeric columns, one-hot encoded categorical ones), possibly a
resampler, and a classifier. Every pipeline is an
:class:`imbweight.pipeline.Pipeline`, so that
:func:`imbweight.posterior_proba` undoes its weights, focal loss and
resampling alike. To compare one more way of handling the imbalance, add it
to :data:`CATALOGUE`.
"""

import importlib.util
import math
from dataclasses import dataclass

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from imbweight._compare._code import python_expression
from imbweight._focal import FocalLogisticRegression
from imbweight._sgd import WeightedSGDClassifier
from imbweight.boosting import FocalBoostingClassifier
from imbweight.class_weight import ClassWeights
from imbweight.pipeline import Pipeline

__all__ = [
    "CATALOGUE",
    "FAMILIES",
    "KINDS",
    "Strategy",
    "UnknownStrategy",
    "boosting_available",
    "check_names",
    "make_strategies",
    "minority_class",
]

FAMILIES = ("linear", "boosting")
"""Model families, simplest first."""

KINDS = ("plain", "weighted", "focal", "resampling")
"""Ways of handling the imbalance, simplest first."""


def minority_class(classes, counts):
    """The smallest class; the last of the smallest in sorted order on a tie."""
    return classes[classes.size - 1 - np.argmin(counts[::-1])]


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
    >>> from imbweight._compare._strategies import _AdaptiveSMOTE
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
    family : str
        One of :data:`FAMILIES`.
    kind : str
        One of :data:`KINDS`.
    """

    name: str
    description: str
    estimator: object
    family: str = "linear"
    kind: str = "plain"

    @property
    def simplicity(self):
        """Sort key, simplest first: linear before boosting, then by kind."""
        return FAMILIES.index(self.family), KINDS.index(self.kind)


@dataclass(frozen=True)
class _Entry:
    """A strategy of the catalogue, before it meets the data."""

    name: str
    family: str
    kind: str
    summary: str
    steps: object  # (seed, n_samples) -> the steps after the preprocessing
    default: bool = True


def _focal(**params):
    return FocalLogisticRegression(max_iter=1000, **params)


def _booster(seed, n_samples):
    from lightgbm import LGBMClassifier

    # With a custom objective LightGBM refuses data with fewer rows than two
    # leaves of min_child_samples (default 20): a tenth of the rows then.
    leaf = max(2, min(20, n_samples // 10))
    params = {"min_child_samples": leaf} if leaf != 20 else {}
    # One thread: compare runs fits side by side (n_jobs) instead, and
    # LightGBM's OpenMP threads ignore threadpoolctl's limit; spinning on a
    # busy two-core machine they made a 0.1 s fit of yeast4 take 2 to 16 s.
    return LGBMClassifier(n_jobs=1, verbose=-1, random_state=seed, **params)


CATALOGUE = (
    _Entry(
        "logreg",
        "linear",
        "plain",
        "plain logistic regression, the baseline",
        lambda seed, n: [("clf", LogisticRegression(max_iter=1000))],
    ),
    _Entry(
        "balanced",
        "linear",
        "weighted",
        "class weights n / (k n_c) (scikit-learn's 'balanced')",
        lambda seed, n: [
            ("clf", _focal(gamma=0.0, class_weight=ClassWeights("balanced")))
        ],
    ),
    _Entry(
        "sqrt_inverse",
        "linear",
        "weighted",
        "class weights 1 / sqrt(n_c): half as strong as balanced, in log scale",
        lambda seed, n: [
            ("clf", _focal(gamma=0.0, class_weight=ClassWeights("sqrt_inverse")))
        ],
    ),
    _Entry(
        "effective_number",
        "linear",
        "weighted",
        "class weights by effective number of samples (Cui et al. 2019, beta 0.999)",
        lambda seed, n: [
            (
                "clf",
                _focal(
                    gamma=0.0,
                    class_weight=ClassWeights("effective_number", beta=0.999),
                ),
            )
        ],
    ),
    _Entry(
        "focal(gamma=1)",
        "linear",
        "focal",
        "focal loss, gamma 1: less weight on well-classified rows",
        lambda seed, n: [("clf", _focal(gamma=1.0))],
    ),
    _Entry(
        "focal(gamma=2)",
        "linear",
        "focal",
        "focal loss, gamma 2 (RetinaNet's)",
        lambda seed, n: [("clf", _focal(gamma=2.0))],
    ),
    _Entry(
        "focal(gamma=2)+balanced",
        "linear",
        "focal",
        "focal loss, gamma 2, with balanced class weights",
        lambda seed, n: [
            ("clf", _focal(gamma=2.0, class_weight=ClassWeights("balanced")))
        ],
    ),
    _Entry(
        "smote",
        "linear",
        "resampling",
        "SMOTE up to balance, then plain logistic regression",
        lambda seed, n: [
            ("smote", _AdaptiveSMOTE(random_state=seed)),
            ("clf", LogisticRegression(max_iter=1000)),
        ],
    ),
    _Entry(
        "smote+balanced",
        "linear",
        "resampling",
        "SMOTE up to half the majority, then balanced weights on what it left",
        lambda seed, n: [
            ("smote", _AdaptiveSMOTE(ratio=0.5, random_state=seed)),
            ("clf", _focal(gamma=0.0, class_weight=ClassWeights("balanced"))),
        ],
    ),
    _Entry(
        "sgd+balanced",
        "linear",
        "weighted",
        "balanced weights, fitted by mini-batch SGD (WeightedSGDClassifier)",
        lambda seed, n: [
            (
                "clf",
                WeightedSGDClassifier(
                    class_weight=ClassWeights("balanced"), random_state=seed
                ),
            )
        ],
        default=False,
    ),
    _Entry(
        "lightgbm",
        "boosting",
        "plain",
        "gradient-boosted trees, LightGBM's defaults",
        lambda seed, n: [("clf", _booster(seed, n))],
    ),
    _Entry(
        "lightgbm+balanced",
        "boosting",
        "weighted",
        "gradient-boosted trees with balanced class weights",
        lambda seed, n: [
            (
                "clf",
                FocalBoostingClassifier(
                    _booster(seed, n), gamma=0.0, class_weight=ClassWeights("balanced")
                ),
            )
        ],
    ),
    _Entry(
        "lightgbm+focal(gamma=2)",
        "boosting",
        "focal",
        "gradient-boosted trees on the focal loss, gamma 2",
        lambda seed, n: [
            ("clf", FocalBoostingClassifier(_booster(seed, n), gamma=2.0))
        ],
    ),
)
"""Every strategy, in the order of the table's ties; ``default=False`` ones
run only when named."""


class UnknownStrategy(ValueError):
    """A strategy name that is not in :data:`CATALOGUE`, or cannot run here."""


def boosting_available():
    """Whether LightGBM, which the boosting strategies train, is installed."""
    return importlib.util.find_spec("lightgbm") is not None


def check_names(names=None):
    """The strategies to run: ``names`` checked, or the defaults.

    Parameters
    ----------
    names : list of str or None, default=None
        Names of :data:`CATALOGUE`; ``None`` means every default strategy
        that can run (the boosting ones when LightGBM is installed).

    Returns
    -------
    names : list of str
        In the order of :data:`CATALOGUE`.

    Raises
    ------
    UnknownStrategy
        For a name not in the catalogue, or a boosting strategy without
        LightGBM.

    Examples
    --------
    >>> from imbweight._compare._strategies import check_names
    >>> check_names(["smote", "logreg"])
    ['logreg', 'smote']
    """
    entries = {entry.name: entry for entry in CATALOGUE}
    if names is None:
        return [
            entry.name
            for entry in CATALOGUE
            if entry.default and (entry.family != "boosting" or boosting_available())
        ]
    unknown = [name for name in names if name not in entries]
    if unknown:
        raise UnknownStrategy(
            f"unknown strategy {unknown[0]!r}; the strategies are {', '.join(entries)}"
        )
    boosting = [name for name in names if entries[name].family == "boosting"]
    if boosting and not boosting_available():
        raise UnknownStrategy(
            f"the strategy {boosting[0]!r} trains LightGBM, which is not "
            "installed: pip install 'imbweight[lightgbm]'"
        )
    wanted = set(names)
    return [entry.name for entry in CATALOGUE if entry.name in wanted]


def _preprocessing(dataset):
    """Pipeline steps that make the features ready for any of the classifiers.

    Missing values are always imputed (median of numeric columns, most
    frequent category): a no-op on complete data, and the saved model then
    accepts rows with gaps.
    """
    numeric = [j for j in range(dataset.X.shape[1]) if j not in dataset.categorical]
    numeric_steps = [
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
    ]
    if not dataset.categorical:
        return numeric_steps
    categorical_steps = [
        ("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True)),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ]
    transformers = [("categorical", Pipeline(categorical_steps), dataset.categorical)]
    if numeric:
        transformers.insert(0, ("numeric", Pipeline(numeric_steps), numeric))
    return [("prepare", ColumnTransformer(transformers, sparse_threshold=0.0))]


def make_strategies(dataset, *, seed=0, names=None):
    """The strategies ``imbweight compare`` evaluates, as pipelines for ``dataset``.

    Each is an :class:`imbweight.pipeline.Pipeline`: :func:`_preprocessing`,
    then the steps of its :data:`CATALOGUE` entry. The linear models have
    C = 1; the boosting ones (LightGBM, when installed) LightGBM's defaults,
    with smaller leaves on small data.

    Parameters
    ----------
    dataset : Dataset
        The data, for its column kinds and size.
    seed : int, default=0
        Seed of SMOTE, SGD and LightGBM.
    names : list of str or None, default=None
        The strategies, as :func:`check_names` takes them.

    Returns
    -------
    strategies : list of Strategy
        In the order of :data:`CATALOGUE`.

    Examples
    --------
    >>> from imbweight._compare import load_builtin, make_strategies
    >>> data = load_builtin("glass5")
    >>> [s.name for s in make_strategies(data)][:4]
    ['logreg', 'balanced', 'sqrt_inverse', 'effective_number']
    >>> make_strategies(data, names=["balanced"])[0].description
    "class weights n / (k n_c) (scikit-learn's 'balanced'): FocalLogistic...(...)"
    """
    wanted = set(check_names(names))
    n_samples = dataset.X.shape[0]
    strategies = []
    for entry in CATALOGUE:
        if entry.name not in wanted:
            continue
        steps = entry.steps(seed, n_samples)
        code = " then ".join(python_expression(step) for _, step in steps)
        strategies.append(
            Strategy(
                entry.name,
                f"{entry.summary}: {code}",
                Pipeline([*_preprocessing(dataset), *steps]),
                entry.family,
                entry.kind,
            )
        )
    return strategies
