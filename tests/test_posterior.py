"""Recovering P(y | x) from weighted and focal models."""

import mpmath
import numpy as np
import pytest
from _seeds import seeds
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from scipy.optimize import minimize
from scipy.special import expit, logsumexp, softmax
from scipy.stats import norm
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbweight import (
    ClassWeightedClassifier,
    FocalLogisticRegression,
    WeightedSGDClassifier,
    adjust_prior,
    posterior_proba,
)
from imbweight._posterior import log_u, sigmoid_posterior_logit, softmax_posterior
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss
from imbweight.pipeline import make_pipeline as make_recording_pipeline


def _lightgbm(**params):
    """An LGBMClassifier; LightGBM is an optional extra, skip without it."""
    lightgbm = pytest.importorskip("lightgbm")
    return lightgbm.LGBMClassifier(verbose=-1, n_jobs=1, **params)


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
    resampled = make_recording_pipeline(
        StandardScaler(), SMOTE(random_state=0), clone(clf)
    ).fit(X, y)
    counts = resampled.class_counts_["smote"]
    np.testing.assert_allclose(
        posterior_proba(resampled, X),
        adjust_prior(
            resampled[-1].predict_posterior(resampled[0].transform(X)),
            list(counts["after"].values()),
            list(counts["before"].values()),
        ),
    )
    search = GridSearchCV(pipe, {"focallogisticregression__gamma": [0.0, 2.0]}, cv=2)
    search.fit(X, y)
    np.testing.assert_allclose(
        posterior_proba(search, X), posterior_proba(search.best_estimator_, X)
    )
    message = "StandardScaler has neither predict_posterior nor predict_proba"
    with pytest.raises(TypeError, match=message):
        posterior_proba(StandardScaler().fit(X), X)


def test_plain_imbalanced_learn_pipeline_with_a_sampler_is_an_error():
    X, y, _ = _known_binary(n=4000)
    plain = make_imb_pipeline(SMOTE(random_state=0), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match=r"Build it with imbweight\.pipeline\.Pipeline"):
        posterior_proba(plain, X)


def test_a_classifier_without_posterior_gives_its_predict_proba():
    X, y, _ = _known_softmax(n=3000)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(posterior_proba(forest, X), forest.predict_proba(X))


@pytest.mark.parametrize(
    "make_classifier, name",
    [
        (
            lambda: LogisticRegression(class_weight="balanced"),
            "class_weight='balanced'",
        ),
        (lambda: RandomForestClassifier(class_weight={0: 1, 1: 9}), "class_weight="),
        (lambda: _lightgbm(is_unbalance=True), "is_unbalance=True"),
        (lambda: _lightgbm(scale_pos_weight=20.0), "scale_pos_weight=20.0"),
    ],
    ids=["LogisticRegression", "RandomForest", "is_unbalance", "scale_pos_weight"],
)
def test_a_classifier_weighting_its_own_classes_is_refused(make_classifier, name):
    X, y, _ = _known_binary(n=2000)
    fitted = make_pipeline(StandardScaler(), make_classifier()).fit(X, y)
    message = f"trained with {name}.*ClassWeightedClassifier"
    with pytest.raises(TypeError, match=message):
        posterior_proba(fitted, X)


# --------------------------------------------------------- prior adjustment
def test_adjust_prior_is_bayes_rule_for_a_change_of_class_frequencies():
    # Two Gaussian classes: P(y | x) under any prior is known in closed form.
    x = np.linspace(-4, 4, 41)
    likelihood = np.column_stack([norm.pdf(x, -1, 1), norm.pdf(x, 1.5, 1.2)])
    for source, target in [([0.5, 0.5], [0.97, 0.03]), ([0.1, 0.9], [0.6, 0.4])]:
        under_source = likelihood * source
        under_target = likelihood * target
        shifted = adjust_prior(
            under_source / under_source.sum(axis=1, keepdims=True), source, target
        )
        np.testing.assert_allclose(
            shifted, under_target / under_target.sum(axis=1, keepdims=True), rtol=1e-13
        )


def test_adjust_prior_counts_scale_and_tau():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=50)
    counts = np.array([700.0, 200.0, 80.0, 20.0])
    shifted = adjust_prior(proba, counts, [1, 2, 3, 4])
    # Only the ratios of the priors matter.
    np.testing.assert_allclose(
        shifted, adjust_prior(proba, counts / 1000, [10, 20, 30, 40]), rtol=1e-13
    )
    np.testing.assert_allclose(shifted.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(adjust_prior(proba, counts, counts), proba, rtol=1e-15)
    np.testing.assert_allclose(adjust_prior(proba, counts, tau=0.0), proba, rtol=1e-15)
    # Logit adjustment: p ∝ q / π^τ.
    for tau in (0.5, 1.0, 2.0):
        expected = proba / counts**tau
        np.testing.assert_allclose(
            adjust_prior(proba, counts, tau=tau),
            expected / expected.sum(axis=1, keepdims=True),
            rtol=1e-13,
        )
    # A class of target frequency 0 is never probable.
    assert np.all(adjust_prior(proba, counts, [1, 1, 0, 1])[:, 2] == 0)


def test_adjust_prior_extreme_priors_stay_finite():
    proba = np.array([[0.5, 0.5], [1e-300, 1.0]])
    shifted = adjust_prior(proba, [1e-300, 1.0], [1.0, 1e-300])
    assert np.all(np.isfinite(shifted))
    np.testing.assert_allclose(shifted.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([[0.5, 0.5]], [1.0]), {}, "source_prior must hold one .* per column"),
        (([[0.5, 0.5]], [1.0, 0.0]), {}, "source_prior .* positive"),
        (([[0.5, 0.5]], [1.0, np.nan]), {}, "source_prior"),
        (([[0.5, 0.5]], [1.0, 1.0], [-1.0, 2.0]), {}, "target_prior .* non-negative"),
        (([[0.5, 0.5]], [1.0, 1.0], [0.0, 0.0]), {}, "target_prior"),
        (([[0.5, 0.5]], {"a": 1.0, "b": 2.0}), {}, "in the order of the columns"),
        (([0.5, 0.5], [1.0, 1.0]), {}, "proba must be a 2-D array"),
        (([[0.5, -0.5]], [1.0, 1.0]), {}, "non-negative probabilities"),
        (([[0.5, 0.5]], [1.0, 1.0]), {"tau": -1.0}, "'tau' parameter"),
        (([[0.5, 0.5]], [1.0, 1.0]), {"tau": np.inf}, "'tau' parameter"),
        (([[1.0, 0.0]], [1.0, 1.0], [0.0, 1.0]), {}, r"Rows \[0\] of proba"),
    ],
)
def test_adjust_prior_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        adjust_prior(*args, **kwargs)


def test_logit_adjusted_loss_equals_plain_cross_entropy_then_adjust_prior():
    # The docstring's claim, checked directly: the softmax of the minimiser
    # of the logit-adjusted loss (softmax of z + τ log π, cross-entropy, L2
    # on W only) is adjust_prior of the plain cross-entropy model. The
    # intercepts are not penalised, so the adjusted minimiser is the plain
    # one with its intercepts shifted by -τ log π: that point has the same
    # gradient under the adjusted objective as the plain minimiser under the
    # plain one (so it is the adjusted minimiser, both being strictly convex
    # up to a common intercept shift that moves no probability), and its
    # unadjusted softmax must be adjust_prior of the plain probabilities.
    # Checking the shifted point rather than solving twice keeps the test
    # independent of how close a second solve gets to the machine-precision
    # floor of its line search.
    X, y, _ = _known_softmax(n=3000, seed=1)
    n_features, n_classes = X.shape[1], 3
    prior = np.bincount(y) / y.size
    onehot = np.eye(n_classes)[y]
    C = 10.0

    def split(theta):
        return theta[:-n_classes].reshape(n_features, n_classes), theta[-n_classes:]

    def objective(theta, offset):
        W, b = split(theta)
        z = X @ W + b + offset
        log_p = z - logsumexp(z, axis=1, keepdims=True)
        residual = np.exp(log_p) - onehot
        value = -C * np.sum(onehot * log_p) / y.size + 0.5 * np.sum(W**2)
        grad_W = C * X.T @ residual / y.size + W
        grad_b = C * residual.sum(axis=0) / y.size
        return value, np.concatenate([grad_W.ravel(), grad_b])

    theta0 = np.zeros(n_features * n_classes + n_classes)
    plain = minimize(
        objective, theta0, args=(0.0,), jac=True, method="BFGS", options={"gtol": 1e-9}
    )
    # Converged: the gradient is far below the coefficients' scale (~1).
    assert np.max(np.abs(plain.jac)) < 1e-6

    tau = 0.7
    offset = tau * np.log(prior)
    shifted = plain.x.copy()
    shifted[-n_classes:] -= offset
    _, adjusted_gradient = objective(shifted, offset)
    # Same logits z + offset as the plain minimiser: equal gradients up to
    # rounding of the O(1) logits.
    np.testing.assert_allclose(adjusted_gradient, plain.jac, rtol=0, atol=1e-12)

    W, b = split(plain.x)
    W_adjusted, b_adjusted = split(shifted)
    np.testing.assert_allclose(
        softmax(X @ W_adjusted + b_adjusted, axis=1),
        adjust_prior(softmax(X @ W + b, axis=1), prior, tau=tau),
        rtol=0,
        atol=1e-12,
    )


# --------------------------------------------- acceptance: known posterior
# Synthetic data with a known P(y | x) (a 2.5 % binary minority; three
# classes of about 74 %, 24 % and 2 %). Each model is trained three ways
# that distort its probabilities (balanced class weights, SMOTE to equal
# classes, random under-sampling to equal classes) and once plainly, on
# 50 000 rows, and scored on 50 000 fresh rows.
#
# Tolerance. The Brier score is the irreducible E[p(1 - p)] plus the mean
# squared error of the probabilities. Where the recovery is exact (log-loss
# models, random over/under-sampling) the distorted model differs from the
# plain one only in estimation error, of relative order d / n_eff: for a
# logistic model (5 parameters) on the 2 000-3 000 rows left by
# under-sampling, a fraction of a percent of the Brier score; for boosting
# (a few hundred leaf values) a few percent. SMOTE adds a bias (its rows are
# interpolated, not drawn from P(x | y)), and so does a softmax with
# gamma > 0 (whose recovery is approximate). Measured over seeds 0-2: at
# most 0.3 % for LogisticRegression, 1.8 % for the focal softmax, 1.0 % for
# binary LightGBM and 2.7 % for three-class LightGBM under-sampled to the
# 2 % class (about 2 900 rows, 6 % of the data). 5 % leaves room for other
# seeds and library versions; the raw probabilities score 1.45-9 times the
# plain Brier score, so requiring 1.3 times leaves a wide margin on the
# other side.
ACCEPTANCE_SEEDS = (0, 1, 2)
N_ACCEPTANCE = 50_000


def _brier(proba, y):
    """Multiclass Brier score: mean over samples of Σ_k (p_k - 1[y = k])²."""
    return np.mean(np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1))


def _acceptance_model(name):
    """(plain model, its class-weighted version), fresh objects."""
    if name == "LightGBM":
        plain = _lightgbm(
            n_estimators=100, learning_rate=0.05, num_leaves=8, min_child_samples=50
        )
        return plain, ClassWeightedClassifier(clone(plain), "balanced")
    if name == "LogisticRegression":
        plain = LogisticRegression(max_iter=1000)
        return plain, ClassWeightedClassifier(clone(plain), "balanced")
    plain = FocalLogisticRegression(gamma=2.0, max_iter=1000)
    return plain, clone(plain).set_params(class_weight="balanced")


@pytest.mark.parametrize("make_data", [_known_binary, _known_softmax])
@pytest.mark.parametrize(
    "name", ["LogisticRegression", "FocalLogisticRegression(gamma=2)", "LightGBM"]
)
def test_recovered_posteriors_after_weighting_and_resampling(make_data, name):
    plain, weighted = _acceptance_model(name)
    rows = _brier_ratios(make_data, plain, weighted, ACCEPTANCE_SEEDS)
    print(f"\n{make_data.__name__}, {name}: Brier / plain model's Brier")
    _print_ratios(rows)
    assert all(recovered <= 1.05 for *_, recovered in rows), rows
    assert all(raw >= 1.3 for *_, raw, _ in rows), rows


# A forest's probabilities are leaf frequencies, not the minimiser of a
# log-loss: class weights or resampling change which trees grow, and a pure
# leaf stays pure whatever the prior correction. The recovery is therefore
# approximate; this measures how close it comes (README, "My model was
# trained on SMOTE data"), on the data and protocol above with two seeds.
# Measured (50 trees, seeds 0-1): within 0.1-3.8 % of the plain forest's
# Brier score with min_samples_leaf=50; from -0.1 % to 10 % fully grown, the
# 10 % after under-sampling, where fully grown trees fit 5 % of the rows and
# their estimation error dominates (scikit-learn 1.7 gives up to 6 % for
# balanced weights). The bounds asserted (6 % and 20 %) say "approximate, not
# far". Where the raw probabilities are distorted beyond that bound (1.2-8.5
# times the plain Brier score after resampling) the correction must improve
# them; a fully grown forest with balanced weights is not distorted (pure
# leaves keep their frequencies whatever the weights: raw 0.996-1.002), so
# there the correction can only cost, within the bound.
@pytest.mark.slow
@pytest.mark.parametrize("make_data", [_known_binary, _known_softmax])
@pytest.mark.parametrize("min_samples_leaf, bound", [(50, 1.06), (1, 1.20)])
def test_recovered_forest_posteriors_are_approximate(
    make_data, min_samples_leaf, bound
):
    # n_jobs=2 (CI's cores): each tree has its own seed, so the forest is
    # the same at any n_jobs.
    forest = RandomForestClassifier(
        n_estimators=50, min_samples_leaf=min_samples_leaf, random_state=0, n_jobs=2
    )
    weighted = ClassWeightedClassifier(clone(forest), "balanced")
    rows = _brier_ratios(make_data, forest, weighted, ACCEPTANCE_SEEDS[:2])
    print(f"\n{make_data.__name__}, forest min_samples_leaf={min_samples_leaf}")
    _print_ratios(rows)
    assert all(recovered <= bound for *_, recovered in rows), rows
    distorted = [(raw, recovered) for *_, raw, recovered in rows if raw > bound]
    assert distorted, rows
    assert all(recovered < raw for raw, recovered in distorted), rows


def _brier_ratios(make_data, plain, weighted, seeds):
    """(seed, how, raw, recovered): Brier scores over the plain model's.

    For each seed, ``weighted`` and ``plain`` after SMOTE and after random
    under-sampling (both to equal classes) are fitted on fresh data, and
    scored, by ``predict_proba`` and by ``posterior_proba``, on fresh data.
    """
    rows = []
    for seed in seeds:
        X, y, _ = make_data(n=N_ACCEPTANCE, seed=seed)
        X_test, y_test, _ = make_data(n=N_ACCEPTANCE, seed=seed + 100)
        reference = _brier(posterior_proba(clone(plain).fit(X, y), X_test), y_test)
        models = {
            "balanced": clone(weighted),
            "SMOTE 1:1": make_recording_pipeline(
                SMOTE(random_state=seed), clone(plain)
            ),
            "under-sampled 1:1": make_recording_pipeline(
                RandomUnderSampler(random_state=seed), clone(plain)
            ),
        }
        for how, model in models.items():
            model.fit(X, y)
            raw = _brier(model.predict_proba(X_test), y_test) / reference
            recovered = _brier(posterior_proba(model, X_test), y_test) / reference
            rows.append((seed, how, raw, recovered))
    return rows


def _print_ratios(rows):
    for seed, how, raw, recovered in rows:
        print(f"  seed {seed}  {how:<18} raw {raw:6.3f}  recovered {recovered:6.4f}")


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
