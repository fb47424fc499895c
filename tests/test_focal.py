"""FocalLogisticRegression: oracle, optimality, targets, inputs and errors."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _seeds import seeds
from numpy.testing import assert_array_equal
from scipy.optimize import minimize
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression

from imbweight import FocalLogisticRegression, WeightedSGDClassifier
from imbweight._objective import LinearObjective
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

TIGHT = dict(tol=1e-10, max_iter=10_000)


def _imbalanced(n_classes=2, n_samples=300, n_features=6, seed=0, dtype=np.float64):
    minority = 0.15 / (n_classes - 1)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        weights=[1 - minority * (n_classes - 1)] + [minority] * (n_classes - 1),
        random_state=seed,
    )
    return X.astype(dtype), y


def _containers(X):
    return {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X)}


# ---------------------------------------------------------------- the oracle
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("container", ["dense", "csr", "csc"])
@pytest.mark.parametrize(
    "params",
    [
        dict(C=1.0),
        dict(C=0.05, class_weight="balanced"),
        dict(C=10.0, fit_intercept=False),
        dict(C=1.0, class_weight={0: 3.0}),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_gamma_zero_reproduces_logistic_regression(
    n_classes, container, params, weighted
):
    X, y = _imbalanced(n_classes)
    X = _containers(X)[container]
    sample_weight = (
        np.random.default_rng(1).uniform(0.2, 3, y.size) if weighted else None
    )
    ours = FocalLogisticRegression(gamma=0.0, **params, **TIGHT)
    ours.fit(X, y, sample_weight=sample_weight)
    reference = LogisticRegression(**params, **TIGHT)
    reference.fit(X, y, sample_weight=sample_weight)
    # Same objective, same start, same L-BFGS options: the paths coincide up to
    # round-off, far inside rtol=1e-6.
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(
        ours.intercept_, reference.intercept_, rtol=1e-6, atol=1e-12
    )
    np.testing.assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=1e-6, atol=1e-12
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gamma_zero_float32_matches_logistic_regression(n_classes):
    X, y = _imbalanced(n_classes, dtype=np.float32)
    with warnings.catch_warnings():
        # In float32 both solvers stop when the line search cannot resolve a
        # further decrease; that is the point of this comparison.
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = FocalLogisticRegression(gamma=0.0, tol=1e-8, max_iter=1000).fit(X, y)
        reference = LogisticRegression(tol=1e-8, max_iter=1000).fit(X, y)
    assert ours.coef_.dtype == np.float32 and ours.intercept_.dtype == np.float32
    # A float32 objective resolves f only to eps32·f; near the minimum
    # f(w) - f* ~ ½ δᵀHδ, so w is determined to ~sqrt(eps32) ≈ 3.5e-4 of its
    # scale. Two correct float32 solvers may differ by that much, not more.
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=2e-3 * scale)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, atol=2e-3 * scale)


# ------------------------------------------------------ optimality for γ > 0
def _naive_objective(coef, X, y, n_outputs, gamma, alpha, C):
    """``C · Σ_i α_t (1 − p_t)^γ (−log p_t) + ½ ‖W‖²``, straight from the
    probabilities: the objective the estimator minimises, unnormalised."""
    n_features = X.shape[1]
    matrix = coef.reshape(n_features + 1, n_outputs)
    raw = X @ matrix[:-1] + matrix[-1]
    if n_outputs == 1:
        p = expit(raw[:, 0])
        p_true = np.where(y == 1, p, 1 - p)
        alpha_true = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    else:
        p_true = softmax(raw, axis=1)[np.arange(y.size), y]
        alpha_true = 1.0 if alpha is None else np.asarray(alpha)[y]
    loss = -alpha_true * (1 - p_true) ** gamma * np.log(p_true)
    return C * loss.sum() + 0.5 * np.sum(matrix[:-1] ** 2)


@pytest.mark.parametrize(
    "n_classes, gamma, alpha",
    [
        (2, 0.5, None),
        (2, 2.0, None),
        (2, 5.0, None),
        (2, 2.0, 0.25),
        (2, 0.5, 0.75),
        (3, 2.0, None),
        (3, 2.0, [0.2, 0.5, 0.3]),
        (3, 5.0, [0.6, 0.2, 0.2]),
    ],
)
def test_focal_solution_is_stationary_and_matches_reference(n_classes, gamma, alpha):
    X, y = _imbalanced(n_classes, n_samples=200, n_features=4)
    # L-BFGS also stops on a relative decrease below ftol=64·eps; tol=1e-7 is
    # large enough that the gradient criterion, the one asserted, stops it.
    tol = 1e-7
    clf = FocalLogisticRegression(gamma=gamma, alpha=alpha, tol=tol, max_iter=5000)
    clf.fit(X, y)
    n_outputs = clf.coef_.shape[0]
    coef = np.vstack([clf.coef_.T, clf.intercept_[None, :]]).ravel()

    loss = (
        BinaryFocalLoss(gamma, alpha)
        if n_classes == 2
        else MultinomialFocalLoss(gamma, None if alpha is None else np.array(alpha))
    )
    objective = LinearObjective(loss, fit_intercept=True, n_outputs=n_outputs)
    target = y.astype(float) if n_classes == 2 else y
    _, gradient = objective.loss_gradient(coef, X, target, None, 1 / y.size)
    assert np.abs(gradient).max() < tol

    # An independent minimiser: the naive objective, BFGS with its own
    # finite-difference gradient, from the same zero start.
    reference = minimize(
        _naive_objective,
        np.zeros_like(coef),
        args=(X, y, n_outputs, gamma, alpha, 1.0),
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": 5000},
    )
    # BFGS on a forward-difference gradient (error ~sqrt(eps)·|f|) stops with
    # |∇f| ~ 1e-6 on a problem whose curvature is >= 1 (the L2 term), so its
    # coefficients are good to ~1e-6 absolute; 1e-4 leaves a margin.
    np.testing.assert_allclose(coef, reference.x, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------ targets
def test_multilabel_equals_independent_binary_fits():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=6, n_classes=4, random_state=0
    )
    sample_weight = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    params = dict(gamma=2.0, alpha=0.3, class_weight="balanced", **TIGHT)
    joint = FocalLogisticRegression(**params).fit(X, Y, sample_weight=sample_weight)
    assert joint.coef_.shape == (4, 6)
    assert joint.predict(X).shape == Y.shape
    assert joint.predict_proba(X).shape == Y.shape
    for label in range(Y.shape[1]):
        alone = FocalLogisticRegression(**params).fit(
            X, Y[:, label], sample_weight=sample_weight
        )
        assert joint.class_weight_[label] == alone.class_weight_
        # The joint solution for this label is a stationary point of the
        # label's own binary objective: the gradient, O(1) at zero, is down to
        # the ~1e-7 where L-BFGS's ftol=64·eps stops a solve...
        weights = sample_weight * np.where(
            Y[:, label] == 1,
            alone.class_weight_[1],
            alone.class_weight_[0],
        )
        objective = LinearObjective(BinaryFocalLoss(2.0, 0.3), True, n_outputs=1)
        coef = np.append(joint.coef_[label], joint.intercept_[label])
        _, gradient = objective.loss_gradient(
            coef, X, Y[:, label].astype(float), weights, 1 / weights.sum()
        )
        assert np.abs(gradient).max() < 1e-6
        # ...and the same point as the separate fit. Both solves stop on
        # L-BFGS's ftol=64·eps before gtol=1e-10; the unpenalised intercept
        # only has the focal loss's curvature, (1-p)^γ p(1-p), small where
        # most samples are well classified, so the two stopping points differ
        # by ~1e-5 along it; 1e-4 bounds that.
        np.testing.assert_allclose(joint.coef_[label], alone.coef_[0], atol=1e-4)
        np.testing.assert_allclose(
            joint.intercept_[label], alone.intercept_[0], atol=1e-4
        )


@pytest.mark.parametrize(
    "labels",
    [np.array(["cat", "dog", "eel"]), np.array([-7, 3, 40]), np.array([1.0, 2.0, 9.0])],
)
def test_any_label_type(labels):
    X, codes = _imbalanced(3)
    clf = FocalLogisticRegression().fit(X, labels[codes])
    np.testing.assert_array_equal(clf.classes_, labels)
    assert set(clf.predict(X)) <= set(labels)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(X), labels[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)


def test_class_weight_dict_and_alpha_dict_follow_labels():
    X, codes = _imbalanced(3)
    labels = np.array(["a", "b", "c"])
    by_dict = FocalLogisticRegression(
        class_weight={"b": 4.0}, alpha={"a": 0.2, "b": 0.5, "c": 0.3}
    ).fit(X, labels[codes])
    by_array = FocalLogisticRegression(
        class_weight={"b": 4.0}, alpha=[0.2, 0.5, 0.3]
    ).fit(X, labels[codes])
    assert by_dict.class_weight_ == {"a": 1.0, "b": 4.0, "c": 1.0}
    np.testing.assert_array_equal(by_dict.coef_, by_array.coef_)


def test_alpha_and_class_weight_compose_multiplicatively():
    X, y = _imbalanced(2)
    composed = FocalLogisticRegression(
        alpha=0.8, class_weight={0: 2.0, 1: 3.0}, **TIGHT
    ).fit(X, y)
    # α_t·c_y is 0.2·2 for negatives and 0.8·3 for positives; scaling all the
    # weights by the same factor only rescales C, so compare against an
    # explicit per-sample weight with the matching C.
    by_weight = FocalLogisticRegression(**TIGHT, C=1.0).fit(
        X, y, sample_weight=np.where(y == 1, 2.4, 0.4)
    )
    np.testing.assert_allclose(composed.coef_, by_weight.coef_, rtol=1e-6)


# ------------------------------------------------------------------- inputs
def test_float32_stays_float32_and_sparse_is_accepted():
    X, y = _imbalanced(2, dtype=np.float32)
    for container in _containers(X).values():
        clf = FocalLogisticRegression().fit(container, y)
        assert clf.coef_.dtype == np.float32
        assert clf.decision_function(container).dtype == np.float32


def test_pandas_dataframe_records_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _imbalanced(2)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = FocalLogisticRegression().fit(frame, pd.Series(y))
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    np.testing.assert_allclose(
        clf.decision_function(frame), X @ clf.coef_.ravel() + clf.intercept_
    )


def test_warm_start_starts_from_the_previous_solution():
    X, y = _imbalanced(3)
    clf = FocalLogisticRegression(warm_start=True, tol=1e-8, max_iter=1000).fit(X, y)
    first = clf.n_iter_[0]
    clf.fit(X, y)
    assert clf.n_iter_[0] < first


def test_integer_sample_weight_equals_repeated_rows():
    X, y = _imbalanced(3, n_samples=120)
    repeats = np.random.default_rng(0).integers(0, 4, y.size)
    weighted = FocalLogisticRegression(**TIGHT).fit(X, y, sample_weight=repeats)
    repeated = FocalLogisticRegression(**TIGHT).fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6)


def test_verbose_prints_progress(capsys):
    X, y = _imbalanced(2)
    FocalLogisticRegression(verbose=1).fit(X, y)
    assert "L-BFGS iteration 1: objective" in capsys.readouterr().out


def test_clone_and_pickle_roundtrip():
    X, y = _imbalanced(3)
    clf = FocalLogisticRegression(gamma=1.0, alpha=[0.2, 0.4, 0.4]).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).get_params() == clf.get_params()


# ------------------------------------------------------ robustness, errors
@pytest.mark.parametrize("seed", seeds(3))
def test_separable_large_scale_features_give_finite_coefficients(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3)) * 1e3
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = FocalLogisticRegression(gamma=2.0).fit(X, y)
    assert np.all(np.isfinite(clf.coef_)) and np.all(np.isfinite(clf.intercept_))
    # Separable by construction: every row right on each of 20 seeds.
    assert (clf.predict(X) == y).mean() > 0.99


def test_non_convergence_warns():
    X, y = _imbalanced(3)
    with pytest.warns(ConvergenceWarning, match="did not converge after 2"):
        FocalLogisticRegression(max_iter=2).fit(X, y)


X_OK, Y_OK = _imbalanced(3, n_samples=30)
X_NAN = X_OK.copy()
X_NAN[3, 1] = np.nan
X_INF = X_OK.copy()
X_INF[0, 0] = np.inf

BAD_INPUTS = {
    "nan": (dict(), (X_NAN, Y_OK), ValueError, "Input X contains NaN"),
    "inf": (dict(), (X_INF, Y_OK), ValueError, "Input X contains infinity"),
    "one class": (
        dict(),
        (X_OK, np.zeros(30)),
        ValueError,
        "needs samples of at least 2 classes in the data, but the data contains "
        "only one class: 0.0.",
    ),
    "empty X": (
        dict(),
        (np.empty((0, 6)), np.empty(0)),
        ValueError,
        "Found array with 0 sample(s)",
    ),
    "1-D X": (
        dict(),
        (X_OK[:, 0], Y_OK),
        ValueError,
        "Expected 2D array, got 1D array instead",
    ),
    "mismatched lengths": (
        dict(),
        (X_OK, Y_OK[:-1]),
        ValueError,
        "inconsistent numbers of samples: [30, 29]",
    ),
    "negative sample_weight": (
        dict(),
        (X_OK, Y_OK, -np.ones(30)),
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    "zero sample_weight": (
        dict(),
        (X_OK, Y_OK, np.zeros(30)),
        ValueError,
        # scikit-learn >= 1.9 rejects all-zero weights in its own validation;
        # before, our check of the combined weights is the first to see them.
        (
            "Sample weights must contain at least one non-zero number",
            "sample_weight times class_weight is zero for every sample",
        ),
    ),
    "zero class weights": (
        dict(class_weight={0: 0.0, 1: 0.0, 2: 0.0}),
        (X_OK, Y_OK),
        ValueError,
        "sample_weight times class_weight is zero for every sample",
    ),
    "gamma < 0": (
        dict(gamma=-1.0),
        (X_OK, Y_OK),
        ValueError,
        "The 'gamma' parameter of FocalLogisticRegression must be a float in the "
        "range [0.0, inf). Got -1.0 instead.",
    ),
    "alpha > 1": (
        dict(alpha=1.5),
        (X_OK, Y_OK),
        ValueError,
        "The 'alpha' parameter of FocalLogisticRegression must be None, a float in "
        "the range [0.0, 1.0], an array-like or an instance of 'dict'. Got 1.5",
    ),
    "per-class alpha outside [0, 1]": (
        dict(alpha=[0.5, 0.5, 2.0]),
        (X_OK, Y_OK),
        ValueError,
        "Every alpha must lie in [0, 1]; got [0.5, 0.5, 2.0]",
    ),
    "float alpha with 3 classes": (
        dict(alpha=0.25),
        (X_OK, Y_OK),
        ValueError,
        "alpha=0.25 is a float, but y has 3 classes",
    ),
    "alpha of the wrong length": (
        dict(alpha=[0.5, 0.5]),
        (X_OK, Y_OK),
        ValueError,
        "alpha must have one value per class or label, shape (3,); got shape (2,)",
    ),
    "unknown class in class_weight": (
        dict(class_weight={0: 1.0, 7: 2.0}),
        (X_OK, Y_OK),
        ValueError,
        "class_weight names labels [7] that are not classes of y",
    ),
    "C <= 0": (
        dict(C=0.0),
        (X_OK, Y_OK),
        ValueError,
        "The 'C' parameter of FocalLogisticRegression must be a float in the range "
        "(0.0, inf]. Got 0.0 instead.",
    ),
    "continuous target": (
        dict(),
        (X_OK, np.linspace(0, 1, 30)),
        ValueError,
        "Unknown label type: continuous",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_raises_a_specific_error(case):
    params, fit_args, error, messages = BAD_INPUTS[case]
    if isinstance(messages, str):
        messages = (messages,)
    clf = FocalLogisticRegression(**params)
    with pytest.raises(error, match="|".join(map(re.escape, messages))):
        clf.fit(*fit_args)
    with pytest.raises(NotFittedError):
        clf.predict(X_OK)


def test_failed_refit_keeps_the_previous_model():
    # scikit-learn's behaviour: a fit that fails changes nothing fitted.
    clf = FocalLogisticRegression().fit(X_OK, Y_OK)
    fitted = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    coef = clf.coef_.copy()
    with pytest.raises(ValueError, match=r"alpha=0\.25 is a float"):
        clf.set_params(alpha=0.25).fit(X_OK, Y_OK)
    assert {name for name in vars(clf) if name.endswith("_")} == set(fitted)
    assert all(getattr(clf, name) is value for name, value in fitted.items())
    assert_array_equal(clf.coef_, coef)
    assert_array_equal(clf.predict(X_OK), clf.set_params(alpha=None).predict(X_OK))


def test_overflowing_features_raise_instead_of_storing_non_finite_coefficients():
    X = np.array([[1e308, 1.0], [-1e308, 0.0], [1e308, 0.5], [-1e308, 2.0]])
    y = np.array([0, 1, 0, 1])
    clf = FocalLogisticRegression(gamma=0.0, C=1e10)
    with pytest.raises(FloatingPointError, match="non-finite"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X, y)
    assert not hasattr(clf, "coef_")


# ------------------------------------------------------------------ hardening
def _malformed_csr(n_features=4):
    """A CSR matrix SciPy builds without complaint, with a column index of 7."""
    return sp.csr_matrix(
        (np.ones(3), np.array([0, 7, 1]), np.array([0, 1, 2, 3])),
        shape=(3, n_features),
    )


@pytest.mark.parametrize(
    "estimator", [FocalLogisticRegression(), WeightedSGDClassifier()]
)
def test_malformed_sparse_matrices_are_refused_before_any_kernel_runs(estimator):
    bad = _malformed_csr()
    y = np.array([0, 1, 0])
    with pytest.raises(ValueError, match=r"malformed CSR matrix: its column indices"):
        clone(estimator).fit(bad, y)
    fitted = clone(estimator).fit(sp.csr_matrix(np.eye(3, 4)), y)
    with pytest.raises(ValueError, match="malformed CSR matrix"):
        fitted.predict(bad)
    if hasattr(estimator, "partial_fit"):
        with pytest.raises(ValueError, match="malformed CSR matrix"):
            fitted.partial_fit(bad, y)
    csc = sp.csc_matrix(
        (np.ones(2), np.array([0, 9]), np.array([0, 1, 2, 2, 2])), shape=(3, 4)
    )
    with pytest.raises(ValueError, match=r"malformed CSC matrix: its row indices"):
        fitted.predict(csc)


@pytest.mark.parametrize("values", [(1, 2), (0, 2), (-1, 1)])
def test_two_dimensional_y_must_be_a_zero_one_indicator(values):
    Y = np.array(values)[np.array([[0, 1], [1, 0], [1, 1], [0, 0]])]
    with pytest.raises(ValueError, match="must be a 0/1 indicator matrix"):
        FocalLogisticRegression().fit(np.eye(4), Y)


@pytest.mark.parametrize(
    "params",
    [dict(alpha=1.0), dict(alpha=0.0), dict(class_weight={0: 0.0, 1: 1.0})],
    ids=["alpha=1", "alpha=0", "zero class weight"],
)
def test_posterior_of_a_class_that_weighed_zero_is_an_error(params):
    X, y = make_classification(n_samples=100, random_state=0)
    clf = FocalLogisticRegression(**params).fit(X, y)
    with pytest.raises(ValueError, match=r"cannot recover P\(y \| x\): \['class"):
        clf.predict_posterior(X)


def test_multiclass_posterior_with_a_zero_alpha_is_an_error():
    X, y = make_classification(
        n_samples=150, n_classes=3, n_informative=4, random_state=0
    )
    clf = FocalLogisticRegression(alpha=[0.5, 0.0, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match=r"\['class 1'\] weighed zero"):
        clf.predict_posterior(X)


def test_every_sample_weighing_zero_through_alpha_is_refused():
    X, y = make_classification(n_samples=100, random_state=0)
    with pytest.raises(ValueError, match="class_weight times alpha is zero for every"):
        FocalLogisticRegression(alpha=1.0, class_weight={0: 1.0, 1: 0.0}).fit(X, y)


class _Interrupting:
    """A class_weight callable that interrupts the fit, as Ctrl-C would."""

    def __call__(self, y):
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    "breaking",
    [
        lambda clf: clf.fit(X_OK[:, :2], Y_OK),  # a warm start of the wrong shape
        lambda clf: clf.fit(np.full_like(X_OK, np.nan), Y_OK),
        lambda clf: clf.set_params(class_weight=_Interrupting()).fit(X_OK, Y_OK),
    ],
    ids=["warm-start-shape", "nan", "interrupt"],
)
@pytest.mark.parametrize("estimator", [FocalLogisticRegression, WeightedSGDClassifier])
def test_a_failed_refit_keeps_the_previous_model(estimator, breaking):
    clf = estimator(warm_start=True).fit(X_OK, Y_OK)
    fitted = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    predictions = clf.predict_proba(X_OK)
    with pytest.raises((ValueError, KeyboardInterrupt)):
        breaking(clf)
    assert {name for name in vars(clf) if name.endswith("_")} == set(fitted)
    assert all(getattr(clf, name) is value for name, value in fitted.items())
    assert_array_equal(clf.predict_proba(X_OK), predictions)


def test_c_infinity_equals_unpenalised_logistic_regression():
    X, y = make_classification(n_samples=300, flip_y=0.2, random_state=0)
    ours = FocalLogisticRegression(gamma=0.0, C=np.inf).fit(X, y)
    reference = LogisticRegression(C=np.inf).fit(X, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-4)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-4)
