"""The strategies ``imbweight compare`` cross-validates, each one estimator.

A strategy is a name, a description in words and code, and an unfitted
pipeline: preprocessing that suits the data (imputation when values are
missing, standardised numeric columns, one-hot encoded categorical ones),
possibly a resampler, and a classifier. To compare one more way of handling
the imbalance, add it to :func:`make_strategies`.
"""

import math
from dataclasses import dataclass

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from imbweight._focal import FocalLogisticRegression
from imbweight._sgd import WeightedSGDClassifier
from imbweight.class_weight import ClassWeights

__all__ = ["Strategy", "make_strategies", "minority_class"]


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
    >>> from imbweight._compare import check_classes, load_builtin, make_strategies
    >>> data = load_builtin("glass5")
    >>> classes, counts, _ = check_classes(data.y)
    >>> [s.name for s in make_strategies(data, classes, counts)][:5]
    ['logreg', 'balanced', 'sqrt_inverse', 'effective_number', 'focal(gamma=1)']
    """
    minority = minority_class(classes, counts)

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
