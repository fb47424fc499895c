"""Recovering P(y | x) from weighted and focal models."""

import mpmath
import numpy as np
import pytest
from _seeds import seeds
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from scipy.optimize import minimize
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbweight import FocalLogisticRegression, WeightedSGDClassifier, posterior_proba
from imbweight._posterior import log_u, sigmoid_posterior_logit, softmax_posterior
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss


# ------------------------------------------------------------- the formula
@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.5, 2.0, 10.0])
@pytest.mark.parametrize("logit", [-700.0, -40.0, -1.0, -1e-8, 1e-8, 1.0, 40.0, 700.0])
def test_log_u_matches_high_precision_reference(gamma, logit):
    # 1 - q ~ e^-700 next to q ~ 1 needs ~310 digits to be seen at all.
    mpmath.mp.dps = 400
    t = mpmath.mpf(logit)
    q = 1 / (1 + mpmath.exp(-t))
    one_minus_q = 1 / (1 + mpmath.exp(t))
    u = one_minus_q**gamma / q - gamma * one_minus_q ** (gamma - 1) * mpmath.log(q)
    expected = float(mpmath.log(u))
    # Every term is taken in log space; a few roundings of values up to ~700γ.
    assert log_u(np.array(logit), gamma) == pytest.approx(expected, rel=1e-12)


def _population_minimiser(loss, posterior, n_outputs):
    """Logits minimising the expected loss Σ_k p_k ℓ(k, z) at one x."""
    classes = np.arange(len(posterior))
    if n_outputs == 1:
        targets, weights = classes.astype(float), posterior

        def expected(z):
            raw = np.full(2, z[0])
            value, grad = loss.loss_gradient(targets, raw, weights)
            return value.sum(), np.array([grad.sum()])
    else:
        targets, weights = classes, posterior

        def expected(z):
            raw = np.tile(z, (len(classes), 1))
            value, grad = loss.loss_gradient(targets, raw, weights)
            return value.sum(), grad.sum(axis=0)

    result = minimize(
        expected, np.zeros(n_outputs), jac=True, method="BFGS", options={"gtol": 1e-13}
    )
    return result.x


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
def test_binary_posterior_inverts_the_population_minimiser(gamma):
    rng = np.random.default_rng(0)
    for _ in range(5):
        p_positive = rng.uniform(0.02, 0.98)
        alpha = rng.uniform(0.1, 0.9)
        class_weight = rng.uniform(0.5, 20, size=2)
        # alpha and class weights enter the loss as one per-class weight.
        loss = BinaryFocalLoss(gamma=gamma, alpha=alpha)
        posterior = np.array([1 - p_positive, p_positive]) * class_weight
        (z,) = _population_minimiser(loss, posterior, 1)
        logit = sigmoid_posterior_logit(
            np.array(z), gamma, (1 - alpha) * class_weight[0], alpha * class_weight[1]
        )
        # BFGS stops at |∇| ≤ 1e-13 on a curvature of order 0.1, so z, and
        # the recovered probability, are exact to ~1e-9.
        assert expit(logit) == pytest.approx(p_positive, abs=1e-8)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
def test_softmax_posterior_inverts_the_population_minimiser(gamma):
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = rng.dirichlet(np.ones(4))
        alpha = rng.uniform(0.1, 1.0, size=4)
        class_weight = rng.uniform(0.5, 10, size=4)
        loss = MultinomialFocalLoss(gamma=gamma, alpha=alpha)
        z = _population_minimiser(loss, p * class_weight, 4)
        recovered = softmax_posterior(z[None, :], gamma, alpha * class_weight)[0]
        np.testing.assert_allclose(recovered, p, atol=1e-7)


def test_posterior_is_finite_at_extreme_logits():
    extreme = np.array([-1e4, -700.0, -40.0, 0.0, 40.0, 700.0, 1e4])
    for gamma in (0.0, 0.3, 2.0, 10.0):
        logit = sigmoid_posterior_logit(extreme, gamma, 0.3, 2.0)
        assert not np.any(np.isnan(logit))
        assert np.all(np.diff(expit(logit)) >= 0)  # monotone in the model logit
        rows = np.array([[z, 0.0, -z] for z in extreme])
        posterior = softmax_posterior(rows, gamma, np.array([1.0, 2.0, 5.0]))
        assert np.all(np.isfinite(posterior))
        np.testing.assert_allclose(posterior.sum(axis=1), 1)


# ------------------------------------------------- against a known truth
def _known_binary(n=50_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    truth = expit(X @ np.array([1.0, -0.8, 0.5, 0.3]) - 4.6)
    return X, (rng.random(n) < truth).astype(int), np.column_stack([1 - truth, truth])


def _known_softmax(n=50_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    weights = np.array([[0, 1, -1], [0, -0.5, 1], [0, 0.8, 0.5], [0, 0, -0.7]])
    truth = softmax(X @ weights + np.array([0.0, -1.0, -5.0]), axis=1)
    y = (rng.random(n)[:, None] > truth.cumsum(axis=1)).sum(axis=1)
    return X, y, truth


@pytest.mark.parametrize("seed", seeds(2))
@pytest.mark.parametrize("make_data", [_known_binary, _known_softmax])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("weighting", ["balanced", "alpha"])
def test_recovered_posterior_is_five_times_closer_to_the_truth(
    make_data, gamma, weighting, seed
):
    X, y, truth = make_data(seed=seed)
    minority_share = np.bincount(y).min() / y.size
    # The 2 % minority this test is about: over 12 seeds 2.3-2.5 % (binary) and
    # 1.8-1.9 % (softmax).
    assert 0.015 < minority_share < 0.03
    if weighting == "balanced":
        params = dict(class_weight="balanced")
    else:
        params = dict(alpha=0.9 if truth.shape[1] == 2 else [0.1, 0.3, 0.6])
    clf = FocalLogisticRegression(gamma=gamma, max_iter=1000, **params).fit(X, y)
    raw_error = np.abs(clf.predict_proba(X) - truth).mean()
    recovered_error = np.abs(clf.predict_posterior(X) - truth).mean()
    # The bar is a factor 5. Over 12 seeds the error shrinks 7.4-8.5x in the
    # tightest case (softmax, γ=2, balanced), 10-12x with alpha there, 42x
    # and more in the others.
    assert recovered_error <= raw_error / 5


@pytest.mark.parametrize("seed", seeds(2))
def test_sgd_posterior_and_multilabel_posterior(seed):
    X, y, truth = _known_binary(n=20_000, seed=seed)
    sgd = WeightedSGDClassifier(class_weight="balanced", random_state=seed)
    sgd.fit(X, y)
    raw_error = np.abs(sgd.predict_proba(X) - truth).mean()
    # The bar is a factor 5; over 12 seeds the error shrinks 89-227x.
    assert np.abs(sgd.predict_posterior(X) - truth).mean() <= raw_error / 5
    # Two copies of the label as a multi-label target: each label's
    # posterior is the binary one.
    Y = np.column_stack([y, y])
    params = dict(gamma=2.0, class_weight="balanced", tol=1e-10, max_iter=10_000)
    multi = FocalLogisticRegression(**params).fit(X, Y)
    single = FocalLogisticRegression(**params).fit(X, y)
    # Both solves stop on L-BFGS's ftol, ~1e-6 apart in the coefficients
    # (see test_focal); probabilities move by less than that.
    np.testing.assert_allclose(
        multi.predict_posterior(X),
        np.column_stack([single.predict_posterior(X)[:, 1]] * 2),
        atol=1e-6,
    )


def test_unweighted_cross_entropy_posterior_is_predict_proba():
    X, y, _ = _known_softmax(n=5000)
    clf = FocalLogisticRegression(gamma=0.0).fit(X, y)
    np.testing.assert_allclose(clf.predict_posterior(X), clf.predict_proba(X))


def test_posterior_uses_the_fitted_loss_not_later_parameters():
    X, y, _ = _known_binary(n=5000)
    clf = FocalLogisticRegression(gamma=2.0, alpha=0.8).fit(X, y)
    before = clf.predict_posterior(X)
    clf.set_params(gamma=0.0, alpha=None)
    np.testing.assert_array_equal(clf.predict_posterior(X), before)


# ------------------------------------------------------- through pipelines
def test_posterior_proba_reaches_through_pipelines_and_searches():
    X, y, _ = _known_binary(n=4000)
    clf = FocalLogisticRegression(gamma=2.0, class_weight="balanced")
    bare = clone(clf).fit(StandardScaler().fit_transform(X), y)
    pipe = make_pipeline(StandardScaler(), clone(clf)).fit(X, y)
    np.testing.assert_allclose(
        posterior_proba(pipe, X), bare.predict_posterior(pipe[0].transform(X))
    )
    resampled = make_imb_pipeline(
        StandardScaler(), SMOTE(random_state=0), clone(clf)
    ).fit(X, y)
    np.testing.assert_allclose(
        posterior_proba(resampled, X),
        resampled[-1].predict_posterior(resampled[0].transform(X)),
    )
    search = GridSearchCV(pipe, {"focallogisticregression__gamma": [0.0, 2.0]}, cv=2)
    search.fit(X, y)
    np.testing.assert_allclose(
        posterior_proba(search, X), posterior_proba(search.best_estimator_, X)
    )
    with pytest.raises(TypeError, match="StandardScaler has no predict_posterior"):
        posterior_proba(StandardScaler().fit(X), X)


# ------------------------------------------------------------ real data
@pytest.mark.parametrize("seed", seeds(2))
def test_posterior_improves_brier_on_most_real_binary_datasets(shared_datasets, seed):
    rows = []
    for name, (X, y, kind) in shared_datasets.items():
        if kind != "binary":
            continue
        raw, recovered = [], []
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        for train, test in folds.split(X, y):
            model = make_pipeline(
                StandardScaler(),
                FocalLogisticRegression(
                    gamma=2.0, class_weight="balanced", max_iter=1000
                ),
            ).fit(X[train], y[train])
            raw.append(brier_score_loss(y[test], model.predict_proba(X[test])[:, 1]))
            recovered.append(
                brier_score_loss(y[test], posterior_proba(model, X[test])[:, 1])
            )
        rows.append((name, np.mean(raw), np.mean(recovered)))
    print("\ndataset                    Brier raw  Brier recovered")
    for name, raw, recovered in rows:
        print(f"{name:<26} {raw:9.4f}  {recovered:9.4f}")
    better = sum(recovered < raw for _, raw, recovered in rows)
    assert len(rows) == 16
    # Measured: better on all 16 with each of 12 shuffles of the folds; on
    # the closest dataset (pima) the recovered Brier is at most 0.84 of the
    # raw one. The claim is "most"; 14 leaves room for two datasets to
    # flip with a different BLAS or library version.
    assert better >= 14, f"recovered posteriors better on only {better} of 16"
