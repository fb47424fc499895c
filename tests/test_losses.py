"""Tests of the pointwise focal losses in :mod:`imbweight.losses`."""

import itertools

import mpmath
import numpy as np
import pytest
from _numerics import EPS, five_point_derivative, five_point_error_bound, on_grid
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, softmax
from sklearn.metrics import log_loss

from imbweight.losses import (
    WORKSPACE_ARRAYS,
    BinaryFocalLoss,
    MultinomialFocalLoss,
    focal_margin_gradient_hessian,
    focal_margin_loss_gradient,
)

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


def _assert_derivative_matches_finite_differences(f, analytic, raw, y, m5, ulps):
    """Column by column, ``analytic`` against five-point derivatives of ``f``.

    ``f(raw)`` is separable across samples: perturbing one column of every
    row at once gives, for all rows ``i``, the derivative of ``f(raw)[i]``
    (of its entry in that column when ``f`` gives one per column) with
    respect to ``raw[i, column]``.
    """
    columns = [None] if raw.ndim == 1 else range(raw.shape[1])
    for column in columns:
        direction = np.zeros_like(raw)
        if column is None:
            direction[:] = 1.0
        else:
            direction[:, column] = 1.0

        def along(s, direction=direction, column=column):
            values = f(raw + s * direction)
            return values if values.ndim == 1 else values[:, column]

        expected = analytic if column is None else analytic[:, column]
        numeric, f_max = five_point_derivative(along)
        bound = five_point_error_bound(f_max, m5=m5, ulps=ulps)
        error = np.abs(numeric - expected)
        worst = np.argmax(error - bound)
        assert np.all(error <= bound), (
            f"column {column}: |fd - analytic| = {error[worst]:.3e} > bound "
            f"{bound[worst]:.3e} at raw={raw[worst]}, y={y[worst]}"
        )


def _assert_gradient_matches_finite_differences(loss_fn, y, raw, sample_weight):
    loss, gradient = loss_fn.loss_gradient(y, raw, sample_weight)
    assert loss.shape == (raw.shape[0],)
    assert gradient.shape == raw.shape
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(gradient))
    _assert_derivative_matches_finite_differences(
        lambda moved: loss_fn.loss_gradient(y, moved, sample_weight)[0],
        gradient,
        raw,
        y,
        LOSS_M5,
        LOSS_ULPS,
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
# Beyond 709.78 exp(t) overflows and exp(-t) is subnormal (its reciprocal
# overflows too): the Hessian's one exponential must lose neither p nor q.
# At t = -709.9 the Hessian γ L q p is a normal number though p is not.
EXTREME_MAGNITUDES = [1e-8, 1.0, 40.0, 700.0, 709.9, 720.0, 1e4]
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


# --------------------------------------------------------------------------
# Hessian: finite differences of the gradient
# --------------------------------------------------------------------------
# The same five-point bound as for the gradient, one derivative higher. M5
# now bounds the 6th derivative of one loss term along one logit:
# * |ℓ^(k)(t)| ≤ 5.6 for k ≤ 6 and γ ≤ 5 (mpmath on t ∈ [-40, 40], step 0.1;
#   the largest is |ℓ^(6)| = 5.55 at γ = 5).
# * Sigmoid: t = ±z, so 5.6. Softmax: the derivatives of the margin along
#   one logit are the sigmoid's up to order 6, all ≤ 1 (the largest is
#   |σ^(5)| = 1/4), so Faà di Bruno gives ≤ B₆ · 5.6 = 203 · 5.6 ≈ 1140.
# * α ≤ 1 and sample_weight ≤ 2: M5 = 2300.
GRADIENT_M5 = 2300.0
# A gradient entry is as accurate as a loss term (LOSS_ULPS argues ≲ 130
# ulps; |ℓ''/ℓ'| ≤ 1 + γ bounds the amplification of the margin's error just
# as |ℓ'/ℓ| did), so the same 400 ulps of F = max |gradient| apply.
GRADIENT_ULPS = LOSS_ULPS


def _assert_same_gradient(from_hessian_path, from_loss_path):
    """The gradients of ``gradient_hessian`` and ``loss_gradient`` agree.

    They evaluate the same formula by different arithmetic (one exponential
    shared by p, q and exp(-|t|) in the first), each within GRADIENT_ULPS
    ulps of F = max |gradient| of the exact value: so within twice that of
    each other.
    """
    scale = np.max(np.abs(from_loss_path))
    assert_allclose(
        from_hessian_path, from_loss_path, rtol=0, atol=2 * GRADIENT_ULPS * EPS * scale
    )


def _assert_hessian_matches_finite_differences(loss_fn, y, raw, sample_weight):
    gradient, hessian = loss_fn.gradient_hessian(y, raw, sample_weight)
    assert hessian.shape == raw.shape
    assert np.all(np.isfinite(hessian))
    _assert_same_gradient(gradient, loss_fn.loss_gradient(y, raw, sample_weight)[1])
    _assert_derivative_matches_finite_differences(
        lambda moved: loss_fn.loss_gradient(y, moved, sample_weight)[1],
        hessian,
        raw,
        y,
        GRADIENT_M5,
        GRADIENT_ULPS,
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [None, 0.25])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_binary_hessian_finite_differences(gamma, alpha, weighted):
    rng = np.random.default_rng(10)
    n_samples = 200
    y = rng.integers(0, 2, size=n_samples).astype(np.float64)
    raw = _random_logits(rng, n_samples)
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None
    _assert_hessian_matches_finite_differences(
        BinaryFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


@pytest.mark.parametrize("alpha", [None, np.array([0.1, 0.5, 0.9])])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_multilabel_hessian_finite_differences(gamma, alpha):
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, size=(150, 3)).astype(np.float64)
    raw = _random_logits(rng, (150, 3))
    sample_weight = rng.uniform(0.5, 2, size=(150, 3))
    _assert_hessian_matches_finite_differences(
        BinaryFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [None, np.array([0.1, 0.4, 0.7, 1.0])])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_multinomial_hessian_finite_differences(gamma, alpha, weighted):
    rng = np.random.default_rng(12)
    n_samples, n_classes = 150, 4
    y = rng.integers(0, n_classes, size=n_samples)
    raw = _random_logits(rng, (n_samples, n_classes))
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None
    _assert_hessian_matches_finite_differences(
        MultinomialFocalLoss(gamma=gamma, alpha=alpha), y, raw, sample_weight
    )


# --------------------------------------------------------------------------
# Hessian at extreme logits against a high-precision reference
# --------------------------------------------------------------------------
# The reference is mpmath.diff's second derivative of the loss's definition
# (as above), evaluated at three times REFERENCE_DPS with the step
# 2^-(prec+10): its error is ~|ℓ| 2^-(prec+40), far below 1e-10 · tiny.
#
# Our Hessian adds terms of both signs: ℓ'' = p ((2γ+1)(-ℓ') - γ(1 + γp) ℓ)
# and, for a softmax, ℓ'' r_j² + (-ℓ') r_j (1 - r_j). Each term is accurate
# to the few hundred ulps argued for the loss, so the error is at most
# RTOL_REFERENCE times the condition number κ = (sum of |terms|) / |value|,
# computed here in mpmath. Away from the sign change of ℓ'' (t ≈ -2.8 at
# γ = 2), κ is small; the test asserts that it is (< 100) at every point, so
# the bound stays a relative accuracy of 1e-8 or better.
KAPPA_MAX = 100


def _reference_margin_terms(margin, gamma):
    """ℓ'(t) and the sum of |terms| of ℓ''(t) in our formula, as mpf."""
    p = 1 / (1 + mpmath.exp(-margin))
    q = 1 - p
    loss = -(q**gamma) * mpmath.log(p)
    dloss = -(q**gamma) * (q + gamma * p * -mpmath.log(p))
    return dloss, p * ((2 * gamma + 1) * -dloss + gamma * (1 + gamma * p) * loss)


def _assert_matches_with_condition(computed, reference, kappa, what):
    assert np.isfinite(computed), f"{what}: not finite: {computed}"
    if abs(reference) < TINY:
        assert abs(computed) <= TINY, f"{what}: {computed!r} but reference < tiny"
        return
    assert kappa < KAPPA_MAX, f"{what}: κ = {mpmath.nstr(kappa, 3)}"
    error = abs(mpmath.mpf(float(computed)) - reference) / abs(reference)
    assert error <= RTOL_REFERENCE * kappa, (
        f"{what}: {computed!r} vs {mpmath.nstr(reference, 17)}, relative error "
        f"{mpmath.nstr(error, 3)}, κ = {mpmath.nstr(kappa, 3)}"
    )


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("gamma", EXTREME_GAMMAS)
def test_binary_hessian_extreme_logits_match_high_precision(gamma, y):
    raw = np.array(EXTREME_LOGITS)
    _, hessian = BinaryFocalLoss(gamma=gamma).gradient_hessian(
        np.full(raw.shape, float(y)), raw
    )
    with mpmath.workdps(REFERENCE_DPS):
        g = mpmath.mpf(gamma)
        for z, computed in zip(EXTREME_LOGITS, hessian, strict=True):

            def loss(z):
                p_true = 1 / (1 + mpmath.exp(-z if y == 1 else z))
                return -((1 - p_true) ** g) * mpmath.log(p_true)

            z = mpmath.mpf(z)
            reference = mpmath.diff(loss, z, 2)
            _, terms = _reference_margin_terms(z if y == 1 else -z, g)
            kappa = terms / abs(reference) if reference else mpmath.inf
            _assert_matches_with_condition(
                computed, reference, kappa, f"z={z}, y={y}, gamma={gamma}"
            )


@pytest.mark.parametrize("true_class", [0, 1, 2])
@pytest.mark.parametrize("gamma", EXTREME_GAMMAS)
def test_multinomial_hessian_extreme_logits_match_high_precision(gamma, true_class):
    raw = np.array(EXTREME_ROWS)
    _, hessian = MultinomialFocalLoss(gamma=gamma).gradient_hessian(
        np.full(raw.shape[0], true_class), raw
    )
    with mpmath.workdps(REFERENCE_DPS):
        g = mpmath.mpf(gamma)

        def loss(*z):
            exp_z = [mpmath.exp(value) for value in z]
            p_true = exp_z[true_class] / mpmath.fsum(exp_z)
            return -((1 - p_true) ** g) * mpmath.log(p_true)

        for row, row_hessian in zip(EXTREME_ROWS, hessian, strict=True):
            z = [mpmath.mpf(value) for value in row]
            others = [z[j] for j in range(3) if j != true_class]
            lse_others = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in others))
            dloss, terms = _reference_margin_terms(z[true_class] - lse_others, g)
            for j in range(3):
                order = tuple(2 * int(i == j) for i in range(3))
                reference = mpmath.diff(loss, z, order)
                entry_terms = terms
                if j != true_class:
                    ratio = mpmath.exp(z[j] - lse_others)
                    entry_terms = terms * ratio**2 + -dloss * ratio * (1 - ratio)
                kappa = entry_terms / abs(reference) if reference else mpmath.inf
                _assert_matches_with_condition(
                    row_hessian[j],
                    reference,
                    kappa,
                    f"row={row}, class={true_class}, j={j}, gamma={gamma}",
                )


# --------------------------------------------------------------------------
# Hessian: gamma = 0, float32, weights, two classes
# --------------------------------------------------------------------------
# gamma = 0: ours is p q with p = 1/(1 + e^-t) and q = 1/(1 + e^t), each
# ≤ 3 ulps (exp, add, divide), so ≤ 7 ulps; scipy's expit is ≤ 2 ulps per
# factor. 16 eps covers both.
RTOL_SIGMOID_CURVATURE = 16 * EPS
# Softmax, logits in [-3, 3]: r_j and 1 - r_j ≤ 4 ulps each, p q ≤ 7 ulps,
# plus the margin's absolute error ≲ 24 eps times |d log(pq)/dt| ≤ 1; the
# reference p_j Σ_{k≠j} p_k is ≲ 10 ulps (scipy's softmax: exp of an argument
# rounded at |z - max z| ≤ 6, then a sum of positives). 64 eps covers both.
RTOL_SOFTMAX_CURVATURE = 64 * EPS


def test_binary_hessian_at_gamma_zero_is_log_loss_curvature():
    rng = np.random.default_rng(13)
    raw = rng.uniform(-30, 30, size=2000)
    y = rng.integers(0, 2, size=2000).astype(np.float64)
    gradient, hessian = BinaryFocalLoss().gradient_hessian(y, raw)
    # p - y without cancellation: -σ(-z) for a positive, σ(z) for a negative.
    expected = np.where(y == 1, -expit(-raw), expit(raw))
    assert_allclose(gradient, expected, rtol=RTOL_SIGMOID_CURVATURE)
    assert_allclose(
        hessian, expit(raw) * expit(-raw), rtol=RTOL_SIGMOID_CURVATURE, atol=0
    )


def test_multinomial_hessian_at_gamma_zero_is_log_loss_curvature():
    rng = np.random.default_rng(14)
    n_samples, n_classes = 2000, 4
    raw = rng.uniform(-3, 3, size=(n_samples, n_classes))
    y = rng.integers(0, n_classes, size=n_samples)
    _, hessian = MultinomialFocalLoss().gradient_hessian(y, raw)
    proba = softmax(raw, axis=1)
    # 1 - p_j as the sum of the other probabilities: no cancellation.
    rest = np.column_stack(
        [np.delete(proba, j, axis=1).sum(axis=1) for j in range(n_classes)]
    )
    assert_allclose(hessian, proba * rest, rtol=RTOL_SOFTMAX_CURVATURE, atol=0)


def _hessian_term_scale(loss_fn, y, raw, sample_weight):
    """Sum of |terms| of each Hessian entry, in float64 (see the κ above)."""
    raw = np.asarray(raw, dtype=np.float64)
    if isinstance(loss_fn, MultinomialFocalLoss):
        true_logit = np.take_along_axis(raw, y[:, None], axis=1)[:, 0]
        others = raw.copy()
        others[np.arange(len(y)), y] = -np.inf
        lse_others = logsumexp(others, axis=1)
        margin = true_logit - lse_others
        ratio = np.exp(others - lse_others[:, None])
    else:
        margin = (2 * y - 1) * raw
    loss, dloss = focal_margin_loss_gradient(margin, loss_fn.gamma)
    gamma, p = loss_fn.gamma, expit(margin)
    scale = p * ((2 * gamma + 1) * -dloss + gamma * (1 + gamma * p) * loss)
    if isinstance(loss_fn, MultinomialFocalLoss):
        off_true = scale[:, None] * ratio**2 - dloss[:, None] * ratio * (1 - ratio)
        scale = np.where(ratio > 0, off_true, scale[:, None])
    # α ≤ 1 and the weights scale every term alike.
    if sample_weight is not None:
        scale = scale * _per_sample_column(sample_weight, scale.ndim)
    return scale


def _per_sample_column(sample_weight, ndim):
    return sample_weight if ndim == 1 else sample_weight[:, None]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("kind", ["binary", "multilabel", "multinomial"])
def test_hessian_float32_in_float32_out(kind, gamma, weighted):
    # As test_float32_in_float32_out, but the Hessian changes sign where ℓ''
    # does: its float32 error is bounded relative to the sum of the moduli
    # of its terms (≲ 80 u: the gradient's 60 u plus a few operations), not
    # to its value. RTOL_FLOAT32 = 256 u leaves a factor 3.
    rng = np.random.default_rng(15)
    n_samples = 300
    if kind == "binary":
        loss_fn = BinaryFocalLoss(gamma=gamma, alpha=0.25)
        y = rng.integers(0, 2, size=n_samples).astype(np.float64)
        shape = (n_samples,)
    elif kind == "multilabel":
        loss_fn = BinaryFocalLoss(gamma=gamma, alpha=np.array([0.2, 0.5, 0.8]))
        y = rng.integers(0, 2, size=(n_samples, 3)).astype(np.float64)
        shape = (n_samples, 3)
    else:
        loss_fn = MultinomialFocalLoss(gamma=gamma, alpha=np.array([0.2, 0.5, 0.8]))
        y = rng.integers(0, 3, size=n_samples)
        shape = (n_samples, 3)
    raw32 = rng.uniform(-5, 5, size=shape).astype(np.float32)
    sample_weight = rng.uniform(0.5, 2, size=n_samples) if weighted else None

    gradient32, hessian32 = loss_fn.gradient_hessian(y, raw32, sample_weight)
    gradient64, hessian64 = loss_fn.gradient_hessian(
        y, raw32.astype(np.float64), sample_weight
    )
    assert gradient32.dtype == hessian32.dtype == np.float32
    assert hessian32.shape == raw32.shape
    assert_allclose(gradient32, gradient64, rtol=RTOL_FLOAT32)
    scale = _hessian_term_scale(loss_fn, y, raw32, sample_weight)
    assert np.all(np.abs(hessian32 - hessian64) <= RTOL_FLOAT32 * scale)


# float32 margins where float32's exp overflows (t > 88.72), where its
# reciprocal does (t < -88.72) and where it underflows to 0 (t < -103.97),
# against the float64 derivatives (themselves checked against mpmath above):
# the IEEE rules that settle the float64 extremes settle these alike. Where a
# derivative is above float32's smallest normal number, it is as accurate as
# on moderate margins (RTOL_FLOAT32, relative to the Hessian's terms), but
# for one thing: below t = -87.3 the Hessian's factor p = σ(t) is subnormal,
# with an absolute error up to 2^-149 (the subnormal spacing; exp's own ulp
# there), which the other factors, up to (2γ + 1 + γ|t|) q^γ, carry into the
# Hessian (a normal number while γ|t| p is). Below tiny it stays below.
FLOAT32_EXTREME_LOGITS = [
    s * v for v in (1e-8, 1.0, 40.0, 87.5, 88.8, 100.0, 104.0, 1e4) for s in (1, -1)
]
TINY32 = np.finfo(np.float32).tiny


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("gamma", EXTREME_GAMMAS)
def test_float32_extreme_logits_match_float64(gamma, y):
    raw32 = np.array(FLOAT32_EXTREME_LOGITS, dtype=np.float32)
    y_true = np.full(raw32.shape, float(y))
    loss_fn = BinaryFocalLoss(gamma=gamma)
    gradient32, hessian32 = loss_fn.gradient_hessian(y_true, raw32)
    gradient64, hessian64 = loss_fn.gradient_hessian(y_true, raw32.astype(np.float64))
    assert np.all(np.isfinite(gradient32)) and np.all(np.isfinite(hessian32))
    normal = np.abs(gradient64) >= TINY32
    assert_allclose(gradient32[normal], gradient64[normal], rtol=RTOL_FLOAT32)
    assert np.all(np.abs(gradient32[~normal]) <= TINY32)
    scale = _hessian_term_scale(loss_fn, y_true, raw32, None)
    p = expit((2 * y_true - 1) * raw32.astype(np.float64))
    subnormal_p = 2.0**-149 * (2 * gamma + 1 + gamma * np.abs(raw32))
    normal = scale >= TINY32
    error = np.abs(hessian32 - hessian64)[normal]
    bound = RTOL_FLOAT32 * scale + np.where(p < TINY32, subnormal_p, 0.0)
    assert np.all(error <= bound[normal])
    assert np.all(np.abs(hessian32[~normal]) <= TINY32)


# The workspace only says where to compute: the same operations in the same
# order, so the same bits, whatever the arrays held before.
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("floor", [None, 0.1, 1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 2.5, 5.0])
def test_workspace_gives_the_same_derivatives(gamma, floor, dtype):
    rng = np.random.default_rng(19)
    margins = rng.uniform(-8, 8, size=500).astype(dtype)
    expected = focal_margin_gradient_hessian(margins, gamma, floor)
    workspace = np.full((WORKSPACE_ARRAYS, 500), np.nan, dtype=dtype)
    for _ in range(2):  # the second time on what the first one left
        got = focal_margin_gradient_hessian(margins, gamma, floor, workspace=workspace)
        assert all(any(np.shares_memory(g, w) for w in workspace) for g in got)
        assert_array_equal(got[0], expected[0])
        assert_array_equal(got[1], expected[1])


def test_workspace_that_cannot_serve_is_refused():
    margins = np.linspace(-3, 3, 10)
    fresh = [np.zeros(10) for _ in range(WORKSPACE_ARRAYS)]
    same = [fresh[0]] * WORKSPACE_ARRAYS
    with_margin = [margins, *fresh[1:]]
    float32 = [array.astype(np.float32) for array in fresh]
    short = fresh[:-1]
    wide = [np.empty(11) for _ in range(WORKSPACE_ARRAYS)]
    for workspace in (same, with_margin, float32, short, wide):
        with pytest.raises(ValueError, match="distinct float arrays of shape"):
            focal_margin_gradient_hessian(margins, 2.0, workspace=workspace)
    y = (margins > 0).astype(np.float64)
    loss_fn = BinaryFocalLoss(2.0)
    workspace = [np.empty(10) for _ in range(WORKSPACE_ARRAYS + 2)]
    for given in (y, margins):
        with pytest.raises(ValueError, match="none of them an input"):
            loss_fn.gradient_hessian(y, margins, workspace=[given, *workspace[1:]])


# The Hessian's bracket is formed without dividing by γ: a γ far below any
# useful value is γ = 0 to round-off, not an overflow.
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gamma", [1e-39, 1e-300, 5e-324])
def test_tiny_gamma_is_gamma_zero(gamma, dtype):
    margins = np.linspace(-30, 30, 61).astype(dtype)
    with np.errstate(over="raise", invalid="raise"):
        got = focal_margin_gradient_hessian(margins, gamma, 1.0)
    expected = focal_margin_gradient_hessian(margins, 0.0)
    rtol = 64 * np.finfo(dtype).eps
    assert_allclose(got[0], expected[0], rtol=rtol)
    assert_allclose(got[1], expected[1], rtol=rtol)


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_binary_loss_workspace_gives_the_same_derivatives(gamma):
    rng = np.random.default_rng(20)
    y = rng.integers(0, 2, size=400).astype(np.uint8)
    raw = rng.uniform(-8, 8, size=400)
    weight = rng.uniform(0.5, 2, size=400)
    loss_fn = BinaryFocalLoss(gamma=gamma, alpha=0.25)
    expected = loss_fn.gradient_hessian(y, raw, weight, curvature_floor=1.0)
    workspace = np.full((WORKSPACE_ARRAYS + 2, 400), np.nan)
    got = loss_fn.gradient_hessian(
        y, raw, weight, curvature_floor=1.0, workspace=workspace
    )
    assert_array_equal(got[0], expected[0])
    assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_hessian_weights_multiply(gamma):
    # The weighted Hessian is the plain one times α_t s_i: for the sigmoid
    # one extra rounding, 2 eps relative.
    rng = np.random.default_rng(16)
    sample_weight = rng.uniform(0.5, 2, size=200)
    y = rng.integers(0, 2, size=200).astype(np.float64)
    raw = rng.uniform(-5, 5, size=200)
    plain = BinaryFocalLoss(gamma=gamma).gradient_hessian(y, raw)[1]
    weighted = BinaryFocalLoss(gamma=gamma, alpha=0.25).gradient_hessian(
        y, raw, sample_weight
    )[1]
    factor = np.where(y == 1, 0.25, 0.75) * sample_weight
    assert_allclose(weighted, plain * factor, rtol=2 * EPS)

    alpha = np.array([0.1, 0.4, 1.0])
    codes = rng.integers(0, 3, size=200)
    raw = rng.uniform(-5, 5, size=(200, 3))
    plain = MultinomialFocalLoss(gamma=gamma).gradient_hessian(codes, raw)[1]
    weighted = MultinomialFocalLoss(gamma=gamma, alpha=alpha).gradient_hessian(
        codes, raw, sample_weight
    )[1]
    factor = alpha[codes] * sample_weight
    # The softmax weighs ℓ' and ℓ'' before combining them, so the extra
    # roundings are relative to the sum of the moduli of the terms.
    scale = _hessian_term_scale(MultinomialFocalLoss(gamma), codes, raw, factor)
    assert np.all(np.abs(weighted - plain * factor[:, None]) <= 4 * EPS * scale)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_two_class_softmax_hessian_equals_sigmoid(gamma):
    # With one other class, r = 1 and 1 - r is the empty sum 0: the diagonal
    # is ℓ''(t) for both classes, with the same margin ±z as the sigmoid.
    rng = np.random.default_rng(17)
    raw = rng.uniform(-6, 6, size=100)
    y = rng.integers(0, 2, size=100)
    binary = BinaryFocalLoss(gamma=gamma).gradient_hessian(y.astype(float), raw)[1]
    raw_2 = np.column_stack([np.zeros_like(raw), raw])
    multi = MultinomialFocalLoss(gamma=gamma).gradient_hessian(y, raw_2)[1]
    assert_array_equal(multi[:, 0], binary)
    assert_array_equal(multi[:, 1], binary)


# --------------------------------------------------------------------------
# Negative curvature and the curvature floor
# --------------------------------------------------------------------------
# The sign change of ℓ'' (from solving ℓ'' = 0 in mpmath): p_t = 0.0578 at
# γ = 2, margin -2.7911; p_t = 0.0432 at γ = 1.
@pytest.mark.parametrize(("gamma", "root"), [(1.0, -3.0973), (2.0, -2.7911)])
def test_exact_hessian_is_negative_for_badly_classified(gamma, root):
    margins = np.array([root - 1e-3, root + 1e-3, -10.0, 0.0, 10.0])
    _, hessian = focal_margin_gradient_hessian(margins, gamma)
    assert list(np.sign(hessian)) == [-1.0, 1.0, -1.0, 1.0, 1.0]


@pytest.mark.parametrize("floor", [1e-3, 0.1, 1.0])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_curvature_floor(gamma, floor):
    margins = np.linspace(-30, 30, 6001)
    _, exact = focal_margin_gradient_hessian(margins, gamma)
    _, floored = focal_margin_gradient_hessian(margins, gamma, floor)
    frozen = expit(margins) * expit(-margins) ** (gamma + 1)
    # Never below the floor (up to the rounding of both sides), so positive.
    assert np.all(floored > 0)
    assert np.all(floored >= floor * frozen * (1 - 64 * EPS))
    # Where the exact curvature is above the floor, it is returned as it is.
    above = exact >= floored
    assert_array_equal(floored[above], exact[above])
    if gamma == 0:
        # ℓ'' = p q is the frozen curvature itself: a floor ≤ 1 never binds.
        assert_array_equal(floored, exact)
    else:
        # The floor binds only for badly classified margins, p_t < 1/2.
        assert np.all(margins[~above] < 0)


@pytest.mark.parametrize("gamma", [0.5, 2.0, 5.0])
def test_multinomial_floored_hessian_is_positive(gamma):
    rng = np.random.default_rng(18)
    raw = rng.normal(scale=3.0, size=(2000, 4))
    y = rng.integers(0, 4, size=2000)
    loss_fn = MultinomialFocalLoss(gamma=gamma)
    _, exact = loss_fn.gradient_hessian(y, raw)
    gradient, floored = loss_fn.gradient_hessian(y, raw, curvature_floor=0.1)
    assert np.mean(exact < 0) > 0.01  # the data reaches the non-convex region
    assert np.all(floored > 0)
    _assert_same_gradient(gradient, loss_fn.loss_gradient(y, raw)[1])
