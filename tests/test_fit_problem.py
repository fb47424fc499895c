"""Tests of :mod:`imbweight._fit_problem`: the problem a fit hands its solver."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from imbweight import ClassWeights, FocalLogisticRegression, WeightedSGDClassifier
from imbweight._fit_problem import build_fit_problem


def _data(n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 3))
    y = np.array(["a", "b", "c"][:n_classes])[rng.integers(0, n_classes, 60)]
    return X, y


@pytest.mark.parametrize(
    "estimator", [FocalLogisticRegression(), WeightedSGDClassifier()]
)
def test_building_the_problem_writes_nothing_on_the_estimator(estimator):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["u", "v", "w"])
    before = dict(vars(estimator))
    problem = build_fit_problem(estimator, frame, y, None)
    assert vars(estimator) == before
    assert problem.n_features_in == 3
    assert problem.feature_names_in.tolist() == ["u", "v", "w"]
    assert problem.fitted_attributes(problem.objective.init_zero_coef(3))[
        "feature_names_in_"
    ].tolist() == ["u", "v", "w"]


def test_problem_of_a_weighted_multiclass_fit():
    X, y = _data(n_classes=3)
    clf = FocalLogisticRegression(
        gamma=1.0, alpha={"a": 0.2, "b": 0.3, "c": 0.5}, class_weight=ClassWeights()
    )
    sample_weight = np.linspace(0.5, 2.0, y.size)
    problem = build_fit_problem(clf, X, y, sample_weight)
    assert problem.target_kind == "multiclass"
    assert_array_equal(problem.classes, ["a", "b", "c"])
    assert_array_equal(problem.classes[problem.target], y)
    expected = ClassWeights().fit(y, sample_weight=sample_weight).class_weight_
    assert problem.class_weight == expected
    per_sample = np.array([expected[label] for label in y]) * sample_weight
    assert_array_equal(problem.sample_weight, per_sample)
    assert_array_equal(problem.objective.loss.alpha, [0.2, 0.3, 0.5])
    assert problem.objective.n_outputs == 3
    assert problem.weight_sum == pytest.approx(per_sample.sum(), rel=1e-15)
    assert problem.l2_reg_strength(np.inf) == 0.0


def test_unit_weights_cost_no_memory():
    X, y = _data()
    problem = build_fit_problem(FocalLogisticRegression(), X, y, None)
    assert problem.sample_weight.strides == (0,)


def test_non_finite_solution_is_refused():
    X, y = _data()
    problem = build_fit_problem(FocalLogisticRegression(), X, y, None)
    coef = problem.objective.init_zero_coef(3)
    coef[1] = np.nan
    with pytest.raises(FloatingPointError, match="non-finite coefficients"):
        problem.fitted_attributes(coef)
