"""Tests of the engine-neutral focal objective and metrics of imbweight.boosting."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.metrics import average_precision_score

from imbweight.boosting._objective import (
    CURVATURE_FLOOR,
    FocalMetric,
    FocalObjective,
    class_weight_table,
)
from imbweight.losses import (
    BinaryFocalLoss,
    MultinomialFocalLoss,
    focal_margin_gradient_hessian,
)

EPS = np.finfo(np.float64).eps


def _data(n_classes, n_samples=300, scale=3.0, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n_classes, size=n_samples)
    shape = (n_samples,) if n_classes == 2 else (n_samples, n_classes)
    return codes.astype(np.float32), rng.normal(scale=scale, size=shape), rng


# --------------------------------------------------------------------------
# Weights: applied by the objective, integer weights equal repeated rows
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_integer_weights_equal_repeated_rows(n_classes, gamma):
    # Each row's gradient and Hessian are its unit-weight values times its
    # weight w ≤ 3 (times α and class weight): k·g rounds like g + ... + g
    # for k ≤ 3 (2g is exact, so both are round(3g)), and the floor scales
    # with the weight too. So the per-row sums of the repeated rows equal
    # the weighted rows to the rounding of the class weight product, and
    # the totals to that of summing in another order.
    labels, raw, rng = _data(n_classes)
    alpha = 0.25 if n_classes == 2 else np.array([0.1, 0.3, 0.2, 0.4])
    class_weight = {0: 0.5, 1: 2.0}
    objective = FocalObjective(
        gamma, alpha, class_weight, n_classes, hessian_scale=1.5 if n_classes > 2 else 1
    )
    weight = rng.integers(0, 4, size=labels.shape[0]).astype(np.float64)
    gradient, hessian = objective.gradient_hessian(labels, raw, weight)
    repeats = np.repeat(np.arange(labels.shape[0]), weight.astype(int))
    gradient_rep, hessian_rep = objective.gradient_hessian(
        labels[repeats], raw[repeats]
    )
    starts = np.concatenate([[0], np.cumsum(weight.astype(int))[:-1]])
    kept = weight > 0
    for weighted, repeated in [(gradient, gradient_rep), (hessian, hessian_rep)]:
        per_row = np.add.reduceat(repeated, starts[kept], axis=0)
        assert_allclose(per_row, weighted[kept], rtol=4 * EPS, atol=0)
        assert_array_equal(weighted[~kept], 0.0)
        scale = np.sum(np.abs(weighted), axis=0)
        error = np.abs(weighted.sum(axis=0) - repeated.sum(axis=0))
        assert np.all(error <= 4 * EPS * labels.shape[0] * scale)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_weights_multiply_the_loss_derivatives(n_classes):
    # The objective is the loss's gradient_hessian with weight × class
    # weight and the floor, times the engine's softmax scale.
    labels, raw, rng = _data(n_classes)
    codes = labels.astype(int)
    weight = rng.uniform(0.5, 2, size=codes.shape[0])
    class_weight = np.arange(1.0, n_classes + 1)
    scale = 1.0 if n_classes == 2 else 2.0
    objective = FocalObjective(2.0, None, class_weight, n_classes, hessian_scale=scale)
    gradient, hessian = objective.gradient_hessian(labels, raw, weight)
    loss = BinaryFocalLoss(2.0) if n_classes == 2 else MultinomialFocalLoss(2.0)
    expected = loss.gradient_hessian(
        codes, raw, weight * class_weight[codes], curvature_floor=CURVATURE_FLOOR
    )
    assert_array_equal(gradient, expected[0])
    assert_array_equal(hessian, expected[1] * scale)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_output_and_xgboost_empty_weights(n_classes):
    # Two classes: float32 scores are worked in float32 (as XGBoost works its
    # own objectives), ≲ 80 float32 ulps ≈ 5e-6 from the float64 result.
    labels, raw, _ = _data(n_classes)
    objective = FocalObjective(2.0, n_classes=n_classes)
    gradient64, hessian64 = objective.gradient_hessian(labels, raw)
    gradient, hessian = objective.gradient_hessian(
        labels, raw.astype(np.float32), np.empty(0, dtype=np.float32), np.float32
    )
    assert gradient.dtype == hessian.dtype == np.float32
    assert gradient.flags.f_contiguous and hessian.flags.f_contiguous
    # float32 scores lose ~6e-8 of each logit (|z| ≲ 12): the derivatives,
    # whose relative change is ≲ (1 + γ) per unit of logit, move by ≲ 2e-6.
    assert_allclose(gradient, gradient64, rtol=1e-5, atol=1e-7)
    assert_allclose(hessian, hessian64, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_init_score_is_added_to_the_scores(n_classes, dtype):
    # The objective and the metric of a booster that starts from 0 see the
    # scores of one that starts from the init score: the same arithmetic,
    # raw + init_score, done block by block instead of on the whole array.
    labels, raw, rng = _data(n_classes)
    weight = rng.uniform(0.5, 2.0, size=labels.shape[0])
    init = rng.normal(size=() if n_classes == 2 else (n_classes,))
    shifted = FocalObjective(2.0, n_classes=n_classes, init_score=init)
    plain = FocalObjective(2.0, n_classes=n_classes)
    for results, expected in zip(
        shifted.gradient_hessian(labels, raw, weight, dtype),
        plain.gradient_hessian(labels, raw + init, weight, dtype),
        strict=True,
    ):
        assert_array_equal(results, expected)
    for name in ("focal_loss", "average_precision"):
        metric = FocalMetric(name, 2.0, n_classes=n_classes, init_score=init)
        assert metric.evaluate(labels, raw, weight) == FocalMetric(
            name, 2.0, n_classes=n_classes
        ).evaluate(labels, raw + init, weight)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_objective_keeps_no_array_of_the_rows(n_classes):
    # The booster keeps the objective for as long as the model lives, and
    # the objective's memory adds to the engine's peak: nothing of the
    # training set's length may stay behind after a round.
    labels, raw, rng = _data(n_classes)
    weight = rng.uniform(0.5, 2.0, size=labels.shape[0])
    objective = FocalObjective(2.0, n_classes=n_classes, class_weight=[1.0] * n_classes)
    objective.gradient_hessian(labels, raw, weight)
    sizes = [np.size(value) for value in vars(objective).values()]
    sizes += [np.size(value) for value in vars(objective.loss).values()]
    assert max(sizes) <= n_classes


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_rows(n_classes):
    shape = (0,) if n_classes == 2 else (0, n_classes)
    objective = FocalObjective(2.0, n_classes=n_classes, n_threads=2)
    for result in objective.gradient_hessian(np.empty(0), np.empty(shape)):
        assert result.shape == shape


def test_flat_class_major_scores_are_accepted():
    labels, raw, _ = _data(3)
    objective = FocalObjective(1.0, n_classes=3)
    flat = objective.gradient_hessian(labels, raw.ravel(order="F"))
    assert_array_equal(flat[0], objective.gradient_hessian(labels, raw)[0])
    with pytest.raises(ValueError, match=r"shape \(300, 2\).*expects \(300, 3\)"):
        objective.gradient_hessian(labels, raw[:, :2])


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("n_threads", [1, 3])
def test_blocks_and_threads_do_not_change_the_result(monkeypatch, n_classes, n_threads):
    from imbweight.boosting import _objective

    # 1000 rows in blocks of 64: 16 blocks, the last one short
    labels, raw, rng = _data(n_classes, n_samples=1000)
    weight = rng.uniform(0.5, 2.0, size=labels.shape[0])
    whole = FocalObjective(2.0, n_classes=n_classes).gradient_hessian(
        labels, raw, weight
    )
    monkeypatch.setattr(_objective, "BLOCK_ROWS", 64)
    objective = FocalObjective(2.0, n_classes=n_classes, n_threads=n_threads)
    blocked = objective.gradient_hessian(labels, raw, weight)
    assert_array_equal(whole[0], blocked[0])
    assert_array_equal(whole[1], blocked[1])


# --------------------------------------------------------------------------
# Curvature floor
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_hessian_is_positive_and_exact_where_convex(n_classes, gamma):
    labels, raw, _ = _data(n_classes, n_samples=3000, scale=4.0)
    codes = labels.astype(int)
    objective = FocalObjective(gamma, n_classes=n_classes)
    _, hessian = objective.gradient_hessian(labels, raw)
    loss = BinaryFocalLoss(gamma) if n_classes == 2 else MultinomialFocalLoss(gamma)
    _, exact = loss.gradient_hessian(codes, raw)
    assert np.mean(exact < 0) > 0.05  # the data reaches the non-convex region
    assert np.all(hessian > 0)
    # Rows whose margin keeps ℓ'' above the floor get the exact values.
    if n_classes == 2:
        margin = np.where(codes == 1, raw, -raw)
    else:
        true = raw[np.arange(codes.size), codes]
        others = np.where(np.arange(n_classes) == codes[:, None], -np.inf, raw)
        margin = true - np.log(np.sum(np.exp(others), axis=1))
    _, curvature = focal_margin_gradient_hessian(margin, gamma)
    frozen = expit(margin) * expit(-margin) ** (gamma + 1)
    # (A margin of 10 % keeps rows whose test-side margin rounds differently.)
    convex = curvature > 1.1 * CURVATURE_FLOOR * frozen
    assert np.mean(convex) > 0.25
    assert_allclose(hessian[convex], exact[convex], rtol=8 * EPS)


def test_gamma_zero_is_the_weighted_log_loss_with_the_engine_scale():
    labels, raw, rng = _data(4)
    weight = rng.uniform(0.5, 2, size=labels.shape[0])
    gradient, hessian = FocalObjective(
        0.0, n_classes=4, hessian_scale=4 / 3
    ).gradient_hessian(labels, raw, weight)
    proba = softmax(raw, axis=1)
    onehot = np.eye(4)[labels.astype(int)]
    # 1 - p_j as the sum of the other probabilities: no cancellation.
    rest = np.column_stack([np.delete(proba, j, axis=1).sum(axis=1) for j in range(4)])
    # The same values rounded differently: ≲ 64 eps for the diagonal (see
    # tests/test_losses.py) plus the scale and the weight. The gradient's
    # p_j - δ cancels for the true class: compare it at the scale of its
    # terms, |g| ≤ w ≤ 2.
    assert_allclose(gradient, (proba - onehot) * weight[:, None], atol=64 * EPS * 2)
    assert_allclose(
        hessian, 4 / 3 * proba * rest * weight[:, None], rtol=64 * EPS, atol=0
    )


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n_classes", [2, 3])
def test_focal_loss_metric_is_the_weighted_mean_of_the_objective(n_classes):
    labels, raw, rng = _data(n_classes)
    codes = labels.astype(int)
    weight = rng.uniform(0.5, 2, size=codes.shape[0])
    alpha = 0.3 if n_classes == 2 else np.array([0.2, 0.3, 0.5])
    class_weight = np.linspace(1, 2, n_classes)
    metric = FocalMetric("focal_loss", 2.0, alpha, class_weight, n_classes)
    loss = (BinaryFocalLoss if n_classes == 2 else MultinomialFocalLoss)(2.0, alpha)
    row_weight = weight * class_weight[codes]
    values = loss.loss_gradient(codes, raw, row_weight)[0]
    expected = values.sum() / row_weight.sum()
    assert metric.higher_is_better is False
    assert_allclose(metric.evaluate(labels, raw, weight), expected, rtol=1e-13)


def test_average_precision_metric_reads_probabilities():
    labels, raw, rng = _data(2)
    weight = rng.uniform(0.5, 2, size=labels.shape[0])
    metric = FocalMetric("average_precision", 2.0, class_weight=[1.0, 9.0])
    # Class weights do not enter: only the rows' own weights.
    expected = average_precision_score(labels, expit(raw), sample_weight=weight)
    assert metric.evaluate(labels, raw, weight) == pytest.approx(expected, rel=1e-12)
    labels, raw, _ = _data(3)
    metric = FocalMetric("average_precision", 2.0, n_classes=3)
    onehot = np.eye(3)[labels.astype(int)]
    expected = average_precision_score(onehot, softmax(raw, axis=1))
    assert metric.evaluate(labels, raw) == expected
    assert metric.higher_is_better is True


def test_invalid_arguments():
    with pytest.raises(ValueError, match="eval_metric must be one of"):
        FocalMetric("auc", 2.0)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        FocalObjective(2.0, n_classes=1)
    for gamma in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
            FocalObjective(gamma)
    with pytest.raises(ValueError, match=r"alpha=0\.25 is a float"):
        FocalObjective(2.0, alpha=0.25, n_classes=3)
    with pytest.raises(ValueError, match=r"class codes 0 \.\. 1; got \[2\]"):
        class_weight_table({2: 1.0}, 2)
    with pytest.raises(ValueError, match=r"shape \(3,\); got shape \(2,\)"):
        class_weight_table([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="finite and non-negative"):
        class_weight_table([1.0, np.nan], 2)
    assert_array_equal(class_weight_table({1: 3.0}, 3), [1.0, 3.0, 1.0])
    # Labels outside the class codes: -1 would be read as the last class of
    # a softmax, 2 as a sigmoid's sign of 3.
    for labels, n_classes in (([0.0, -1.0], 3), ([0.0, 2.0], 2), ([np.nan, 1.0], 2)):
        scores = np.zeros((2, n_classes) if n_classes > 2 else 2)
        with pytest.raises(ValueError, match=f"class codes 0 .. {n_classes - 1}"):
            FocalObjective(2.0, n_classes=n_classes).gradient_hessian(labels, scores)
        with pytest.raises(ValueError, match=f"class codes 0 .. {n_classes - 1}"):
            FocalMetric("focal_loss", 2.0, n_classes=n_classes).evaluate(labels, scores)
    for init_score, n_classes in ((np.inf, 2), ([0.0, 1.0], 2), (0.5, 3)):
        with pytest.raises(ValueError, match="init_score of"):
            FocalObjective(2.0, n_classes=n_classes, init_score=init_score)
