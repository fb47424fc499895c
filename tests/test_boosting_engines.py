"""The objective and metric factories with lightgbm.train and xgboost.train."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification

from imbweight.boosting import (
    focal_init_score,
    lightgbm_metric,
    lightgbm_objective,
    repeat_init_score,
    xgboost_metric,
    xgboost_objective,
)
from imbweight.boosting._objective import FocalMetric

lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")

# See tests/test_boosting_classifier.py for both tolerances: γ = 0 builds the
# built-in objective's trees (LightGBM: identical float32 gradients; XGBoost:
# float32 built-in arithmetic against our float64).
LIGHTGBM_ATOL = 1e-9
XGBOOST_ATOL = 1e-5


def _data(n_classes):
    return make_classification(
        500, 6, n_informative=4, n_classes=n_classes, random_state=0
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lightgbm_train_at_gamma_zero_equals_builtin(n_classes):
    X, y = _data(n_classes)
    class_weight = {0: 1.0, 1: 4.0}
    weight = np.where(y == 1, 4.0, 1.0)
    params = {"verbose": -1, "num_threads": 1}
    if n_classes > 2:
        params["num_class"] = n_classes
    builtin = lgb.train(
        {**params, "objective": "binary" if n_classes == 2 else "multiclass"},
        lgb.Dataset(X, y, weight=weight),
        num_boost_round=20,
    )
    init = focal_init_score(
        y, gamma=0.0, class_weight=class_weight, n_classes=n_classes
    )
    objective = lightgbm_objective(0.0, class_weight=class_weight, n_classes=n_classes)
    ours = lgb.train(
        {**params, "objective": objective},
        lgb.Dataset(X, y, init_score=repeat_init_score(init, y.size)),
        num_boost_round=20,
    )
    assert_allclose(
        ours.predict(X, raw_score=True) + init,
        builtin.predict(X, raw_score=True),
        atol=LIGHTGBM_ATOL,
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_xgboost_train_at_gamma_zero_equals_builtin(n_classes):
    X, y = _data(n_classes)
    init = focal_init_score(y, gamma=0.0, n_classes=n_classes)
    margin = repeat_init_score(init, y.size)
    params = {"nthread": 1}
    if n_classes > 2:
        params["num_class"] = n_classes
    builtin_objective = "binary:logistic" if n_classes == 2 else "multi:softprob"
    builtin = xgb.train(
        {**params, "objective": builtin_objective},
        xgb.DMatrix(X, y, base_margin=margin),
        num_boost_round=20,
    )
    ours = xgb.train(
        params,
        xgb.DMatrix(X, y, base_margin=margin),
        num_boost_round=20,
        obj=xgboost_objective(0.0, n_classes=n_classes),
    )
    test = xgb.DMatrix(X, base_margin=margin)
    assert_allclose(
        ours.predict(test, output_margin=True),
        builtin.predict(test, output_margin=True),
        atol=XGBOOST_ATOL,
    )


def test_lightgbm_feval_reads_scores_with_the_init_score():
    X, y = _data(2)
    init = focal_init_score(y, gamma=2.0, alpha=0.25)
    train = lgb.Dataset(X[:400], y[:400], init_score=np.full(400, init))
    valid = lgb.Dataset(X[400:], y[400:], init_score=np.full(100, init))
    log = {}
    booster = lgb.train(
        {"objective": lightgbm_objective(2.0, alpha=0.25), "verbose": -1},
        train,
        num_boost_round=5,
        valid_sets=[valid],
        feval=[
            lightgbm_metric("focal_loss", gamma=2.0, alpha=0.25),
            lightgbm_metric("average_precision"),
        ],
        callbacks=[lgb.record_evaluation(log)],
    )
    for name in ("focal_loss", "average_precision"):
        metric = FocalMetric(name, 2.0, 0.25)
        for iteration in (1, 5):
            raw = booster.predict(X[400:], raw_score=True, num_iteration=iteration)
            expected = metric.evaluate(y[400:], raw + init)
            assert log["valid_0"][name][iteration - 1] == pytest.approx(expected)


def test_xgboost_custom_metric_and_sklearn_forms():
    X, y = _data(3)
    init = focal_init_score(y, gamma=1.0, n_classes=3)
    dtrain = xgb.DMatrix(X, y, base_margin=repeat_init_score(init, y.size))
    log = {}
    booster = xgb.train(
        {"num_class": 3, "disable_default_eval_metric": True, "nthread": 1},
        dtrain,
        num_boost_round=3,
        obj=xgboost_objective(1.0, n_classes=3),
        custom_metric=xgboost_metric("focal_loss", gamma=1.0, n_classes=3),
        evals=[(dtrain, "train")],
        evals_result=log,
        verbose_eval=False,
    )
    raw = booster.predict(dtrain, output_margin=True)
    expected = FocalMetric("focal_loss", 1.0, n_classes=3).evaluate(y, raw)
    # XGBoost keeps float32 margins and logs float32 values.
    assert log["train"]["focal_loss"][-1] == pytest.approx(expected, rel=1e-6)
    metric = xgboost_metric("focal_loss", gamma=1.0, n_classes=3, sklearn=True)
    assert metric.__name__ == "focal_loss"
    assert metric(y, raw) == pytest.approx(expected, rel=1e-12)
    objective = xgboost_objective(1.0, n_classes=3, sklearn=True)
    gradient, hessian = objective(y.astype(np.float32), raw, sample_weight=None)
    assert gradient.shape == hessian.shape == (y.size, 3)
