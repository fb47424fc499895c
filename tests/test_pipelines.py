"""Class weights inside imbalanced-learn pipelines with SMOTE, tuned by GridSearchCV.

The acceptance tests of "class-weight strategies that plug into Pipelines
with SMOTE and are tuned by GridSearchCV", on a real dataset with real
scikit-learn and imbalanced-learn objects: the strategy is resolved inside
``fit`` on the labels that come out of the sampler, its parameters are grid
parameters, the fitted search pickles, and ``sample_weight`` reaches the
estimators through metadata routing.

ecoli4 (336 rows, 20 minority) keeps each search to a few seconds on two
cores; a training fold of the 3-fold split holds 13 or 14 minority rows, more
than the 6 SMOTE's default ``k_neighbors=5`` needs.
"""

import pickle

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbweight import (
    ClassWeightedClassifier,
    ClassWeights,
    FocalLogisticRegression,
    WeightedSGDClassifier,
    compute_class_weight,
    posterior_proba,
)
from imbweight.datasets import load_dataset

SMOTE_RATIO = 0.5
CV = StratifiedKFold(3, shuffle=True, random_state=0)

FOCAL_GRID = {
    "clf__gamma": [0, 1, 2],
    "clf__alpha": [None, 0.25, 0.75],
    "clf__class_weight__beta": [0.9, 0.99, 0.999],
}
STRATEGY_GRID = [
    {
        "clf__class_weight__strategy": ["effective_number"],
        "clf__class_weight__beta": [0.9, 0.99, 0.999],
    },
    {"clf__class_weight__strategy": ["balanced", "sqrt_inverse"]},
]


def _classifiers():
    """name -> (final classifier, its grid); fresh objects on every call."""
    return {
        "FocalLogisticRegression": (
            FocalLogisticRegression(class_weight=ClassWeights("effective_number")),
            FOCAL_GRID,
        ),
        # About 315 rows reach the classifier: with the default batch_size=256
        # an epoch is two steps, and the adaptive schedule (tol=1e-6) is still
        # improving after the default 200 epochs, warning on every fit. Batches
        # of 64 and tol=1e-4 settle within 160 epochs on every fold.
        "WeightedSGDClassifier": (
            WeightedSGDClassifier(
                class_weight=ClassWeights("effective_number"),
                batch_size=64,
                tol=1e-4,
                max_iter=500,
                random_state=0,
            ),
            FOCAL_GRID,
        ),
        "ClassWeighted(LogisticRegression)": (
            ClassWeightedClassifier(
                LogisticRegression(), class_weight=ClassWeights("effective_number")
            ),
            STRATEGY_GRID,
        ),
        "ClassWeighted(RandomForest)": (
            ClassWeightedClassifier(
                RandomForestClassifier(n_estimators=20, random_state=0),
                class_weight=ClassWeights("effective_number"),
            ),
            STRATEGY_GRID,
        ),
    }


SEARCHES = list(_classifiers())


def _pipeline(classifier):
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("smote", SMOTE(sampling_strategy=SMOTE_RATIO, random_state=0)),
            ("clf", classifier),
        ]
    )


@pytest.fixture(scope="module")
def ecoli4():
    X, y = load_dataset("ecoli4", return_X_y=True)
    assert np.bincount(y).tolist() == [316, 20]
    return X, y


@pytest.fixture(scope="module")
def fitted_search(ecoli4):
    """name -> the search fitted on ecoli4, each fitted once per module."""
    X, y = ecoli4
    cache = {}

    def get(name):
        if name not in cache:
            classifier, grid = _classifiers()[name]
            search = GridSearchCV(
                _pipeline(classifier),
                grid,
                cv=CV,
                scoring="average_precision",
                n_jobs=2,
                # A failing fit (an exception, or a warning: the pytest
                # configuration makes warnings errors, in the workers too)
                # fails the test with its traceback, not as a NaN score.
                error_score="raise",
            )
            cache[name] = search.fit(X, y)
        return cache[name]

    return get


# ------------------------------------------------------------ grid search
@pytest.mark.parametrize("name", SEARCHES)
def test_grid_search_scores_every_candidate(fitted_search, name):
    search = fitted_search(name)
    results = search.cv_results_
    n_candidates = 27 if _classifiers()[name][1] is FOCAL_GRID else 5
    assert len(results["params"]) == n_candidates
    for split in range(CV.get_n_splits()):
        assert np.all(np.isfinite(results[f"split{split}_test_score"]))
    scores = results["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert np.all((scores > 0) & (scores <= 1))

    # The best parameters reached the refitted classifier, whose strategy was
    # fitted on the labels SMOTE produced from the whole of y.
    best = search.best_estimator_[-1]
    strategy = best.class_weight
    for key, value in search.best_params_.items():
        if key.startswith("clf__class_weight__"):
            assert getattr(strategy, key.removeprefix("clf__class_weight__")) == value
    assert not hasattr(strategy, "class_weight_")  # cloned, not fitted in place
    y_resampled = np.repeat([0, 1], [316, 158])
    assert best.class_weight_ == pytest.approx(
        clone(strategy).fit(y_resampled).class_weight_, rel=1e-15
    )


@pytest.mark.parametrize("name", SEARCHES)
def test_fitted_search_pickles(fitted_search, ecoli4, name):
    X, _ = ecoli4
    search = fitted_search(name)
    restored = pickle.loads(pickle.dumps(search))
    assert_array_equal(restored.predict(X), search.predict(X))
    assert_array_equal(restored.predict_proba(X), search.predict_proba(X))
    assert restored.best_params_ == search.best_params_
    assert restored.best_estimator_[-1].class_weight_ == (
        search.best_estimator_[-1].class_weight_
    )


# ----------------------------------------- weights from the resampled labels
@pytest.mark.parametrize(
    "classifier",
    [
        *(classifier for classifier, _ in _classifiers().values()),
        # GaussianNB has no class_weight: its class_count_ shows the weights.
        ClassWeightedClassifier(GaussianNB(), ClassWeights("effective_number")),
    ],
    ids=[*SEARCHES, "ClassWeighted(GaussianNB)"],
)
def test_class_weight_reflects_resampled_counts(ecoli4, classifier):
    X, y = ecoli4
    pipe = _pipeline(clone(classifier)).set_params(clf__class_weight__beta=0.99)
    pipe.fit(X, y)

    X_scaled = StandardScaler().fit_transform(X)
    X_resampled, y_resampled = SMOTE(
        sampling_strategy=SMOTE_RATIO, random_state=0
    ).fit_resample(X_scaled, y)
    assert np.bincount(y_resampled).tolist() == [316, 158]
    expected = compute_class_weight(y_resampled, "effective_number", beta=0.99)
    before_smote = compute_class_weight(y, "effective_number", beta=0.99)

    fitted = pipe[-1]
    assert fitted.class_weight_ == pytest.approx(expected, rel=1e-15)
    assert fitted.class_weight_[1] < 0.9 * before_smote[1]
    if isinstance(fitted, ClassWeightedClassifier):
        inner = fitted.estimator_
        # The weights reach the classifier as sample weights, not through its
        # own class_weight.
        assert inner.get_params().get("class_weight") is None
        if isinstance(inner, GaussianNB):
            # GaussianNB's class_count_ is the summed sample_weight per class.
            counts = np.bincount(y_resampled)
            assert_allclose(
                inner.class_count_, counts * [expected[0], expected[1]], rtol=1e-12
            )
            sample_weight = np.where(y_resampled == 1, expected[1], expected[0])
            direct = GaussianNB().fit(X_resampled, y_resampled, sample_weight)
            assert_allclose(inner.theta_, direct.theta_, rtol=1e-12)


def test_posterior_through_the_wrapper_in_a_pipeline(ecoli4):
    X, y = ecoli4
    strategy = ClassWeights("effective_number", beta=0.99)
    bare = _pipeline(FocalLogisticRegression(gamma=2.0, class_weight=strategy))
    wrapped = _pipeline(
        ClassWeightedClassifier(FocalLogisticRegression(gamma=2.0), strategy)
    )
    bare.fit(X, y)
    wrapped.fit(X, y)
    # The same fit (sample weights equal to the class weights), then the
    # class weights undone in two steps rather than one: equal to round-off.
    assert_array_equal(wrapped.predict_proba(X), bare.predict_proba(X))
    assert_allclose(
        posterior_proba(wrapped, X), posterior_proba(bare, X), rtol=1e-12, atol=0
    )


# --------------------------------------------------------- metadata routing
ROUTED = {
    "FocalLogisticRegression": FocalLogisticRegression(
        gamma=2.0, class_weight=ClassWeights("effective_number", beta=0.99)
    ),
    "WeightedSGDClassifier": WeightedSGDClassifier(
        class_weight="balanced", batch_size=64, tol=1e-4, max_iter=500, random_state=0
    ),
    "ClassWeighted(LogisticRegression)": ClassWeightedClassifier(
        LogisticRegression(), class_weight=ClassWeights("effective_number", beta=0.99)
    ),
}


def _coef(classifier):
    if isinstance(classifier, ClassWeightedClassifier):
        return classifier.estimator_.coef_
    return classifier.coef_


def _expected_class_weight(classifier, y, sample_weight):
    strategy = classifier.class_weight
    if isinstance(strategy, str):
        return compute_class_weight(y, strategy, sample_weight=sample_weight)
    return clone(strategy).fit(y, sample_weight=sample_weight).class_weight_


@pytest.fixture(scope="module")
def sample_weight(ecoli4):
    _, y = ecoli4
    return np.random.default_rng(0).uniform(0.25, 4.0, size=y.size)


def _routed_pipeline(classifier):
    """Scaler then classifier, with sample_weight requested by the classifier."""
    return make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        clone(classifier).set_fit_request(sample_weight=True),
    )


@pytest.mark.parametrize("name", list(ROUTED))
def test_sample_weight_is_routed_through_a_pipeline(ecoli4, sample_weight, name):
    X, y = ecoli4
    classifier = ROUTED[name]
    with config_context(enable_metadata_routing=True):
        pipe = _routed_pipeline(classifier)
        pipe.fit(X, y, sample_weight=sample_weight)
    X_scaled = StandardScaler().fit_transform(X)
    direct = clone(classifier).fit(X_scaled, y, sample_weight=sample_weight)
    unweighted = clone(classifier).fit(X_scaled, y)

    assert_allclose(_coef(pipe[-1]), _coef(direct), rtol=1e-12, atol=1e-14)
    assert not np.allclose(_coef(pipe[-1]), _coef(unweighted))
    # The class counts behind the strategy are the sample-weighted ones.
    assert pipe[-1].class_weight_ == pytest.approx(
        _expected_class_weight(classifier, y, sample_weight), rel=1e-12
    )


@pytest.mark.parametrize("name", list(ROUTED))
def test_sample_weight_is_routed_by_cross_validate(ecoli4, sample_weight, name):
    X, y = ecoli4
    classifier = ROUTED[name]
    with config_context(enable_metadata_routing=True):
        pipe = _routed_pipeline(classifier)
        results = cross_validate(
            pipe,
            X,
            y,
            cv=CV,
            # The scorer is asked explicitly: unweighted average precision.
            scoring=get_scorer("average_precision").set_score_request(
                sample_weight=False
            ),
            params={"sample_weight": sample_weight},
            return_estimator=True,
        )
    assert np.all(np.isfinite(results["test_score"]))
    for fold, (train, _) in zip(results["estimator"], CV.split(X, y), strict=True):
        X_train = StandardScaler().fit_transform(X[train])
        direct = clone(classifier).fit(
            X_train, y[train], sample_weight=sample_weight[train]
        )
        assert_allclose(_coef(fold[-1]), _coef(direct), rtol=1e-12, atol=1e-14)
        assert fold[-1].class_weight_ == pytest.approx(direct.class_weight_, rel=1e-15)
