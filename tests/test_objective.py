"""Tests of :class:`imbweight._objective.LinearObjective`."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from _numerics import five_point_error_bound, five_point_gradient, on_grid
from numpy.testing import assert_allclose, assert_array_equal

from imbweight._compat import HalfBinomialLoss, HalfMultinomialLoss, LinearModelLoss
from imbweight._objective import LinearObjective, _sparse_block_rows
from imbweight._solvers.sgd import sgd_step
from imbweight._sparse_rows import CSRRows
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

N_SAMPLES, N_FEATURES, N_OUTPUTS = 30, 4, 3
L2 = 0.3
GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
FORMATS = ["dense", "csr", "csc"]
ALPHAS = {
    "binary": 0.25,
    "multiclass": np.array([0.2, 0.5, 1.0]),
    "multilabel": np.array([0.1, 0.5, 0.9]),
}


def _to_format(X, fmt):
    return {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}[fmt](X)


def _make_problem(kind, *, gamma, alpha, weights, fit_intercept, seed=0):
    """A small problem: objective, X (dense, entries in [-1, 1]), y, weights.

    ``weights`` is None, "per_sample" (n,) or "per_element" (n, L).
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(N_SAMPLES, N_FEATURES))
    X[rng.random(X.shape) < 0.4] = 0.0  # so that CSR / CSC are really sparse
    alpha = ALPHAS[kind] if alpha else None
    if kind == "binary":
        loss, n_outputs = BinaryFocalLoss(gamma=gamma, alpha=alpha), 1
        y = rng.integers(0, 2, size=N_SAMPLES).astype(np.float64)
    elif kind == "multiclass":
        loss = MultinomialFocalLoss(gamma=gamma, alpha=alpha)
        n_outputs = N_OUTPUTS
        y = rng.integers(0, N_OUTPUTS, size=N_SAMPLES)
    else:
        loss = BinaryFocalLoss(gamma=gamma, alpha=alpha)
        n_outputs = N_OUTPUTS
        y = rng.integers(0, 2, size=(N_SAMPLES, N_OUTPUTS)).astype(np.float64)
    sample_weight = {
        None: None,
        "per_sample": rng.uniform(0.5, 1.5, size=N_SAMPLES),
        "per_element": rng.uniform(0.5, 1.5, size=(N_SAMPLES, N_OUTPUTS)),
    }[weights]
    objective = LinearObjective(loss, fit_intercept=fit_intercept, n_outputs=n_outputs)
    n_dof = N_FEATURES + int(fit_intercept)
    coef = on_grid(rng.uniform(-1, 1, size=n_dof * n_outputs))
    return objective, X, y, sample_weight, coef


# --------------------------------------------------------------------------
# Gradient against five-point finite differences of the objective value
# --------------------------------------------------------------------------
# Tolerance: tests/_numerics.py's bound, truncation h⁴/30·M5 + rounding
# 1.5·ulps·eps·F/h (h = 2**-10, coef on an exact grid).
#
# M5: moving one coefficient by s moves raw predictions by x_ij·s (|x_ij| ≤ 1)
# or s (intercept), in one output column. Along one logit a loss term has
# |5th derivative| ≤ 120 (see test_losses.py: 2.3 for the margin loss,
# times B₅ = 52 through the softmax margin), times α ≤ 1. The loss term is a
# weighted mean, so with per-sample weights the bound carries over; with
# per-element weights (in [0.5, 1.5]), one label's weights sum to at most
# max/min = 3 times S = Σ s / L. The L2 term is quadratic. M5 = 120 · 3.
OBJECTIVE_M5 = 360.0
# One evaluation of J, relative to J: each loss term to ≲ 130 ulps
# (test_losses.py); the raw prediction's rounding, ≤ 5 eps · Σ|x w| ≤ 25 eps
# absolute, moves a term by ≤ |ℓ'/ℓ| · 25 eps ≤ (1 + γ) · 25 eps relative
# (sup |ℓ'/ℓ| = 1 + γ, checked with mpmath), ≤ 150 ulps; the float64 sums
# over 30 samples and the 12-term penalty add ≤ 42 ulps. ≈ 320 ulps, times 3.
OBJECTIVE_ULPS = 1000.0


def _assert_objective_gradient(objective, X, y, sample_weight, coef):
    value, gradient = objective.loss_gradient(coef, X, y, sample_weight, L2)
    assert np.isfinite(value)
    assert gradient.shape == coef.shape and gradient.dtype == np.float64

    def objective_value(c):
        return objective.loss_gradient(c, X, y, sample_weight, L2)[0]

    numeric, f_max = five_point_gradient(objective_value, coef)
    bound = five_point_error_bound(f_max, m5=OBJECTIVE_M5, ulps=OBJECTIVE_ULPS)
    error = np.abs(numeric - gradient)
    assert np.all(error <= bound), (
        f"max |fd - grad| = {error.max():.3e} > bound {bound:.3e}\n"
        f"fd   = {numeric}\ngrad = {gradient}"
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights", [None, "per_sample"])
@pytest.mark.parametrize("alpha", [False, True])
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_gradient_finite_differences(kind, gamma, alpha, weights, fit_intercept, fmt):
    objective, X, y, sample_weight, coef = _make_problem(
        kind, gamma=gamma, alpha=alpha, weights=weights, fit_intercept=fit_intercept
    )
    _assert_objective_gradient(objective, _to_format(X, fmt), y, sample_weight, coef)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights", [None, "per_sample", "per_element"])
@pytest.mark.parametrize("alpha", [False, True])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_multilabel_gradient_finite_differences(
    gamma, alpha, weights, fit_intercept, fmt
):
    objective, X, y, sample_weight, coef = _make_problem(
        "multilabel",
        gamma=gamma,
        alpha=alpha,
        weights=weights,
        fit_intercept=fit_intercept,
    )
    _assert_objective_gradient(objective, _to_format(X, fmt), y, sample_weight, coef)


def test_multilabel_per_element_weights_normaliser():
    # S is Σ s_il / L: constant per-element weights c give the same objective
    # as no weights (the weighted mean of identical weights is unweighted).
    # (Finite differences cannot see this: a wrong S scales value and
    # gradient alike.) The two sides differ by ≤ 3 roundings per term, so by
    # ≤ 3 eps · Σ|terms|/S ≤ 3 eps · 1.3 ≈ 1e-15; tolerances 1e-14.
    objective, X, y, _, coef = _make_problem(
        "multilabel", gamma=2.0, alpha=True, weights=None, fit_intercept=True
    )
    plain = objective.loss_gradient(coef, X, y, None, L2)
    constant = objective.loss_gradient(coef, X, y, np.full(y.shape, 2.5), L2)
    assert_allclose(constant[0], plain[0], rtol=1e-14)
    assert_allclose(constant[1], plain[1], rtol=1e-14, atol=1e-14)


# --------------------------------------------------------------------------
# Oracle: gamma = 0, alpha = None is scikit-learn's LinearModelLoss
# --------------------------------------------------------------------------
# Both sides sum the same 30 terms, each accurate to a few ulps (sklearn's
# Cython log1p/exp branches, our log-space margin loss), and divide by the same
# S. The difference is ≲ (30 + few) eps ≈ 1e-14 relative to Σ|terms|/S, which
# is J for the value and ≤ 1 for a gradient entry (|x| ≤ 1 and, at γ = 0,
# |ℓ'| ≤ 1: σ(-t) or |p_k - [y = k]|). So rtol = atol = 1e-12 (factor ~100).
ORACLE_TOL = 1e-12


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("weights", [None, "per_sample"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_cross_entropy_equals_sklearn_linear_model_loss(
    kind, fit_intercept, weights, fmt
):
    objective, X, y, sample_weight, _ = _make_problem(
        kind, gamma=0.0, alpha=False, weights=weights, fit_intercept=fit_intercept
    )
    X = _to_format(X, fmt)
    base_loss = (
        HalfBinomialLoss()
        if kind == "binary"
        else HalfMultinomialLoss(n_classes=N_OUTPUTS)
    )
    sk_objective = LinearModelLoss(base_loss=base_loss, fit_intercept=fit_intercept)
    rng = np.random.default_rng(10)
    # Not on the grid and not small: a generic flat coefficient vector.
    coef = rng.normal(scale=1.5, size=objective.init_zero_coef(N_FEATURES).shape)

    value, gradient = objective.loss_gradient(coef, X, y, sample_weight, L2)
    sk_value, sk_gradient = sk_objective.loss_gradient(
        coef, X, y.astype(np.float64), sample_weight, l2_reg_strength=L2
    )
    assert_allclose(value, sk_value, rtol=ORACLE_TOL)
    assert sk_gradient.shape == gradient.shape
    assert_allclose(gradient, sk_gradient, rtol=ORACLE_TOL, atol=ORACLE_TOL)

    # The flat layout itself: sklearn reads coef as (n_outputs, n_dof) in
    # F-order, we read it as (n_dof, n_outputs) in C-order; same memory.
    # (For binary, sklearn's weights are a vector and its intercept a scalar.)
    our_weights, our_intercept = objective.weight_intercept(coef, N_FEATURES)
    sk_weights, sk_intercept = sk_objective.weight_intercept(coef)
    sk_weights = np.reshape(sk_weights, (-1, N_FEATURES)).T
    assert_array_equal(our_weights, sk_weights)
    assert_array_equal(
        our_intercept, np.broadcast_to(sk_intercept, (len(our_intercept),))
    )


# --------------------------------------------------------------------------
# Integer sample weights are repeated rows
# --------------------------------------------------------------------------
# Same terms, grouped differently: ≤ (90 + few) eps relative to Σ|terms|/S,
# which is J for the value and ≤ 1.13 for a gradient entry (|x| ≤ 1, α ≤ 1,
# |ℓ'| ≤ 1.13 for γ ≤ 2); ≈ 3e-14. 1e-12 leaves a factor 30.
REPEAT_TOL = 1e-12


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_integer_weights_equal_repeated_rows(kind, gamma, fmt):
    objective, X, y, _, coef = _make_problem(
        kind, gamma=gamma, alpha=True, weights=None, fit_intercept=True
    )
    repeats = np.random.default_rng(11).integers(0, 4, size=N_SAMPLES)
    assert np.any(repeats == 0) and np.any(repeats > 1)
    weighted = objective.loss_gradient(coef, _to_format(X, fmt), y, repeats, L2)
    X_rep, y_rep = np.repeat(X, repeats, axis=0), np.repeat(y, repeats, axis=0)
    repeated = objective.loss_gradient(coef, _to_format(X_rep, fmt), y_rep, None, L2)
    assert_allclose(weighted[0], repeated[0], rtol=REPEAT_TOL)
    assert_allclose(weighted[1], repeated[1], rtol=REPEAT_TOL, atol=REPEAT_TOL)


# --------------------------------------------------------------------------
# float32 X
# --------------------------------------------------------------------------
def _dtype_recording(loss):
    """A real subclass of ``loss`` that records the dtype it computes in."""
    seen = []

    class Recording(type(loss)):
        def loss_gradient(self, y_true, raw_prediction, sample_weight=None):
            seen.append(raw_prediction.dtype)
            return super().loss_gradient(y_true, raw_prediction, sample_weight)

    return Recording(gamma=loss.gamma, alpha=loss.alpha), seen


# float32 unit roundoff u = 2^-24. With |x| ≤ 1 and |coef| ≤ 1, the raw
# prediction (coef rounded to float32, a 5-term float32 dot product) is off
# by ≤ 6 u · 5 = 30 u; through |d²ℓ/dz²| ≤ B₂ · 1.31 ≈ 2.6 (as for M5 in
# test_losses.py) that moves ℓ' by ≤ 78 u. ℓ' itself is computed to ≲ 60 u
# relative (test_losses.py) with |ℓ'| ≤ 1.13 (γ = 2), and X.T @ G sums 30
# float32 products (≤ 30 u · 1.13). So a gradient entry is off by
# ≲ (78 + 68 + 34) u · T_j ≈ 180 u · T_j, with T_j = Σ_i s_i |x_ij| / S ≤ 1
# (T = 1 for an intercept); we allow 512 u · T_j. The value (summed in
# float64) is off by ≲ (60 + (1 + γ) · 30) u · J = 150 u · J (sup |ℓ'/ℓ| is
# 1 + γ); we allow 512 u · J.
FLOAT32_FACTOR = 512 * 2.0**-24


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_float32_computation(kind, fmt):
    objective, X, y, sample_weight, coef = _make_problem(
        kind, gamma=2.0, alpha=True, weights="per_sample", fit_intercept=True
    )
    loss, seen = _dtype_recording(objective.loss)
    objective32 = LinearObjective(loss, True, objective.n_outputs)
    X32 = _to_format(X.astype(np.float32), fmt)
    X64 = _to_format(X.astype(np.float32).astype(np.float64), fmt)

    assert objective32.raw_prediction(coef, X32).dtype == np.float32
    value32, gradient32 = objective32.loss_gradient(coef, X32, y, sample_weight, L2)
    assert seen == [np.dtype(np.float32)]
    assert gradient32.dtype == np.float64 and gradient32.shape == coef.shape
    value64, gradient64 = objective.loss_gradient(coef, X64, y, sample_weight, L2)

    weight_sum = sample_weight.sum()
    abs_X = np.abs(X.astype(np.float32).astype(np.float64))
    scale = np.empty((N_FEATURES + 1, objective.n_outputs))
    scale[:N_FEATURES] = (sample_weight @ abs_X / weight_sum)[:, None]
    scale[N_FEATURES] = 1.0
    assert_allclose(value32, value64, rtol=FLOAT32_FACTOR)
    error = np.abs(gradient32 - gradient64)
    assert np.all(error <= FLOAT32_FACTOR * scale.ravel()), error


# --------------------------------------------------------------------------
# Memory: X is never copied
# --------------------------------------------------------------------------
def _traced_peak(function):
    """Peak traced memory allocated while ``function()`` runs, in bytes."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        function()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_gradient_does_not_copy_X(dtype):
    rng = np.random.default_rng(12)
    n_samples, n_features = 20_000, 50
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    y = rng.integers(0, 2, size=n_samples).astype(np.float64)
    sample_weight = rng.uniform(0.5, 1.5, size=n_samples)
    objective = LinearObjective(BinaryFocalLoss(gamma=2.0, alpha=0.25), True, 1)
    coef = rng.normal(scale=0.1, size=n_features + 1)

    def call():
        objective.loss_gradient(coef, X, y, sample_weight, 0.1)

    call()  # warm-up: first-call allocations (caches, lazy imports) excluded
    peak = _traced_peak(call)
    raw = objective.raw_prediction(coef, X)[:, 0]
    loss_peak = _traced_peak(
        lambda: objective.loss.loss_gradient(y, raw, sample_weight)
    )
    # What the objective allocates beyond the pointwise loss's own
    # O(n_samples) temporaries (the raw prediction, its gradient, the coef
    # gradient) is a few n-vectors; a copy of X (or of X.T, or X in float64)
    # would cost ≥ X.nbytes.
    assert peak - loss_peak < 0.25 * X.nbytes, (peak, loss_peak, X.nbytes)
    # Absolute: the loss's temporaries are ~15 n-vectors ≈ 0.31 X.nbytes here
    # (binary, 50 features); still far from the X.nbytes of one copy.
    assert peak < 0.5 * X.nbytes, (peak, X.nbytes)


def _blocked_problem(kind, n_samples, seed):
    """A CSR problem of several blocks of rows, with per-sample weights."""
    rng = np.random.default_rng(seed)
    X = sp.random(n_samples, 20, density=0.3, format="csr", random_state=seed)
    if kind == "multiclass":
        loss, n_outputs = MultinomialFocalLoss(gamma=2.0, alpha=ALPHAS[kind]), 3
        y = rng.integers(0, n_outputs, size=n_samples)
    else:
        n_outputs = 1 if kind == "binary" else 3
        loss = BinaryFocalLoss(gamma=2.0, alpha=ALPHAS[kind])
        shape = (n_samples,) if kind == "binary" else (n_samples, n_outputs)
        y = rng.integers(0, 2, size=shape).astype(np.uint8)
    sample_weight = rng.uniform(0.5, 1.5, size=n_samples)
    objective = LinearObjective(loss, fit_intercept=True, n_outputs=n_outputs)
    coef = rng.normal(scale=0.5, size=objective.init_zero_coef(20).shape)
    return objective, X, y, sample_weight, coef


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_sparse_blocks_equal_dense(kind):
    # A CSR X is evaluated over blocks of rows, a dense X over blocks of
    # other sizes: the same terms, summed in other groupings. Recursive sums
    # of 30 000 terms differ by ≤ 30 000 eps ≈ 3.3e-12 relative to
    # Σ|terms|/S, which is J for the value and ≤ 1.13 for a gradient entry
    # (|x| ≤ 1, α ≤ 1, |ℓ'| ≤ 1.13 at γ = 2). 1e-11 leaves a factor 3.
    objective, X, y, sample_weight, coef = _blocked_problem(kind, 30_000, seed=13)
    assert _sparse_block_rows(X, objective.n_outputs) < X.shape[0]
    blocked = objective.loss_gradient(coef, X, y, sample_weight, L2)
    dense = objective.loss_gradient(coef, X.toarray(), y, sample_weight, L2)
    assert_allclose(blocked[0], dense[0], rtol=1e-11)
    assert_allclose(blocked[1], dense[1], rtol=1e-11, atol=1e-11)


def test_sparse_evaluation_memory_does_not_grow_with_n_samples():
    # The raw prediction and its gradient of a CSR X are block-sized, so the
    # peak is the loss's temporaries on one block, whatever n_samples. With
    # whole-X products it held two float64 n-vectors: +2.4 MiB from 100 000
    # to 250 000 rows. Allow a tenth of that for allocator noise.
    peaks = []
    for n_samples in (100_000, 250_000):
        objective, X, y, sample_weight, coef = _blocked_problem(
            "binary", n_samples, seed=14
        )

        def call(objective=objective, X=X, y=y, weight=sample_weight, coef=coef):
            objective.loss_gradient(coef, X, y, weight, L2)

        call()  # warm-up: first-call allocations (caches, lazy imports) excluded
        peaks.append(_traced_peak(call))
    assert abs(peaks[1] - peaks[0]) < 0.1 * 2 * 8 * 150_000, peaks


# --------------------------------------------------------------------------
# The SGD step is a proximal step along loss_gradient's gradient
# --------------------------------------------------------------------------
# Both evaluate the same block products and loss. The step is the explicit
# data step then the implicit (proximal) penalty step: with ∇J = D + λ W
# (D the data part, λ = L2, no penalty on the intercepts), the weights go to
# (W - η D) / (1 + η λ) and the intercepts to b - η D_b. Computed here from
# loss_gradient's ∇J, the result differs by the rounding of a few operations
# per coefficient: a few eps relative to |coef| + η |∇J| (1e-14 leaves a
# factor 10). In float32 the products and loss are in float32 in both, but
# summed in other groupings (one block against the float64 accumulator):
# 1e-5 relative to η |∇J|.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_sgd_step_is_a_gradient_step(kind, fit_intercept, fmt, dtype):
    objective, X, y, sample_weight, coef = _make_problem(
        kind, gamma=2.0, alpha=True, weights="per_sample", fit_intercept=fit_intercept
    )
    X = _to_format(X.astype(dtype), fmt)
    weight_sum, step_size = 17.0, 0.3
    value, gradient = objective.loss_gradient(
        coef, X, y, sample_weight, L2, weight_sum=weight_sum
    )
    stepped = coef.copy()
    batch = CSRRows.of(X) if fmt == "csr" else X
    batch_value = sgd_step(
        objective,
        stepped,
        batch,
        y,
        sample_weight,
        weight_sum=weight_sum,
        l2_reg_strength=L2,
        step_size=step_size,
    )
    n_features = X.shape[1]
    penalised = np.zeros_like(coef).reshape(-1, objective.n_outputs)
    penalised[:n_features] = 1.0
    data_gradient = gradient - L2 * coef * penalised.ravel()
    expected = coef - step_size * data_gradient
    expected /= 1.0 + step_size * L2 * penalised.ravel()
    if dtype == np.float64:
        assert_allclose(batch_value, value, rtol=1e-14)
        scale = np.abs(coef) + step_size * np.abs(gradient)
        assert np.all(np.abs(stepped - expected) <= 1e-14 * scale)
    else:
        assert_allclose(batch_value, value, rtol=1e-5)
        assert_allclose(
            stepped, expected, atol=1e-5 * step_size * np.abs(gradient).max()
        )
