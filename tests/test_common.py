"""scikit-learn's estimator checks over every public imbweight estimator.

The estimators are discovered, not listed: every ``BaseEstimator`` subclass
named in the ``__all__`` of ``imbweight`` or of one of its public submodules.
A class whose constructor needs no argument is checked at its defaults; one
that needs arguments (a meta-estimator) or deserves several settings is
registered in ``INSTANCES``; one that is not an estimator of ``(X, y)`` is
registered, with the reason, in ``NOT_CHECKED``.
"""

import importlib
import inspect
import pkgutil

import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import imbweight
from imbweight import (
    ClassWeightedClassifier,
    ClassWeights,
    FocalBoostingClassifier,
    FocalLogisticRegression,
    WeightedSGDClassifier,
)
from imbweight.pipeline import Pipeline

try:  # the boosting extras (CI installs them)
    import lightgbm
    import xgboost
except ImportError:
    lightgbm = xgboost = None

# Public modules that need an optional extra: without it they are left out
# (CI installs every extra, so there nothing is left out).
EXTRA_MODULES = {"dask", "distributed", "matplotlib"}


def _public_modules(package=imbweight):
    yield package
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError as error:
            if error.name.partition(".")[0] in EXTRA_MODULES:
                continue
            raise
        if info.ispkg:
            yield from _public_modules(module)
        else:
            yield module


def _public_estimator_classes():
    found = set()
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found.add(obj)
    return sorted(found, key=lambda cls: cls.__name__)


def _required_arguments(cls):
    parameters = inspect.signature(cls).parameters.values()
    return [p.name for p in parameters if p.default is inspect.Parameter.empty]


# The instances checked for a class, where its defaults are not enough.
INSTANCES = {
    FocalLogisticRegression: [
        FocalLogisticRegression(),
        FocalLogisticRegression(gamma=0.0),
        FocalLogisticRegression(class_weight=ClassWeights("effective_number")),
    ],
    WeightedSGDClassifier: [
        WeightedSGDClassifier(random_state=0),
        WeightedSGDClassifier(gamma=2.0, early_stopping=True, random_state=0),
    ],
    # A meta-estimator: the default instance wraps LogisticRegression, whose
    # own class_weight parameter the wrapper sets (tests/test_wrapper.py also
    # checks the sample_weight path and other inner classifiers).
    ClassWeightedClassifier: [ClassWeightedClassifier(LogisticRegression())],
}
if lightgbm is not None:
    INSTANCES[FocalBoostingClassifier] = [
        # LightGBM's defaults want leaves of 20 rows; the checks fit 10-30.
        FocalBoostingClassifier(
            lightgbm.LGBMClassifier(
                n_estimators=10,
                min_child_samples=1,
                min_data_in_bin=1,
                verbose=-1,
                n_jobs=1,
            )
        ),
        FocalBoostingClassifier(
            xgboost.XGBClassifier(n_estimators=10, n_jobs=1),
            gamma=0.5,
            class_weight="balanced",
        ),
    ]

# Public BaseEstimator subclasses that scikit-learn's checks do not apply to.
NOT_CHECKED = {
    ClassWeights: (
        "a class-weight strategy: fit(y) learns from labels alone, with no X, "
        "so the estimator checks (which fit X, y) do not apply; "
        "tests/test_class_weight.py tests it"
    ),
    Pipeline: (
        "imbalanced-learn's Pipeline (a subclass): it fits its steps in place, "
        "which the checks forbid of an estimator, as they do of scikit-learn's "
        "Pipeline; tests/test_pipeline.py tests it"
    ),
}
if lightgbm is None:
    NOT_CHECKED[FocalBoostingClassifier] = (
        "needs the lightgbm and xgboost extras, which are not installed"
    )


def _instances(cls):
    if cls in INSTANCES:
        return INSTANCES[cls]
    if cls in NOT_CHECKED or _required_arguments(cls):
        # An unregistered class that needs arguments is reported by
        # test_every_public_estimator_is_registered_or_default_constructible.
        return []
    return [cls()]


ESTIMATORS = [
    instance for cls in _public_estimator_classes() for instance in _instances(cls)
]

# Mini-batch SGD is stochastic: repeating a row changes the number of rows,
# so the batch size ("auto") and which rows share a batch; a weighted row
# and its repeats agree in expectation over the shuffles, not draw by draw
# (scikit-learn expects the same failure of SGDClassifier).
_DRAWS_DIFFER = (
    "weighting a row and repeating it agree in expectation over the mini-batch "
    "draws, not draw by draw: the repeated data has more rows, so other batches"
)
_NO_PARTIAL_FIT = "partial_fit raises with early_stopping=True, as SGDClassifier's does"
# LightGBM bins features and checks min_child_samples by counting rows, not
# weights: repeating a row moves bin edges and allows other splits than
# weighting it (LGBMClassifier with its own objective fails these checks too).
_ROWS_COUNTED = (
    "LightGBM's feature bins and min_child_samples count rows, not weights, so "
    "a repeated row and a weighted one grow different trees"
)
# XGBoost keeps gradients in float32: a row of weight w brings round(w g), its
# w repeats w round(g), so the leaf sums differ by ~1e-7 relative (the first
# tree's covers already do). On the check's 15 random rows of 30 features many
# splits nearly tie, and a later tree takes another one.
_FLOAT32_SUMS = (
    "XGBoost rounds each row's weighted gradient to float32, so a weighted row "
    "and its repeats give sums that differ by ~1e-7, enough to break the near "
    "ties between splits of the check's 15 rows of 30 random features"
)
# The one table of expected failures: the class, the parameter values an
# instance must have for the failure to be expected, the check and the reason.
EXPECTED_FAILURES = [
    (
        WeightedSGDClassifier,
        {},
        "check_sample_weight_equivalence_on_dense_data",
        _DRAWS_DIFFER,
    ),
    (
        WeightedSGDClassifier,
        {},
        "check_sample_weight_equivalence_on_sparse_data",
        _DRAWS_DIFFER,
    ),
    # partial_fit refuses early stopping (there is no split to monitor), as
    # SGDClassifier's does.
    *(
        (WeightedSGDClassifier, {"early_stopping": True}, check, _NO_PARTIAL_FIT)
        for check in (
            "check_fit_score_takes_y",
            "check_n_features_in_after_fitting",
            "check_estimators_partial_fit_n_features",
        )
    ),
    # Early stopping also holds out a random validation split.
    (
        WeightedSGDClassifier,
        {"early_stopping": True},
        "check_class_weight_classifiers",
        "the check's 50 training rows leave 5 for validation; which epoch is "
        "restored is decided by the weighted loss of those 5 random rows, which "
        "can prefer an epoch before the 1000:0.0001 class weights dominate",
    ),
    # The LightGBM instance (gamma=2) and the XGBoost one (gamma=0.5).
    *(
        (FocalBoostingClassifier, {"gamma": gamma}, check, reason)
        for gamma, reason in ((2.0, _ROWS_COUNTED), (0.5, _FLOAT32_SUMS))
        for check in (
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        )
        if lightgbm is not None
    ),
]


def _applies(entry, estimator):
    cls, params, _, _ = entry
    own = estimator.get_params(deep=False)
    return type(estimator) is cls and all(own[k] == v for k, v in params.items())


def _expected_failed_checks(estimator):
    return {
        entry[2]: entry[3] for entry in EXPECTED_FAILURES if _applies(entry, estimator)
    }


# Some checks fit unscaled data (iris) with default max_iter: warning about
# non-convergence is the documented behaviour there, not a failure.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_registered_classes_are_public_and_discovered():
    assert set(INSTANCES) | set(NOT_CHECKED) <= set(_public_estimator_classes())


@pytest.mark.parametrize("cls", _public_estimator_classes(), ids=lambda c: c.__name__)
def test_every_public_estimator_is_registered_or_default_constructible(cls):
    required = _required_arguments(cls)
    assert cls in INSTANCES or cls in NOT_CHECKED or not required, (
        f"{cls.__name__}() needs {', '.join(required)}: give it a default instance "
        "in INSTANCES of tests/test_common.py (with a comment saying why that "
        "one), or list it in NOT_CHECKED with the reason the checks do not apply"
    )
    assert not (cls in INSTANCES and cls in NOT_CHECKED)


def test_every_expected_failure_applies_to_a_checked_instance():
    for entry in EXPECTED_FAILURES:
        assert any(_applies(entry, estimator) for estimator in ESTIMATORS), entry
