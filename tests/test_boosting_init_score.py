"""Tests of the focal init score (the optimal constant raw score)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from imbweight.boosting import focal_init_score, repeat_init_score
from imbweight.boosting._init_score import MIN_PROBABILITY
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

GAMMAS = [0.0, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0]
# The derivative of the weighted loss of a constant, per unit of weight, must
# vanish to 1e-10 (the acceptance bound). It is a sum of O(1) terms of both
# signs evaluated to a few ulps, so round-off leaves ~1e-16: the bound tests
# the solver, not the arithmetic.
DERIVATIVE_ZERO = 1e-10


def _constant_derivative(codes, n_classes, gamma, alpha, weight, score):
    """d/dc of Σ_i w_i ℓ(y_i, c) / Σ_i w_i at the constant ``score``."""
    n_samples = codes.size
    if n_classes == 2:
        loss = BinaryFocalLoss(gamma, alpha)
        raw = np.full(n_samples, score)
    else:
        loss = MultinomialFocalLoss(gamma, alpha)
        raw = np.tile(score, (n_samples, 1))
    _, gradient = loss.loss_gradient(codes, raw, weight)
    return np.sum(gradient, axis=0) / np.sum(weight)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("positive_rate", [1e-4, 0.03, 0.5, 0.9])
def test_binary_init_score_zeroes_the_derivative(positive_rate, gamma):
    rng = np.random.default_rng(0)
    n_samples = 20000
    codes = (rng.random(n_samples) < positive_rate).astype(np.intp)
    codes[0] = 1  # at least one positive
    weight = rng.uniform(0.5, 2, size=n_samples)
    class_weight = {0: 1.0, 1: 3.0}
    score = focal_init_score(
        codes, gamma=gamma, alpha=0.25, class_weight=class_weight, sample_weight=weight
    )
    assert isinstance(score, float)
    row_weight = weight * np.where(codes == 1, 3.0, 1.0)
    derivative = _constant_derivative(codes, 2, gamma, 0.25, row_weight, score)
    assert abs(derivative) <= DERIVATIVE_ZERO


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("n_classes", [3, 6])
def test_softmax_init_score_zeroes_the_gradient(n_classes, gamma):
    rng = np.random.default_rng(1)
    priors = rng.dirichlet(np.full(n_classes, 0.5))
    codes = rng.choice(n_classes, size=20000, p=priors)
    codes[:n_classes] = np.arange(n_classes)  # every class present
    weight = rng.uniform(0.5, 2, size=codes.size)
    alpha = rng.uniform(0.2, 1, size=n_classes)
    score = focal_init_score(
        codes, gamma=gamma, alpha=alpha, sample_weight=weight, n_classes=n_classes
    )
    assert score.shape == (n_classes,)
    # The scores are log-probabilities.
    assert np.log(np.sum(np.exp(score))) == pytest.approx(0.0, abs=1e-15)
    derivative = _constant_derivative(codes, n_classes, gamma, alpha, weight, score)
    assert np.max(np.abs(derivative)) <= DERIVATIVE_ZERO


@pytest.mark.parametrize("gamma", [0.5, 2.0, 10.0])
def test_binary_init_score_is_the_global_minimum(gamma):
    # The focal loss is not convex; the derivative along a constant still
    # changes sign once, so the root is the minimum over all constants.
    rng = np.random.default_rng(2)
    codes = (rng.random(5000) < 0.02).astype(np.intp)
    score = focal_init_score(codes, gamma=gamma)
    loss = BinaryFocalLoss(gamma)
    # The loss of a constant c is n_0 ℓ(-c) + n_1 ℓ(c): one row per class,
    # weighted by its count, for every c of a grid at once.
    grid = np.append(np.linspace(-40, 40, 8001), score)
    values = sum(
        loss.loss_gradient(np.full(grid.size, label), grid, np.full(grid.size, n))[0]
        for label, n in enumerate(np.bincount(codes))
    )
    assert values[-1] <= np.min(values[:-1]) * (1 + 1e-12)


def test_gamma_zero_is_the_weighted_log_odds_and_log_prior():
    # LightGBM's boost_from_average for its binary and multiclass objectives.
    codes = np.array([0, 0, 0, 1, 1, 2, 0, 1])
    weight = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 3.0, 1.0, 2.0])
    totals = np.bincount(codes, weights=weight)
    assert_allclose(
        focal_init_score(codes, gamma=0.0, sample_weight=weight),
        np.log(totals / totals.sum()),
        rtol=4 * np.finfo(float).eps,
    )
    binary = (codes == 1).astype(int)
    expected = np.log(totals[1] / (totals.sum() - totals[1]))
    assert focal_init_score(binary, gamma=0.0, sample_weight=weight) == pytest.approx(
        expected, rel=4 * np.finfo(float).eps
    )


def test_a_class_without_weight_gives_a_finite_score():
    # Its share of the weight is raised to 1e-15: at γ = 0 the log-odds of
    # LightGBM's clamped probabilities, and a finite score for γ > 0.
    bound = np.log((1 - MIN_PROBABILITY) / MIN_PROBABILITY)
    codes = np.array([0, 0, 1, 1])
    assert focal_init_score(codes, gamma=0.0, alpha=1.0) == pytest.approx(bound)
    assert focal_init_score(codes, gamma=0.0, alpha=0.0) == pytest.approx(-bound)
    assert 10 < focal_init_score(codes, gamma=2.0, alpha=1.0) < bound
    assert -bound < focal_init_score(codes, gamma=2.0, alpha=0.0) < -10
    for gamma in (0.0, 2.0):
        score = focal_init_score(
            np.array([0, 1, 2]), gamma=gamma, class_weight={2: 0.0}, n_classes=3
        )
        assert np.all(np.isfinite(score)) and score[2] < -10
    with pytest.raises(ValueError, match="positive total weight"):
        focal_init_score(codes, sample_weight=np.zeros(4))


def test_repeat_init_score():
    assert_array_equal(repeat_init_score(0.5, 3), [0.5, 0.5, 0.5])
    repeated = repeat_init_score(np.array([1.0, 2.0, 3.0]), 2)
    assert_array_equal(repeated, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert repeated.dtype == np.float64
