"""imbweight.pipeline: imbalanced-learn's Pipeline recording the class counts."""

import pickle

import numpy as np
import pytest
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline as ImblearnPipeline
from imblearn.pipeline import make_pipeline as imblearn_make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from imbweight import (
    ClassWeightedClassifier,
    CostSensitiveClassifier,
    FocalLogisticRegression,
    adjust_prior,
    posterior_proba,
)
from imbweight.metrics import bayes_decision, expected_cost, make_cost_scorer
from imbweight.pipeline import Pipeline, make_pipeline


@pytest.fixture(scope="module")
def binary():
    return make_classification(
        n_samples=600, n_features=5, weights=[0.9], random_state=0
    )


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        n_samples=900,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.7, 0.22, 0.08],
        random_state=0,
    )
    return X, np.array(["low", "mid", "high"])[y]


def _counts(y):
    labels, rows = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), rows.tolist(), strict=True))


# ---------------------------------------------------------------- recording
@pytest.mark.parametrize(
    "sampler",
    [
        SMOTE(random_state=0),
        RandomOverSampler(sampling_strategy=0.5, random_state=0),
        RandomUnderSampler(random_state=0),
    ],
    ids=["smote", "over", "under"],
)
def test_counts_before_and_after_each_sampler(binary, sampler):
    X, y = binary
    pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression()).fit(X, y)
    _, y_res = clone(sampler).fit_resample(StandardScaler().fit_transform(X), y)
    name = pipe.steps[1][0]
    assert pipe.class_counts_ == {name: {"before": _counts(y), "after": _counts(y_res)}}


def test_multiclass_string_labels_and_several_samplers(three_classes):
    X, y = three_classes
    pipe = Pipeline(
        [
            ("over", RandomOverSampler(sampling_strategy="minority", random_state=0)),
            ("scale", StandardScaler()),
            ("under", RandomUnderSampler(random_state=0)),
            ("clf", LogisticRegression()),
        ]
    ).fit(X, y)
    over, under = pipe.class_counts_["over"], pipe.class_counts_["under"]
    assert list(pipe.class_counts_) == ["over", "under"]
    assert over["before"] == _counts(y)
    assert under["before"] == over["after"]  # the scaler leaves the labels
    assert over["after"]["high"] == over["after"]["low"] == under["before"]["low"]
    assert set(under["after"].values()) == {under["before"]["mid"]}
    # The two ratios compose; they telescope to before-first over after-last.
    q = pipe[-1].predict_proba(pipe.named_steps["scale"].transform(X))
    counts_before = [over["before"][c] for c in pipe.classes_]
    counts_after = [under["after"][c] for c in pipe.classes_]
    assert_allclose(
        posterior_proba(pipe, X),
        adjust_prior(q, counts_after, counts_before),
        rtol=1e-12,
    )


def test_without_samplers_the_posterior_is_the_final_steps(binary):
    X, y = binary
    pipe = make_pipeline(
        StandardScaler(),
        "passthrough",
        FocalLogisticRegression(class_weight="balanced"),
    ).fit(X, y)
    assert pipe.class_counts_ == {}
    assert_allclose(
        pipe.predict_posterior(X),
        pipe[-1].predict_posterior(pipe[0].transform(X)),
        rtol=1e-12,
    )


@pytest.mark.parametrize("method", ["fit_transform", "fit_predict", "fit_resample"])
def test_every_fitting_method_records(binary, method):
    X, y = binary
    final = {
        "fit_transform": StandardScaler(),
        "fit_predict": KMeans(n_clusters=2, n_init=1, random_state=0),
        "fit_resample": RandomUnderSampler(random_state=0),
    }[method]
    pipe = make_pipeline(RandomOverSampler(random_state=0), final)
    getattr(pipe, method)(X, y)
    n_majority = np.bincount(y).max()
    after = {0: n_majority, 1: n_majority}
    assert pipe.class_counts_["randomoversampler"]["after"] == after


def test_cached_fit_keeps_the_counts(binary, tmp_path):
    X, y = binary
    pipe = make_pipeline(
        SMOTE(random_state=0), LogisticRegression(), memory=str(tmp_path)
    )
    first = clone(pipe).fit(X, y)
    second = clone(pipe).fit(X, y)  # the sampler's fit is loaded from the cache
    assert second.class_counts_ == first.class_counts_
    n_majority = np.bincount(y).max()
    assert second.class_counts_["smote"]["after"] == {0: n_majority, 1: n_majority}
    assert isinstance(second.steps[0][1], SMOTE)


def test_failed_fit_leaves_the_samplers_in_place(binary):
    X, y = binary
    sampler = SMOTE(k_neighbors=1000)  # more neighbours than minority rows
    pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression())
    with pytest.raises(ValueError, match="n_neighbors"):
        pipe.fit(X, y)
    assert pipe.steps[1][1] is sampler
    assert not hasattr(pipe, "class_counts_")


# ------------------------------------------------------------- as imblearn's
def test_drop_in_for_imbalanced_learns_pipeline(binary):
    X, y = binary
    steps = [StandardScaler(), SMOTE(random_state=0), LogisticRegression()]
    ours = make_pipeline(*[clone(step) for step in steps])
    theirs = imblearn_make_pipeline(*[clone(step) for step in steps])
    assert isinstance(ours, ImblearnPipeline) and type(ours) is Pipeline
    assert repr(ours) == repr(theirs)
    assert ours.get_params().keys() == theirs.get_params().keys()
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert type(ours[:2]) is Pipeline


def test_clone_set_params_and_pickle(three_classes):
    X, y = three_classes
    pipe = make_pipeline(SMOTE(random_state=0), LogisticRegression())
    pipe.set_params(smote__k_neighbors=3).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    assert restored.class_counts_ == pipe.class_counts_
    assert_array_equal(restored.predict_posterior(X), pipe.predict_posterior(X))
    assert clone(pipe).get_params()["smote__k_neighbors"] == 3
    assert not hasattr(clone(pipe), "class_counts_")


def test_grid_search_over_a_recording_pipeline(three_classes):
    X, y = three_classes
    pipe = make_pipeline(
        StandardScaler(),
        SMOTE(random_state=0),
        ClassWeightedClassifier(LogisticRegression(), class_weight="balanced"),
    )
    search = GridSearchCV(
        pipe,
        {"smote__k_neighbors": [3, 5]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="neg_log_loss",
    ).fit(X, y)
    best = search.best_estimator_
    assert best.class_counts_["smote"]["before"] == _counts(y)
    assert_allclose(posterior_proba(search, X), best.predict_posterior(X), rtol=1e-12)


# ------------------------------------------------------------- posteriors
def test_posterior_undoes_weights_then_the_sampler(binary):
    X, y = binary
    pipe = make_pipeline(
        StandardScaler(),
        RandomUnderSampler(sampling_strategy=0.5, random_state=0),
        FocalLogisticRegression(gamma=2.0, class_weight="balanced"),
    ).fit(X, y)
    counts = pipe.class_counts_["randomundersampler"]
    inner = pipe[-1].predict_posterior(pipe[0].transform(X))
    expected = adjust_prior(
        inner, list(counts["after"].values()), list(counts["before"].values())
    )
    assert_allclose(pipe.predict_posterior(X), expected, rtol=1e-12)
    # The sampler kept the positives and a third of the negatives: the
    # correction lowers every positive posterior.
    assert np.all(pipe.predict_posterior(X)[:, 1] < inner[:, 1])


def test_the_cost_scorer_decides_on_corrected_posteriors(binary):
    X, y = binary
    pipe = make_pipeline(SMOTE(random_state=0), LogisticRegression()).fit(X, y)
    cost = np.array([[0.0, 1.0], [5.0, 0.0]])
    scorer = make_cost_scorer(cost, response="bayes")
    decisions = bayes_decision(posterior_proba(pipe, X), cost, pipe.classes_)
    assert scorer(pipe, X, y) == -expected_cost(y, decisions, cost)
    raw = bayes_decision(pipe.predict_proba(X), cost, pipe.classes_)
    assert np.sum(decisions) < np.sum(raw)  # the raw proba flag more positives


def test_predict_posterior_needs_probabilities(binary):
    X, y = binary
    pipe = make_pipeline(SMOTE(random_state=0), LinearSVC()).fit(X, y)
    assert not hasattr(pipe, "predict_posterior")
    with pytest.raises(TypeError, match="neither predict_posterior nor predict_proba"):
        posterior_proba(pipe, X)


def test_a_sampler_that_removes_a_class(three_classes):
    X, y = three_classes
    drop_high = FunctionSampler(func=lambda X, y: (X[y != "high"], y[y != "high"]))
    pipe = make_pipeline(drop_high, LogisticRegression()).fit(X, y)
    message = r"removed every row of the classes \['high'\]"
    with pytest.raises(ValueError, match=message):
        pipe.predict_posterior(X)


def test_steps_changed_after_fit(binary):
    X, y = binary
    pipe = make_pipeline(SMOTE(random_state=0), LogisticRegression()).fit(X, y)
    pipe.steps.insert(0, ("late", RandomUnderSampler()))
    with pytest.raises(ValueError, match=r"No class counts were recorded for .*'late'"):
        pipe.predict_posterior(X)


def test_unfitted_pipeline(binary):
    X, _ = binary
    with pytest.raises(Exception, match="not fitted"):
        make_pipeline(SMOTE(), LogisticRegression()).predict_posterior(X)


def test_plain_imbalanced_learn_pipeline_is_refused_with_advice(binary):
    X, y = binary
    plain = imblearn_make_pipeline(SMOTE(random_state=0), LogisticRegression())
    plain.fit(X, y)
    message = r"step 'smote' \(SMOTE\) resampled .* imbweight\.pipeline\.Pipeline"
    with pytest.raises(TypeError, match=message):
        posterior_proba(plain, X)
    search = GridSearchCV(plain, {"smote__k_neighbors": [5]}, cv=2).fit(X, y)
    with pytest.raises(TypeError, match=r"imbweight\.pipeline\.make_pipeline"):
        posterior_proba(search, X)


def test_a_cost_sensitive_classifier_behind_a_sampler_is_refused(binary):
    X, y = binary
    pipe = make_pipeline(SMOTE(), CostSensitiveClassifier(LogisticRegression()))
    with pytest.raises(ValueError, match=r"after the sampler\(s\) \['smote'\]"):
        pipe.fit(np.full_like(X, np.nan), y)  # refused before any fit
    inside = CostSensitiveClassifier(
        make_pipeline(SMOTE(random_state=0), LogisticRegression())
    )
    assert_array_equal(
        make_pipeline(StandardScaler(), inside).fit(X, y).classes_, [0, 1]
    )
