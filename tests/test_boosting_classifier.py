"""Tests of FocalBoostingClassifier with LightGBM and XGBoost."""

import os
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from imbweight import ClassWeights, FocalBoostingClassifier
from imbweight.boosting import focal_init_score
from imbweight.boosting._objective import FocalMetric
from imbweight.losses import focal_margin_gradient_hessian

lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")

# γ = 0 trains the trees of the built-in objective: LightGBM computes its
# binary and multiclass gradients in float64 with the same formulas (the
# multiclass Hessian with its K/(K-1)), so after rounding to its float32
# gradients both runs build identical trees, from init scores equal to
# round-off; the probabilities then differ by a few ulps of the float64 sum
# of the trees. 1e-9 leaves a large margin over that and is far below what
# one different split would cause (~1e-3).
LIGHTGBM_ATOL = 1e-9
# XGBoost's built-in objectives compute in float32 (the sigmoid of a float32
# margin), ours in float64: gradients differ by ~1e-7 relative, leaves by
# as much, and the probabilities after 20 rounds by ~1e-7.
XGBOOST_ATOL = 1e-5


def _lgbm(**params):
    return lgb.LGBMClassifier(
        **{"n_estimators": 30, "verbose": -1, "n_jobs": 1, **params}
    )


def _xgb(**params):
    return xgb.XGBClassifier(**{"n_estimators": 20, "n_jobs": 1, **params})


def _data(n_classes=2, n_samples=600, seed=0):
    weights = [0.8] + [0.2 / (n_classes - 1)] * (n_classes - 1)
    return make_classification(
        n_samples,
        8,
        n_informative=5,
        n_classes=n_classes,
        weights=weights,
        random_state=seed,
    )


# --------------------------------------------------------------------------
# γ = 0: the engines' own objectives
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n_classes", [2, 4])
def test_gamma_zero_equals_lightgbm_builtin(n_classes):
    X, y = _data(n_classes)
    builtin = _lgbm().fit(X, y)
    ours = FocalBoostingClassifier(_lgbm(), gamma=0.0).fit(X, y)
    assert_allclose(ours.predict_proba(X), builtin.predict_proba(X), atol=LIGHTGBM_ATOL)
    assert_array_equal(ours.predict(X), builtin.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_balanced_and_sample_weight_equal_lightgbm_builtin(n_classes):
    X, y = _data(n_classes)
    builtin = _lgbm(class_weight="balanced").fit(X, y)
    ours = FocalBoostingClassifier(_lgbm(), gamma=0.0, class_weight="balanced")
    ours.fit(X, y)
    assert_allclose(ours.predict_proba(X), builtin.predict_proba(X), atol=LIGHTGBM_ATOL)
    weight = np.random.default_rng(0).integers(0, 4, size=y.size).astype(float)
    builtin = _lgbm().fit(X, y, sample_weight=weight)
    ours = FocalBoostingClassifier(_lgbm(), gamma=0.0).fit(X, y, sample_weight=weight)
    assert_allclose(ours.predict_proba(X), builtin.predict_proba(X), atol=LIGHTGBM_ATOL)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_gamma_zero_equals_xgboost_builtin(n_classes):
    X, y = _data(n_classes)
    ours = FocalBoostingClassifier(_xgb(), gamma=0.0).fit(X, y)
    # The built-in estimates its own intercept: give it ours as base margin.
    margin = np.tile(ours.init_score_, (y.size, 1)).squeeze()
    builtin = _xgb().fit(X, y, base_margin=margin)
    assert_allclose(
        ours.predict_proba(X),
        builtin.predict_proba(X, base_margin=margin),
        atol=XGBOOST_ATOL,
    )


# --------------------------------------------------------------------------
# Predictions: raw scores with the init score, probabilities, labels
# --------------------------------------------------------------------------
@pytest.mark.parametrize("booster", [_lgbm, _xgb])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions(booster, n_classes):
    X, y = _data(n_classes)
    labels = np.array(["cat", "dog", "emu"])[:n_classes][y]
    alpha = 0.25 if n_classes == 2 else {"cat": 0.2, "dog": 0.4, "emu": 0.4}
    clf = FocalBoostingClassifier(booster(), gamma=2.0, alpha=alpha).fit(X, labels)
    assert_array_equal(clf.classes_, ["cat", "dog", "emu"][:n_classes])
    scores = clf.decision_function(X)
    # Both boosters were trained from the raw score 0: their own scores
    # leave the init score out.
    if booster is _lgbm:
        trees = clf.estimator_.predict(X, raw_score=True)
    else:
        trees = clf.estimator_.predict(X, output_margin=True).astype(np.float64)
    assert_allclose(scores, trees + clf.init_score_, rtol=1e-15)
    proba = clf.predict_proba(X)
    assert proba.shape == (y.size, n_classes)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    assert_allclose(np.log(proba), clf.predict_log_proba(X), rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert np.mean(clf.predict(X) == labels) > 0.9
    posterior = clf.predict_posterior(X)
    assert_allclose(posterior.sum(axis=1), 1.0, rtol=1e-12)
    # α on the minority pulls predict_proba up; the recovery undoes it.
    minority = labels != "cat"
    assert posterior[:, 0].mean() > proba[:, 0].mean()
    assert np.all(np.isfinite(posterior[minority]))


def test_posterior_at_gamma_zero_without_weights_is_predict_proba():
    X, y = _data()
    clf = FocalBoostingClassifier(_lgbm(), gamma=0.0).fit(X, y)
    assert_allclose(clf.predict_posterior(X), clf.predict_proba(X), rtol=1e-12)


def test_pandas_strings_and_categorical_columns():
    pd = pytest.importorskip("pandas")
    X, y = _data(3)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["colour"] = pd.Categorical(np.array(["red", "blue"])[(X[:, 0] > 0) * 1])
    labels = pd.Series(np.array(["low", "mid", "high"])[y])
    clf = FocalBoostingClassifier(_lgbm(), class_weight="balanced").fit(frame, labels)
    assert_array_equal(clf.feature_names_in_, frame.columns)
    assert clf.estimator_.booster_.feature_name()[-1] == "colour"
    assert set(clf.predict(frame)) <= {"low", "mid", "high"}
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"f0": "other"}))


@pytest.mark.parametrize("booster", [_lgbm, _xgb])
def test_clone_and_pickle(booster):
    X, y = _data()
    clf = FocalBoostingClassifier(booster(), gamma=1.0, class_weight=ClassWeights())
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert not hasattr(fresh, "estimator_")
    assert_allclose(fresh.fit(X, y).predict_proba(X), clf.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("booster", [_lgbm, _xgb])
@pytest.mark.parametrize(
    ("n_jobs", "threads"),
    [(1, 1), (3, 3), (None, os.cpu_count()), (-1, os.cpu_count())],
)
def test_objective_computes_with_the_boosters_threads(booster, n_jobs, threads):
    X, y = _data()
    clf = FocalBoostingClassifier(booster(n_jobs=n_jobs)).fit(X, y)
    assert clf.estimator_.get_params()["objective"].objective.n_threads == threads


# --------------------------------------------------------------------------
# Evaluation sets and early stopping
# --------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["focal_loss", "average_precision"])
def test_lightgbm_early_stopping_on_probabilities(metric):
    X, y = _data(n_samples=1500, seed=1)
    X_train, y_train, X_valid, y_valid = X[:1000], y[:1000], X[1000:], y[1000:]
    clf = FocalBoostingClassifier(
        lgb.LGBMClassifier(n_estimators=300, learning_rate=0.3, verbose=-1, n_jobs=1),
        gamma=2.0,
        alpha=0.5,
        class_weight="balanced",
    )
    clf.fit(
        X_train,
        y_train,
        eval_set=[(X_valid, y_valid)],
        eval_metric=metric,
        callbacks=[lgb.early_stopping(10, verbose=False)],
    )
    booster = clf.estimator_
    assert booster.best_iteration_ < 300  # it stopped
    recorded = booster.evals_result_["valid_0"][metric]
    # The recorded value of every round is the metric of the probabilities
    # of the model after that round, the init score included.
    focal = FocalMetric(
        metric, 2.0, 0.5, [clf.class_weight_[0], clf.class_weight_[1]], 2
    )
    # LightGBM keeps the trees up to the best iteration only.
    assert booster.booster_.num_trees() == booster.best_iteration_
    for iteration in (1, booster.best_iteration_ // 2, booster.best_iteration_):
        raw = booster.predict(X_valid, raw_score=True, num_iteration=iteration)
        expected = focal.evaluate(y_valid, raw + clf.init_score_)
        assert recorded[iteration - 1] == pytest.approx(expected, rel=1e-12)
    # Predictions use the best iteration.
    raw = booster.predict(
        X_valid, raw_score=True, num_iteration=booster.best_iteration_
    )
    assert_allclose(clf.decision_function(X_valid), raw + clf.init_score_)


def test_xgboost_early_stopping_minimises_one_minus_average_precision():
    X, y = _data(3, n_samples=1500, seed=1)
    X_train, y_train, X_valid, y_valid = X[:1000], y[:1000], X[1000:], y[1000:]
    clf = FocalBoostingClassifier(
        xgb.XGBClassifier(
            n_estimators=300, learning_rate=0.5, early_stopping_rounds=10, n_jobs=1
        ),
        gamma=1.0,
    )
    weight = np.ones(y_valid.size)
    clf.fit(
        X_train,
        y_train,
        eval_set=[(X_valid, y_valid)],
        eval_sample_weight=[weight],
        eval_metric="average_precision",
    )
    booster = clf.estimator_
    assert booster.best_iteration < 299
    recorded = booster.evals_result()["validation_0"]["1-average_precision"]
    focal = FocalMetric("average_precision", 1.0, n_classes=3)
    best = booster.best_iteration
    trees = booster.predict(X_valid, output_margin=True, iteration_range=(0, best + 1))
    raw = trees.astype(np.float64) + clf.init_score_
    # XGBoost's margins are float32 and its log rounds the value to float32.
    assert recorded[best] == pytest.approx(1 - focal.evaluate(y_valid, raw), abs=1e-6)
    assert recorded[best] == min(recorded)
    assert_allclose(clf.predict_proba(X_valid), softmax(raw, axis=1), rtol=1e-6)


# --------------------------------------------------------------------------
# Training that starts in the non-convex region stays stable
# --------------------------------------------------------------------------
@pytest.mark.parametrize("booster", [_lgbm, _xgb])
def test_training_from_the_non_convex_region_converges(booster):
    # Two groups of identical rows: 20000 negatives, and 40 rows of which 38
    # are positive. The init score, the best constant for all rows, is so
    # negative that the positives of the small group start where the exact
    # Hessian at γ = 2 is negative: a leaf of that group alone has a
    # negative Hessian sum, so its exact Newton step points the wrong way
    # (LightGBM then stops splitting; its own binary objective, whose step
    # there is 1/p, jumps to a raw score of ~90). With the curvature floor
    # both engines move the small group to its own best constant.
    group = np.r_[np.zeros(20000, int), np.ones(40, int)]
    y = np.r_[np.zeros(20000, int), (np.arange(40) < 38).astype(int)]
    X = group[:, None].astype(float)
    params = {"n_estimators": 100, "learning_rate": 0.1}
    # Engine settings for 40-row leaves whose focal Hessians are small.
    if booster is _lgbm:
        params |= {"min_child_samples": 5}
    else:
        params |= {"min_child_weight": 1e-3}
    clf = FocalBoostingClassifier(booster(**params), gamma=2.0, alpha=0.1)
    clf.fit(X, y, eval_set=[(X, y)])
    _, start = focal_margin_gradient_hessian(np.array([clf.init_score_]), 2.0)
    assert start[0] < 0
    best = focal_init_score(y[group == 1], gamma=2.0, alpha=0.1)
    assert clf.decision_function(np.array([[1.0]]))[0] == pytest.approx(best, abs=0.01)
    log = (
        clf.estimator_.evals_result_["valid_0"]
        if booster is _lgbm
        else clf.estimator_.evals_result()["validation_0"]
    )
    losses = np.array(log["focal_loss"])
    # XGBoost logs float32 values: allow their rounding.
    assert np.all(losses[1:] <= losses[:-1] * (1 + 1e-6))
    assert losses[-1] < 0.5 * losses[0]


# --------------------------------------------------------------------------
# Errors, before any boosting round
# --------------------------------------------------------------------------
class _Rounds:
    """A LightGBM callback that counts the boosting rounds."""

    def __init__(self):
        self.count = 0

    def __call__(self, env):
        self.count += 1


@pytest.mark.parametrize(
    ("estimator", "params", "fit", "error", "match"),
    [
        (LogisticRegression(), {}, {}, TypeError, "LGBMClassifier or"),
        (_lgbm(objective="binary"), {}, {}, ValueError, "sets {'objective'"),
        (_lgbm(class_weight="balanced"), {}, {}, ValueError, "owns the class"),
        (_lgbm(metric="auc"), {}, {}, ValueError, "'metric': 'auc'"),
        # LightGBM's aliases would override the objective and the metric.
        (_lgbm(application="binary"), {}, {}, ValueError, "'application'"),
        (_lgbm(metrics="auc"), {}, {}, ValueError, "'metrics'"),
        (_xgb(objective="binary:hinge"), {}, {}, ValueError, "sets {'objective'"),
        (_xgb(eval_metric="logloss"), {}, {}, ValueError, "'eval_metric'"),
        (_xgb(base_score=0.3), {}, {}, ValueError, "'base_score'.*init_score_"),
        (None, {"gamma": -1.0}, {}, ValueError, "'gamma' parameter"),
        (None, {"alpha": 0.25}, {"multiclass": True}, ValueError, "is a float"),
        (None, {}, {"sample_weight": np.nan}, ValueError, "NaN"),
        (None, {}, {"one_class": True}, ValueError, "only one class"),
        (None, {}, {"init_score": 1.0}, ValueError, "pass \\['init_score'\\]"),
        (None, {}, {"eval_metric": "auc"}, ValueError, "eval_metric must be"),
        (None, {}, {"eval_labels": 7}, ValueError, "not classes of y"),
        (None, {}, {"eval_x_only": True}, ValueError, "list of \\(X, y\\) pairs"),
        (None, {}, {"eval_metric": ["focal_loss"]}, ValueError, "eval_metric must"),
    ],
)
def test_errors_before_any_round(estimator, params, fit, error, match):
    X, y = _data(3 if fit.pop("multiclass", False) else 2)
    if fit.pop("one_class", False):
        y = np.zeros_like(y)
    if "sample_weight" in fit:
        fit["sample_weight"] = np.full(y.size, fit["sample_weight"])
    if "eval_labels" in fit:
        fit["eval_set"] = [(X[:10], np.full(10, fit.pop("eval_labels")))]
    if fit.pop("eval_x_only", False):
        fit["eval_set"] = [X[:10]]  # no labels
    rounds = _Rounds()
    if estimator is None or isinstance(estimator, lgb.LGBMClassifier):
        fit["callbacks"] = [rounds]
    clf = FocalBoostingClassifier(estimator or _lgbm(), **params)
    with pytest.raises(error, match=match):
        clf.fit(X, y, **fit)
    assert rounds.count == 0
    assert not hasattr(clf, "estimator_")


def test_too_few_rows_for_lightgbm_is_a_clear_error():
    X, y = _data(n_samples=30)
    with pytest.raises(ValueError, match="no feature it can split"):
        FocalBoostingClassifier(_lgbm()).fit(X, y)
    # With leaves that may hold one row it trains.
    FocalBoostingClassifier(_lgbm(min_child_samples=1, min_data_in_bin=1)).fit(X, y)


def test_a_failed_refit_keeps_the_previous_model():
    X, y = _data()
    clf = FocalBoostingClassifier(_lgbm()).fit(X, y)
    proba = clf.predict_proba(X)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros_like(y))
    assert_array_equal(clf.predict_proba(X), proba)


# --------------------------------------------------------------------------
# In pipelines and searches
# --------------------------------------------------------------------------
def test_after_smote_in_a_grid_search():
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline

    X, y = _data(n_samples=400)
    pipe = Pipeline(
        [
            ("smote", SMOTE(sampling_strategy=0.5, random_state=0)),
            (
                "clf",
                FocalBoostingClassifier(
                    _lgbm(n_estimators=10), class_weight=ClassWeights()
                ),
            ),
        ]
    )
    search = GridSearchCV(
        pipe,
        {
            "clf__gamma": [0.0, 2.0],
            "clf__alpha": [None, 0.25],
            "clf__class_weight": [ClassWeights("effective_number")],
            "clf__class_weight__beta": [0.9, 0.99],
            "clf__estimator__num_leaves": [4, 8],
        },
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        scoring="average_precision",
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 16
    final = search.best_estimator_[-1]
    # The class weights were fitted on the counts after SMOTE.
    majority = np.sum(y == 0)
    resampled = np.r_[np.zeros(majority), np.ones(int(0.5 * majority))]
    beta = search.best_params_["clf__class_weight__beta"]
    expected = ClassWeights("effective_number", beta=beta).fit(resampled)
    assert final.class_weight_ == pytest.approx(expected.class_weight_)
    assert (
        final.estimator_.num_leaves == search.best_params_["clf__estimator__num_leaves"]
    )


def test_metadata_routing_of_sample_weight():
    import sklearn

    X, y = _data(n_samples=300)
    weight = np.random.default_rng(0).uniform(0.5, 2, size=y.size)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = (
            FocalBoostingClassifier(_lgbm(n_estimators=5))
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        routed = cross_validate(
            clf,
            X,
            y,
            cv=StratifiedKFold(2),
            params={"sample_weight": weight},
            return_estimator=True,
        )
    train = next(iter(StratifiedKFold(2).split(X, y)))[0]
    direct = FocalBoostingClassifier(_lgbm(n_estimators=5)).fit(
        X[train], y[train], sample_weight=weight[train]
    )
    assert_allclose(
        routed["estimator"][0].predict_proba(X), direct.predict_proba(X), rtol=1e-12
    )


def test_imbweight_imports_no_booster_and_says_what_to_install(monkeypatch):
    import subprocess
    import sys

    # A fresh interpreter: importing imbweight (and its boosting package)
    # loads neither engine.
    code = (
        "import sys, imbweight, imbweight.boosting; "
        "print('lightgbm' in sys.modules, 'xgboost' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
    # Without lightgbm, the default booster asks for the extra.
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    X, y = _data(n_samples=100)
    with pytest.raises(ImportError, match=r"imbweight\[lightgbm\]"):
        FocalBoostingClassifier().fit(X, y)
