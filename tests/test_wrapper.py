"""Tests of ClassWeightedClassifier: both weighting paths, delegation, plumbing."""

import pickle

import numpy as np
import pytest
from _seeds import seeds
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbweight import (
    ClassWeightedClassifier,
    ClassWeights,
    FocalLogisticRegression,
    compute_class_weight,
)
from imbweight._compat import InvalidParameterError

# The class_weight path (the classifier's own parameter) on a linear model, a
# tree and an imbweight estimator; the sample_weight path on GaussianNB, which
# has no class_weight and whose fit honours sample_weight exactly (scikit-learn
# expects no failure of it in its own sample-weight checks).
ESTIMATORS = [
    ClassWeightedClassifier(LogisticRegression()),
    ClassWeightedClassifier(GaussianNB()),
    ClassWeightedClassifier(GaussianNB(), class_weight=ClassWeights("sqrt_inverse")),
    ClassWeightedClassifier(
        FocalLogisticRegression(gamma=0.0),
        class_weight=ClassWeights("effective_number", beta=0.99),
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# check_class_weight_classifiers sets min_weight_fraction_leaf=0.01 on a bare
# tree (it looks for the attribute on the estimator it is given); inside the
# wrapper the tree gets the same setting up front.
TREES = [
    ClassWeightedClassifier(
        DecisionTreeClassifier(min_weight_fraction_leaf=0.01, random_state=0)
    )
]


# A tree's predict_log_proba is np.log of leaf frequencies, some exactly 0:
# check_array_api_input calls it, and the bare DecisionTreeClassifier raises
# the same "divide by zero" RuntimeWarning (an error in this test suite).
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")
@parametrize_with_checks(TREES)
def test_sklearn_compatible_tree(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=300,
        n_features=5,
        n_informative=3,
        weights=[0.85],
        flip_y=0.05,
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        n_samples=300,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.7, 0.2, 0.1],
        random_state=1,
    )
    return X, np.array(["cat", "dog", "eel"])[y]


@pytest.fixture(scope="module")
def sample_weight():
    return np.random.default_rng(0).uniform(0.2, 3.0, size=300)


# ------------------------------------- weights equal the classifier's own
@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_balanced_equals_the_estimators_own_balanced(
    imbalanced, sample_weight, with_sample_weight
):
    X, y = imbalanced
    sw = sample_weight if with_sample_weight else None
    wrapped = ClassWeightedClassifier(LogisticRegression()).fit(X, y, sample_weight=sw)
    own = LogisticRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
    # LogisticRegression multiplies its sample weights by its class weights:
    # the same products, so identical, not just close.
    assert_array_equal(wrapped.estimator_.coef_, own.coef_)
    assert_array_equal(wrapped.estimator_.intercept_, own.intercept_)
    assert_array_equal(wrapped.predict_proba(X), own.predict_proba(X))
    assert wrapped.estimator_.class_weight is None
    assert wrapped.class_weight_ == compute_class_weight(y, sample_weight=sw)


@pytest.mark.parametrize(
    "class_weight",
    [
        ClassWeights("effective_number", beta=0.99),
        ClassWeights("power", power=0.5, clip=3.0),
        {"cat": 1.0, "eel": 4.0},
        lambda y: {label: 1.0 + (label == "eel") for label in np.unique(y)},
    ],
    ids=["effective_number", "power-clipped", "dict", "callable"],
)
def test_every_form_reaches_the_estimators_class_weight(three_classes, class_weight):
    X, y = three_classes
    wrapped = ClassWeightedClassifier(LogisticRegression(), class_weight=class_weight)
    wrapped.fit(X, y)
    expected = {
        "cat": 1.0,
        "dog": 1.0,
        **(
            clone(class_weight).fit(y).class_weight_
            if isinstance(class_weight, ClassWeights)
            else class_weight
            if isinstance(class_weight, dict)
            else class_weight(y)
        ),
    }
    assert wrapped.class_weight_ == pytest.approx(expected)
    own = LogisticRegression(class_weight=expected).fit(X, y)
    assert_allclose(wrapped.estimator_.coef_, own.coef_, rtol=1e-12, atol=1e-12)
    assert_array_equal(wrapped.classes_, ["cat", "dog", "eel"])


def test_an_imbweight_estimator_equals_its_own_class_weight(imbalanced):
    X, y = imbalanced
    strategy = ClassWeights("effective_number", beta=0.99)
    wrapped = ClassWeightedClassifier(FocalLogisticRegression(gamma=2.0), strategy)
    wrapped.fit(X, y)
    own = FocalLogisticRegression(gamma=2.0, class_weight=strategy).fit(X, y)
    assert wrapped.class_weight_ == own.class_weight_
    assert_array_equal(wrapped.estimator_.coef_, own.coef_)
    # The wrapper undoes the class weights after the estimator has undone
    # gamma; the estimator undoes both at once: equal to round-off.
    assert_allclose(
        wrapped.predict_posterior(X), own.predict_posterior(X), rtol=1e-12, atol=0
    )


# ---------------------------------------------------- the sample_weight path
@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_sample_weight_path_equals_weighted_fit(
    imbalanced, sample_weight, with_sample_weight
):
    X, y = imbalanced
    sw = sample_weight if with_sample_weight else None
    wrapped = ClassWeightedClassifier(GaussianNB()).fit(X, y, sample_weight=sw)
    if sw is None:
        expected_weights = compute_sample_weight("balanced", y)
    else:
        # "balanced" on sample-weighted counts, times the sample weights.
        weights = compute_class_weight(y, sample_weight=sw)
        expected_weights = sw * np.array([weights[label] for label in y])
    own = GaussianNB().fit(X, y, sample_weight=expected_weights)
    assert_allclose(wrapped.estimator_.theta_, own.theta_, rtol=1e-13)
    assert_allclose(wrapped.estimator_.var_, own.var_, rtol=1e-13)
    assert_allclose(wrapped.estimator_.class_prior_, own.class_prior_, rtol=1e-13)
    assert_allclose(wrapped.predict_proba(X), own.predict_proba(X), rtol=1e-10)
    # Balanced weights give the classes equal total weight: a flat prior.
    if sw is None:
        assert_allclose(wrapped.estimator_.class_prior_, [0.5, 0.5])


def test_sample_weight_path_multiclass_strategy(three_classes):
    X, y = three_classes
    strategy = ClassWeights("inverse", normalize="classes")
    wrapped = ClassWeightedClassifier(GaussianNB(), strategy).fit(X, y)
    weights = compute_class_weight(y, "inverse", normalize="classes")
    own = GaussianNB().fit(X, y, sample_weight=[weights[label] for label in y])
    assert_allclose(wrapped.estimator_.theta_, own.theta_, rtol=1e-13)
    assert_array_equal(wrapped.predict(X), own.predict(X))


def test_class_weight_none_fits_the_estimator_as_it_is(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(GaussianNB(), class_weight=None).fit(X, y)
    assert_array_equal(wrapped.estimator_.theta_, GaussianNB().fit(X, y).theta_)
    assert wrapped.class_weight_ == {0: 1.0, 1: 1.0}
    # Nothing to weight, so a classifier without sample_weight is fine too.
    knn = ClassWeightedClassifier(KNeighborsClassifier(), class_weight=None).fit(X, y)
    assert_array_equal(knn.predict(X), KNeighborsClassifier().fit(X, y).predict(X))


def test_weights_follow_the_labels_fit_receives(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(LogisticRegression()).fit(X, y)
    first = wrapped.class_weight_
    keep = np.flatnonzero(y == 1)[:10].tolist() + np.flatnonzero(y == 0).tolist()
    wrapped.fit(X[keep], y[keep])
    assert wrapped.class_weight_ != first
    assert wrapped.class_weight_ == compute_class_weight(y[keep])


# -------------------------------------------------------------- delegation
PREDICTION_METHODS = [
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
]


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(),
        LinearSVC(),
        GaussianNB(),
        DecisionTreeClassifier(random_state=0),
        FocalLogisticRegression(),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_methods_exist_exactly_when_the_estimator_has_them(imbalanced, estimator):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(estimator)
    for method in PREDICTION_METHODS:
        assert hasattr(wrapped, method) == hasattr(estimator, method), method
    wrapped.fit(X, y)
    for method in PREDICTION_METHODS:
        assert hasattr(wrapped, method) == hasattr(wrapped.estimator_, method)
        if not hasattr(wrapped, method):
            continue
        args = (X, y) if method == "score" else (X,)
        with np.errstate(divide="ignore"):  # a tree's log-probability of 0
            assert_array_equal(
                getattr(wrapped, method)(*args),
                getattr(wrapped.estimator_, method)(*args),
            )


def test_predict_posterior_exists_with_predict_proba_or_a_posterior():
    assert hasattr(ClassWeightedClassifier(GaussianNB()), "predict_posterior")
    assert hasattr(
        ClassWeightedClassifier(FocalLogisticRegression()), "predict_posterior"
    )
    assert not hasattr(ClassWeightedClassifier(LinearSVC()), "predict_posterior")


def test_predict_posterior_undoes_the_class_weights(imbalanced):
    class PosteriorLogisticRegression(LogisticRegression):
        """A classifier with a predict_posterior of its own."""

        def predict_posterior(self, X):
            return self.predict_proba(X)[:, ::-1]

    X, y = imbalanced
    wrapped = ClassWeightedClassifier(PosteriorLogisticRegression()).fit(X, y)
    weights = np.array([wrapped.class_weight_[c] for c in wrapped.classes_])
    expected = wrapped.predict_proba(X)[:, ::-1] / weights
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(wrapped.predict_posterior(X), expected, rtol=1e-15)
    # Without class weights it is the classifier's own.
    plain = ClassWeightedClassifier(PosteriorLogisticRegression(), None).fit(X, y)
    assert_allclose(plain.predict_posterior(X), plain.predict_proba(X)[:, ::-1])


@pytest.mark.parametrize("seed", seeds(3))
def test_prior_correction_recovers_a_known_posterior(seed):
    # A well-specified logistic model with a known P(y | x) (15 % positives):
    # the weighted fit estimates the same model with its intercept shifted by
    # log(c_1 / c_0), so the recovered posterior is as close to the truth as
    # the unweighted fit is (mean absolute error ~0.003 at n = 20,000, the
    # estimation error of three coefficients), while the raw probabilities of
    # the weighted fit are off by ~0.19 on average.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20_000, 2))
    truth = 1 / (1 + np.exp(-(-3 + 2 * X[:, 0] - X[:, 1])))
    y = (rng.uniform(size=truth.size) < truth).astype(int)
    wrapped = ClassWeightedClassifier(LogisticRegression(C=1e6)).fit(X, y)
    plain = LogisticRegression(C=1e6).fit(X, y)
    recovered_error = np.mean(np.abs(wrapped.predict_posterior(X)[:, 1] - truth))
    plain_error = np.mean(np.abs(plain.predict_proba(X)[:, 1] - truth))
    raw_error = np.mean(np.abs(wrapped.predict_proba(X)[:, 1] - truth))
    # Over 20 seeds: recovered / plain error 0.78-1.70, and (recovered -
    # 1e-3) / plain at most 1.29, inside the 1.5 asserted; raw / recovered
    # error 40-187, a factor 2 above the 20 asserted.
    assert recovered_error < 1.5 * plain_error + 1e-3
    assert raw_error > 20 * recovered_error


@pytest.mark.parametrize("labels", [["no", "yes"], [-1, 1], [1, 2], [3, 7, 9]])
def test_any_label_type_with_a_classifier_that_encodes_labels(labels):
    X, y = make_classification(
        n_samples=300,
        n_classes=len(labels),
        n_informative=4,
        weights=None,
        random_state=0,
    )
    y = np.asarray(labels)[y]
    wrapped = ClassWeightedClassifier(HistGradientBoostingClassifier(max_iter=5))
    wrapped.fit(X, y)
    assert_array_equal(wrapped.classes_, np.unique(y))
    assert set(wrapped.predict(X)) <= set(labels)
    assert wrapped.predict_posterior(X).shape == (300, len(labels))


def test_score_passes_sample_weight(imbalanced, sample_weight):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(LogisticRegression()).fit(X, y)
    assert wrapped.score(X, y, sample_weight=sample_weight) == (
        wrapped.estimator_.score(X, y, sample_weight=sample_weight)
    )
    assert wrapped.score(X, y) == wrapped.estimator_.score(X, y)


def test_unfitted_prediction_raises(imbalanced):
    X, _ = imbalanced
    wrapped = ClassWeightedClassifier(LogisticRegression())
    for method in ["predict", "predict_proba", "decision_function"]:
        with pytest.raises(NotFittedError):
            getattr(wrapped, method)(X)
    assert not hasattr(wrapped, "n_features_in_")
    assert not hasattr(wrapped, "feature_names_in_")


def test_feature_names_and_count_are_the_estimators(imbalanced):
    pd = pytest.importorskip("pandas")
    X, y = imbalanced
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    wrapped = ClassWeightedClassifier(LogisticRegression()).fit(frame, y)
    assert wrapped.n_features_in_ == X.shape[1]
    assert_array_equal(wrapped.feature_names_in_, frame.columns)
    # The frame reached the classifier itself: it saw the names too.
    assert_array_equal(wrapped.estimator_.feature_names_in_, frame.columns)


def test_tags_follow_the_estimator():
    assert get_tags(ClassWeightedClassifier(LogisticRegression())).input_tags.sparse
    assert not get_tags(ClassWeightedClassifier(GaussianNB())).input_tags.sparse
    hist = ClassWeightedClassifier(HistGradientBoostingClassifier())
    assert get_tags(hist).input_tags.allow_nan
    focal = get_tags(ClassWeightedClassifier(FocalLogisticRegression()))
    assert not focal.classifier_tags.multi_label  # one label column only
    assert get_tags(ClassWeightedClassifier(LogisticRegression())).estimator_type == (
        "classifier"
    )


# ---------------------------------------------------------------- plumbing
def test_nested_params_and_clone(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(
        LogisticRegression(), class_weight=ClassWeights("effective_number")
    )
    params = wrapped.get_params()
    assert params["estimator__C"] == 1.0
    assert params["class_weight__beta"] == 0.999
    wrapped.set_params(estimator__C=0.5, class_weight__beta=0.9)
    assert wrapped.estimator.C == 0.5
    assert wrapped.class_weight.beta == 0.9

    copy = clone(wrapped)
    assert copy.class_weight is not wrapped.class_weight
    assert copy.estimator is not wrapped.estimator
    assert copy.get_params()["class_weight__beta"] == 0.9

    wrapped.fit(X, y)
    # fit neither fits nor changes the parameters it was given.
    assert not hasattr(wrapped.estimator, "coef_")
    assert not hasattr(wrapped.class_weight, "class_weight_")
    assert wrapped.estimator.class_weight is None
    assert wrapped.class_weight_ == compute_class_weight(
        y, "effective_number", beta=0.9
    )
    assert not hasattr(clone(wrapped), "estimator_")


def test_pickle_round_trip(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(
        GaussianNB(), class_weight=ClassWeights("sqrt_inverse")
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(wrapped))
    assert restored.class_weight_ == wrapped.class_weight_
    assert_array_equal(restored.predict_proba(X), wrapped.predict_proba(X))


# ------------------------------------------------------------------ errors
def test_estimators_own_class_weight_is_refused(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(LogisticRegression(class_weight="balanced"))
    with pytest.raises(ValueError, match="counted twice"):
        wrapped.fit(X, y)
    assert not hasattr(wrapped, "estimator_")


def test_estimator_without_any_weighting_is_refused(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(KNeighborsClassifier())
    with pytest.raises(ValueError, match="KNeighborsClassifier has no class_weight"):
        wrapped.fit(X, y)
    wrapped.set_params(class_weight=None)
    with pytest.raises(ValueError, match="KNeighborsClassifier's fit takes no"):
        wrapped.fit(X, y, sample_weight=np.ones(len(y)))


def test_pipeline_as_estimator_is_refused_with_advice(imbalanced):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(make_pipeline(StandardScaler(), GaussianNB()))
    with pytest.raises(ValueError, match="wrap its final step"):
        wrapped.fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"class_weight": "inverse"}, "class_weight"),
        ({"class_weight": 2.0}, "class_weight"),
        ({"estimator": StandardScaler()}, "estimator"),
    ],
)
def test_invalid_parameters(imbalanced, params, match):
    X, y = imbalanced
    wrapped = ClassWeightedClassifier(LogisticRegression()).set_params(**params)
    with pytest.raises(InvalidParameterError, match=match):
        wrapped.fit(X, y)


def test_strategy_class_instead_of_instance(imbalanced):
    X, y = imbalanced
    with pytest.raises(TypeError, match=r"instance such as ClassWeights\(\)"):
        ClassWeightedClassifier(LogisticRegression(), ClassWeights).fit(X, y)


@pytest.mark.parametrize(
    "target, match",
    [
        (lambda y: np.column_stack([y, 1 - y]), "binary and multiclass"),
        (lambda y: y + 0.5, "Unknown label type"),
        (lambda y: None, "requires y"),
    ],
    ids=["multilabel", "continuous", "none"],
)
def test_unsupported_targets(imbalanced, target, match):
    X, y = imbalanced
    with pytest.raises(ValueError, match=match):
        ClassWeightedClassifier(LogisticRegression()).fit(X, target(y))


def test_bad_class_weights_and_sample_weights(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match=r"labels \[7\] that are not classes"):
        ClassWeightedClassifier(LogisticRegression(), {7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"(?i)negative"):
        ClassWeightedClassifier(LogisticRegression()).fit(
            X, y, sample_weight=np.r_[-1.0, np.ones(len(y) - 1)]
        )
    zero_minority = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"classes \[1\] have total sample_weight 0"):
        ClassWeightedClassifier(GaussianNB()).fit(X, y, sample_weight=zero_minority)


# --------------------------------------------------------- metadata routing
def test_fit_params_without_routing_go_to_the_estimator(imbalanced):
    X, y = imbalanced
    coef_init = np.full((1, X.shape[1]), 0.3)
    sgd = SGDClassifier(max_iter=3, tol=None, random_state=0)
    wrapped = ClassWeightedClassifier(sgd).fit(X, y, coef_init=coef_init)
    own = clone(sgd).set_params(class_weight=wrapped.class_weight_)
    own.fit(X, y, coef_init=coef_init)
    assert_array_equal(wrapped.estimator_.coef_, own.coef_)
    cold = clone(own).fit(X, y)
    assert not np.array_equal(cold.coef_, own.coef_)


def test_fit_params_are_routed_as_requested(imbalanced):
    X, y = imbalanced
    coef_init = np.full((1, X.shape[1]), 0.3)
    with config_context(enable_metadata_routing=True):
        sgd = SGDClassifier(max_iter=3, tol=None, random_state=0)
        wrapped = ClassWeightedClassifier(sgd.set_fit_request(coef_init=True))
        wrapped.fit(X, y, coef_init=coef_init)
        own = clone(sgd).set_params(class_weight=wrapped.class_weight_)
        own.fit(X, y, coef_init=coef_init)
        assert_array_equal(wrapped.estimator_.coef_, own.coef_)
        with pytest.raises(TypeError, match="unexpected argument"):
            wrapped.fit(X, y, not_a_parameter=1)


@pytest.mark.parametrize(
    "estimator",
    [LogisticRegression(), GaussianNB()],
    ids=["class_weight path", "sample_weight path"],
)
def test_sample_weight_is_the_wrappers_own_under_routing(
    imbalanced, sample_weight, estimator
):
    X, y = imbalanced
    Xs = StandardScaler().fit_transform(X)
    direct = ClassWeightedClassifier(estimator).fit(Xs, y, sample_weight=sample_weight)
    with config_context(enable_metadata_routing=True):
        # The inner classifier's request is left unset: the wrapper passes it
        # the weighted product itself, so routing does not ask for it.
        wrapped = ClassWeightedClassifier(clone(estimator))
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            wrapped.set_fit_request(sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=sample_weight)
        assert_allclose(pipe.predict_proba(X), direct.predict_proba(Xs), rtol=1e-12)
        assert pipe[-1].class_weight_ == direct.class_weight_

        # Not requested by the wrapper: not passed, even if the inner
        # classifier asks for it (here only the scaler takes it).
        inner = clone(estimator).set_fit_request(sample_weight=True)
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True),
            ClassWeightedClassifier(inner).set_fit_request(sample_weight=False),
        )
        pipe.fit(X, y, sample_weight=sample_weight)
        # The wrapper's routing marks a copy: the inner request is unchanged.
        assert inner.get_metadata_routing().fit.requests["sample_weight"] is True
    scaler = StandardScaler().fit(X, sample_weight=sample_weight)
    unweighted = ClassWeightedClassifier(estimator).fit(scaler.transform(X), y)
    assert pipe[-1].class_weight_ == unweighted.class_weight_
    assert_allclose(
        pipe.predict_proba(X), unweighted.predict_proba(scaler.transform(X)), rtol=1e-12
    )
