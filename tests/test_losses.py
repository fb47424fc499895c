"""Tests of the pointwise focal losses in :mod:`imbweight.losses`."""

import itertools

import mpmath
import numpy as np
import pytest
from _numerics import EPS, five_point_derivative, five_point_error_bound, on_grid
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.metrics import log_loss

from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
TINY = np.finfo(np.float64).tiny

# --------------------------------------------------------------------------
# Gradient against five-point finite differences
# --------------------------------------------------------------------------
# Tolerance (see tests/_numerics.py): truncation h⁴/30·M5 + rounding
# 1.5·ulps·eps·F/h, with h = 2**-10 and the logits on an exact grid.
#
# M5 bounds the 5th derivative of one loss term along one logit.
# * The margin loss ℓ(t) = -(1-σ(t))^γ log σ(t) has |ℓ^(k)(t)| ≤ 2.3 for
#   k ≤ 5 and γ ≤ 5 (computed with mpmath on t ∈ [-40, 40], step 0.1: the
#   largest is |ℓ^(5)| = 2.25 at γ = 5; outside, ℓ is ~linear or ~0).
# * Sigmoid: t = ±z, so the same 2.3 holds. Softmax: along one logit the
#   margin t is either z_y + c or c - log(A + e^z), whose derivatives are the
#   sigmoid's, all ≤ 1; Faà di Bruno then gives |d⁵ℓ/dz⁵| ≤ B₅ · 2.3 =
#   52 · 2.3 ≈ 120 (B₅ = 52 partitions of 5).
# * The weights multiply it: α ≤ 1, sample_weight ≤ 2. So M5 = 240.
LOSS_M5 = 240.0
# One evaluation of a loss term is accurate to ≲ 130 ulps of F for logits in
# [-4, 4]: ~10 rounded elementary operations, plus exp(γ log q) turning the
# ≤ 1 ulp error of log q into γ|log q| ≤ 5 · 9 = 45 ulps, plus (softmax) the
# margin's absolute error ≲ 3 · 4 eps amplified by |ℓ'/ℓ| ≤ 1 + γ = 6 (72
# ulps), plus the sum over ≤ 3 labels. 400 ulps is that with a factor 3.
LOSS_ULPS = 400.0


def _random_logits(rng, shape):
    return on_grid(rng.uniform(-4, 4, size=shape))


def _assert_gradient_matches_finite_differences(loss_fn, y, raw, sample_weight):
    loss, gradient = loss_fn.loss_gradient(y, raw, sample_weight)
    assert loss.shape == (raw.shape[0],)
    assert gradient.shape == raw.shape
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(gradient))
    # Loss terms are separable across samples, so perturbing one column of
    # every row at once gives d loss_i / d raw[i, column] for all i.
    columns = [None] if raw.ndim == 1 else range(raw.shape[1])
    for column in columns:
        direction = np.zeros_like(raw)
        if column is None:
            direction[:] = 1.0
            analytic = gradient
        else:
            direction[:, column] = 1.0
            analytic = gradient[:, column]
        numeric, f_max = five_point_derivative(
            lambda s, direction=direction: loss_fn.loss_gradient(
                y, raw + s * direction, sample_weight
            )[0]
        )
        bound = five_point_error_bound(f_max, m5=LOSS_M5, ulps=LOSS_ULPS)
        error = np.abs(numeric - analytic)
        worst = np.argmax(error - bound)
        assert np.all(error <= bound), (
            f"column {column}: |fd - grad| = {error[worst]:.3e} > bound "
            f"{bound[worst]:.3e} at raw={raw[worst]}, y={y[worst]}"
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [None, 0.25])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_binary_gradient_finite_differences(gamma, alpha, weighted):
    rng = np.random.default_rng(0)
    n_samples = 200
    y = rng.integers(0, 2, size=n_samples).astype(np.float64)
    raw = _random_logits(rng, n_samples)
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None
    _assert_gradient_matches_finite_differences(
        BinaryFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


@pytest.mark.parametrize("weight_shape", [None, "per_sample", "per_element"])
@pytest.mark.parametrize("alpha", [None, 0.25, np.array([0.1, 0.5, 0.9])])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_multilabel_gradient_finite_differences(gamma, alpha, weight_shape):
    rng = np.random.default_rng(1)
    n_samples, n_labels = 150, 3
    y = rng.integers(0, 2, size=(n_samples, n_labels)).astype(np.float64)
    raw = _random_logits(rng, (n_samples, n_labels))
    sample_weight = {
        None: None,
        "per_sample": rng.uniform(0.5, 2, size=n_samples),
        "per_element": rng.uniform(0.5, 2, size=(n_samples, n_labels)),
    }[weight_shape]
    _assert_gradient_matches_finite_differences(
        BinaryFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [None, np.array([0.1, 0.4, 0.7, 1.0])])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_multinomial_gradient_finite_differences(gamma, alpha, weighted):
    rng = np.random.default_rng(2)
    n_samples, n_classes = 150, 4
    y = rng.integers(0, n_classes, size=n_samples)
    raw = _random_logits(rng, (n_samples, n_classes))
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None
    _assert_gradient_matches_finite_differences(
        MultinomialFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


# --------------------------------------------------------------------------
# Extreme logits against a high-precision reference
# --------------------------------------------------------------------------
EXTREME_MAGNITUDES = [1e-8, 1.0, 40.0, 700.0, 1e4]
EXTREME_LOGITS = [s * v for v in EXTREME_MAGNITUDES for s in (1.0, -1.0)]
EXTREME_GAMMAS = [0.0, 0.3, 0.5, 2.0, 10.0]
# Every arrangement of (v, 0, -v): with every true class this covers each
# logit of EXTREME_LOGITS as the true, the largest and the smallest logit.
EXTREME_ROWS = [
    list(row)
    for v in EXTREME_MAGNITUDES
    for row in itertools.permutations((v, 0.0, -v))
]
RTOL_REFERENCE = 1e-10

# Working precision of the reference, in decimal digits. The reference takes
# the loss from its definition, -(1 - p_t)^γ log p_t, with p_t the sigmoid
# or softmax probability of the true class (exp in mpmath, exact inputs) and
# 1 - p_t a literal subtraction: that subtraction is exact to ~1e-350
# absolutely. A loss or gradient value ≥ tiny ≈ 2.2e-308 only arises where
# 1 - p_t ≳ tiny (as p_t → 1 both are O((1 - p_t)^(1+γ))), so it is resolved
# to ≳ 40 significant digits; a value below tiny comes out below tiny.
# mpmath.diff evaluates at twice this precision with the step 2^-(prec+10),
# so its rounding noise is ~|ℓ| 2^-(prec+30) ≈ |ℓ| 1e-360, far below
# 1e-10 · tiny for |ℓ| ≤ 1e4. (mpmath has an unbounded exponent range, so
# e^±1e4 is no problem.)
REFERENCE_DPS = 350


def _reference_binary(z, y, gamma):
    """Loss and d loss / dz at logit z, true label y, as mpf."""
    with mpmath.workdps(REFERENCE_DPS):
        gamma = mpmath.mpf(gamma)

        def loss(z):
            # Probability of the true class: σ(z) for y = 1, σ(-z) for y = 0.
            p_true = 1 / (1 + mpmath.exp(-z if y == 1 else z))
            return -((1 - p_true) ** gamma) * mpmath.log(p_true)

        z = mpmath.mpf(z)
        return +loss(z), +mpmath.diff(loss, z)


def _reference_multinomial(row, true_class, gamma):
    """Loss and its gradient (list) at the logits ``row``, as mpf."""
    with mpmath.workdps(REFERENCE_DPS):
        gamma = mpmath.mpf(gamma)

        def loss(*z):
            exp_z = [mpmath.exp(value) for value in z]
            p_true = exp_z[true_class] / mpmath.fsum(exp_z)
            return -((1 - p_true) ** gamma) * mpmath.log(p_true)

        z = [mpmath.mpf(value) for value in row]
        n = len(z)
        gradient = [
            +mpmath.diff(loss, z, tuple(int(i == j) for i in range(n)))
            for j in range(n)
        ]
        return +loss(*z), gradient


def _assert_matches_reference(computed, reference, what):
    computed = np.ravel(computed)
    assert len(computed) == len(reference)
    assert np.all(np.isfinite(computed)), f"{what}: not finite: {computed}"
    failures = []
    for i, (value, exact) in enumerate(zip(computed, reference, strict=True)):
        assert mpmath.isfinite(exact), f"{what}[{i}]: reference not finite"
        if abs(exact) >= TINY:
            error = abs(mpmath.mpf(float(value)) - exact) / abs(exact)
            if not error <= RTOL_REFERENCE:
                failures.append(
                    f"{what}[{i}]: {value!r} vs {mpmath.nstr(exact, 17)}, "
                    f"relative error {mpmath.nstr(error, 3)}"
                )
        elif not abs(value) <= TINY:
            failures.append(
                f"{what}[{i}]: {value!r} but |reference| = "
                f"{mpmath.nstr(abs(exact), 3)} < tiny"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("gamma", EXTREME_GAMMAS)
def test_binary_extreme_logits_match_high_precision(gamma, y):
    raw = np.array(EXTREME_LOGITS)
    y_true = np.full(raw.shape, float(y))
    loss, gradient = BinaryFocalLoss(gamma=gamma).loss_gradient(y_true, raw)
    reference = [_reference_binary(z, y, gamma) for z in EXTREME_LOGITS]
    for i, z in enumerate(EXTREME_LOGITS):
        _assert_matches_reference(
            [loss[i], gradient[i]], reference[i], f"z={z}, y={y}, gamma={gamma}"
        )


@pytest.mark.parametrize("true_class", [0, 1, 2])
@pytest.mark.parametrize("gamma", EXTREME_GAMMAS)
def test_multinomial_extreme_logits_match_high_precision(gamma, true_class):
    raw = np.array(EXTREME_ROWS)
    y_true = np.full(raw.shape[0], true_class)
    loss, gradient = MultinomialFocalLoss(gamma=gamma).loss_gradient(y_true, raw)
    for i, row in enumerate(EXTREME_ROWS):
        ref_loss, ref_gradient = _reference_multinomial(row, true_class, gamma)
        _assert_matches_reference(
            [loss[i], *gradient[i]],
            [ref_loss, *ref_gradient],
            f"row={row}, class={true_class}, gamma={gamma}",
        )


# --------------------------------------------------------------------------
# gamma = 0, alpha = None is (weighted) cross-entropy
# --------------------------------------------------------------------------
# sklearn's log_loss takes -log of a rounded probability p_y: that is off by
# eps/|log p_y| relative, and |log p_y| ≥ 1 - p_y ≥ 6.7e-3 here (|z| ≤ 5 for
# the sigmoid; logits in [-3, 3] with 4 classes give 1 - p_y ≥ 7.4e-3), so
# ≤ 3.3e-14 per term. Our terms are accurate to a few ulps and both sides
# form a weighted mean of positive terms. 1e-12 leaves a factor 30.
RTOL_LOG_LOSS = 1e-12


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_equals_log_loss(weighted):
    rng = np.random.default_rng(3)
    n_samples = 500
    y = rng.integers(0, 2, size=n_samples).astype(np.float64)
    raw = rng.uniform(-5, 5, size=n_samples)
    sample_weight = rng.uniform(0.1, 3, size=n_samples) if weighted else None
    loss, _ = BinaryFocalLoss(gamma=0.0).loss_gradient(y, raw, sample_weight)
    weight_sum = n_samples if sample_weight is None else sample_weight.sum()
    expected = log_loss(y, expit(raw), sample_weight=sample_weight)
    assert_allclose(loss.sum() / weight_sum, expected, rtol=RTOL_LOG_LOSS)


@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_cross_entropy_equals_log_loss(weighted):
    rng = np.random.default_rng(4)
    n_samples, n_classes = 500, 4
    y = rng.integers(0, n_classes, size=n_samples)
    raw = rng.uniform(-3, 3, size=(n_samples, n_classes))
    sample_weight = rng.uniform(0.1, 3, size=n_samples) if weighted else None
    loss, _ = MultinomialFocalLoss(gamma=0.0).loss_gradient(y, raw, sample_weight)
    weight_sum = n_samples if sample_weight is None else sample_weight.sum()
    expected = log_loss(
        y,
        softmax(raw, axis=1),
        sample_weight=sample_weight,
        labels=list(range(n_classes)),
    )
    assert_allclose(loss.sum() / weight_sum, expected, rtol=RTOL_LOG_LOSS)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_two_class_softmax_equals_sigmoid(gamma):
    # softmax([0, z]) = (σ(-z), σ(z)): the two losses are the same function.
    # The margins agree exactly (±z), the loss is then bit-identical and the
    # gradient differs only by the softmax's extra product with 1/sum = 1.
    rng = np.random.default_rng(5)
    raw = rng.uniform(-6, 6, size=100)
    y = rng.integers(0, 2, size=100)
    binary = BinaryFocalLoss(gamma=gamma).loss_gradient(y.astype(float), raw)
    raw_2 = np.column_stack([np.zeros_like(raw), raw])
    multi = MultinomialFocalLoss(gamma=gamma).loss_gradient(y, raw_2)
    assert_allclose(multi[0], binary[0], rtol=4 * EPS)
    assert_allclose(multi[1][:, 1], binary[1], rtol=4 * EPS)
    assert_allclose(multi[1][:, 0], -binary[1], rtol=4 * EPS)


# --------------------------------------------------------------------------
# float32 in, float32 out
# --------------------------------------------------------------------------
# float32 unit roundoff u = 2^-24. Computed on the same (float32) logits, a
# loss term or gradient entry is accurate to ≲ 60 u relative: ~10 rounded
# operations, γ|log q| ≤ 2 · 6 from exp(γ log q), and (softmax) a margin
# error ≲ 3 · 5 u amplified by |ℓ'/ℓ| ≤ 1 + γ = 3. Every gradient entry is a
# product of factors that do not vanish (ℓ' < 0 everywhere), so a relative
# tolerance applies entrywise. 2^-16 = 256 u leaves a factor 4.
RTOL_FLOAT32 = 2.0**-16


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("kind", ["binary", "multilabel", "multinomial"])
def test_float32_in_float32_out(kind, gamma, weighted):
    rng = np.random.default_rng(6)
    n_samples = 300
    if kind == "binary":
        loss_fn = BinaryFocalLoss(gamma=gamma, alpha=0.25)
        shape = (n_samples,)
        y = rng.integers(0, 2, size=shape).astype(np.float64)
    elif kind == "multilabel":
        loss_fn = BinaryFocalLoss(gamma=gamma, alpha=np.array([0.2, 0.5, 0.8]))
        shape = (n_samples, 3)
        y = rng.integers(0, 2, size=shape).astype(np.float64)
    else:
        loss_fn = MultinomialFocalLoss(gamma=gamma, alpha=np.array([0.2, 0.5, 0.8]))
        shape = (n_samples, 3)
        y = rng.integers(0, 3, size=n_samples)
    raw32 = rng.uniform(-5, 5, size=shape).astype(np.float32)
    # float64 weights on purpose: they must not promote the result.
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None

    loss32, gradient32 = loss_fn.loss_gradient(y, raw32, sample_weight)
    loss64, gradient64 = loss_fn.loss_gradient(
        y, raw32.astype(np.float64), sample_weight
    )
    assert loss32.dtype == np.float32
    assert gradient32.dtype == np.float32
    assert gradient32.shape == raw32.shape
    assert_allclose(loss32, loss64, rtol=RTOL_FLOAT32)
    assert_allclose(gradient32, gradient64, rtol=RTOL_FLOAT32)


# --------------------------------------------------------------------------
# alpha semantics
# --------------------------------------------------------------------------
# The weighted value is the unweighted one times one factor: at most one
# extra rounding, so 2 eps relative.


@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("alpha", [0.0, 0.25, 1.0])
def test_binary_alpha_weights_positives_and_negatives(alpha, gamma):
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, size=200).astype(np.float64)
    raw = rng.uniform(-5, 5, size=200)
    sample_weight = rng.uniform(0.5, 2, size=200)
    plain = BinaryFocalLoss(gamma=gamma).loss_gradient(y, raw)
    weighted = BinaryFocalLoss(gamma=gamma, alpha=alpha).loss_gradient(
        y, raw, sample_weight
    )
    factor = np.where(y == 1, alpha, 1 - alpha) * sample_weight
    assert_allclose(weighted[0], plain[0] * factor, rtol=2 * EPS)
    assert_allclose(weighted[1], plain[1] * factor, rtol=2 * EPS)
    if alpha == 1.0:
        # Only positives count.
        assert_array_equal(weighted[0][y == 0], 0.0)
        assert np.all(weighted[0][y == 1] > 0)


def test_multilabel_alpha_is_per_label():
    rng = np.random.default_rng(8)
    alpha = np.array([0.1, 0.5, 0.9])
    y = rng.integers(0, 2, size=(200, 3)).astype(np.float64)
    raw = rng.uniform(-5, 5, size=(200, 3))
    gamma = 2.0
    weighted = BinaryFocalLoss(gamma=gamma, alpha=alpha).loss_gradient(y, raw)
    for label in range(3):
        plain = BinaryFocalLoss(gamma=gamma).loss_gradient(y[:, label], raw[:, label])
        factor = np.where(y[:, label] == 1, alpha[label], 1 - alpha[label])
        assert_allclose(weighted[1][:, label], plain[1] * factor, rtol=2 * EPS)
    # The per-sample loss is the sum over labels of the weighted terms.
    per_label = [
        BinaryFocalLoss(gamma=gamma, alpha=alpha[label]).loss_gradient(
            y[:, label], raw[:, label]
        )[0]
        for label in range(3)
    ]
    assert_allclose(weighted[0], np.sum(per_label, axis=0), rtol=4 * EPS)


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_multinomial_alpha_indexes_by_class_code(gamma):
    rng = np.random.default_rng(9)
    n_classes = 4
    alpha = np.array([0.1, 0.4, 0.0, 2.5])
    y = rng.integers(0, n_classes, size=200)
    raw = rng.uniform(-5, 5, size=(200, n_classes))
    sample_weight = rng.uniform(0.5, 2, size=200)
    plain = MultinomialFocalLoss(gamma=gamma).loss_gradient(y, raw)
    weighted = MultinomialFocalLoss(gamma=gamma, alpha=alpha).loss_gradient(
        y, raw, sample_weight
    )
    factor = alpha[y] * sample_weight
    assert_allclose(weighted[0], plain[0] * factor, rtol=2 * EPS)
    assert_allclose(weighted[1], plain[1] * factor[:, None], rtol=2 * EPS)
    # alpha[2] = 0: samples of class 2 contribute nothing, whatever the logits.
    assert_array_equal(weighted[0][y == 2], 0.0)
    assert_array_equal(weighted[1][y == 2], 0.0)
