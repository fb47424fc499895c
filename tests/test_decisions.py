"""CostSensitiveClassifier: Bayes decisions, tuned offsets, plumbing and errors."""

import pickle

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as imblearn_make_pipeline
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    ShuffleSplit,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbweight import (
    ClassWeightedClassifier,
    CostSensitiveClassifier,
    FocalLogisticRegression,
    posterior_proba,
)
from imbweight._compat import InvalidParameterError
from imbweight.metrics import bayes_decision, expected_cost
from imbweight.pipeline import make_pipeline as make_recording_pipeline

COST = np.array([[0.0, 1.0], [10.0, 0.0]])  # a missed positive costs 10
COST3 = np.array([[0.0, 1.0, 1.0], [5.0, 0.0, 1.0], [25.0, 5.0, 0.0]])

# The default instance (LogisticRegression, zero-one cost) is checked by
# tests/test_common.py; these are the other two ways of deciding.
ESTIMATORS = [
    CostSensitiveClassifier(FocalLogisticRegression(gamma=0.0)),
    CostSensitiveClassifier(
        ClassWeightedClassifier(LogisticRegression()), response="tuned"
    ),
]


def _expected_failed_checks(estimator):
    if estimator.response != "tuned":
        return {}
    return {
        "check_classifiers_train": (
            "tuned offsets move the decisions away from the argmax of "
            "predict_proba by design, as TunedThresholdClassifierCV's threshold "
            "does (scikit-learn expects the same failure of it)"
        )
    }


# LogisticRegression's default max_iter does not converge on some checks'
# unscaled data; the warning is its documented behaviour there.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def binary():
    return make_classification(
        n_samples=1500, n_features=6, weights=[0.9], flip_y=0.02, random_state=0
    )


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        n_samples=2000,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.75, 0.2, 0.05],
        random_state=1,
    )
    return X, np.array(["routine", "urgent", "critical"])[y]


# ---------------------------------------------------------------- decisions
def test_decisions_are_bayes_on_the_recovered_posterior(three_classes):
    X, y = three_classes
    labels = ["routine", "urgent", "critical"]
    clf = CostSensitiveClassifier(
        FocalLogisticRegression(gamma=2.0, class_weight="balanced"),
        cost_matrix=COST3,
        labels=labels,
    ).fit(X, y)
    assert clf.classes_.tolist() == ["critical", "routine", "urgent"]
    order = [labels.index(label) for label in clf.classes_]
    assert_array_equal(clf.cost_matrix_, COST3[np.ix_(order, order)])
    posterior = clf.estimator_.predict_posterior(X)
    assert_array_equal(clf.predict_posterior(X), posterior)
    assert_array_equal(
        clf.predict(X), bayes_decision(posterior, clf.cost_matrix_, clf.classes_)
    )
    assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    assert_array_equal(clf.offsets_, np.zeros(3))


def test_the_order_of_labels_does_not_change_the_decisions(three_classes):
    X, y = three_classes
    sorted_clf = CostSensitiveClassifier(
        LogisticRegression(), cost_matrix=[[0, 25, 5], [1, 0, 1], [1, 5, 0]]
    ).fit(X, y)
    given = CostSensitiveClassifier(
        LogisticRegression(),
        cost_matrix=COST3,
        labels=["routine", "urgent", "critical"],
    ).fit(X, y)
    assert_array_equal(given.cost_matrix_, sorted_clf.cost_matrix_)
    assert_array_equal(given.predict(X), sorted_clf.predict(X))


def test_binary_decision_is_the_threshold_on_the_posterior(binary):
    X, y = binary
    clf = CostSensitiveClassifier(
        ClassWeightedClassifier(LogisticRegression(), "balanced"), cost_matrix=COST
    ).fit(X, y)
    posterior = clf.predict_posterior(X)[:, 1]
    assert_array_equal(clf.predict(X), (posterior > 1 / 11).astype(int))
    # The balanced model's own argmax flags more samples: it decides at
    # posterior 0.1 = the positive rate, not at 1/11... and the raw proba
    # at 1/11 would flag far more.
    raw_flags = np.sum(clf.predict_proba(X)[:, 1] > 1 / 11)
    assert np.sum(clf.predict(X)) < raw_flags


def test_zero_one_cost_is_the_argmax_of_the_posterior(three_classes):
    X, y = three_classes
    clf = CostSensitiveClassifier(
        ClassWeightedClassifier(LogisticRegression(), "balanced")
    ).fit(X, y)
    assert_array_equal(clf.cost_matrix_, 1 - np.eye(3))
    posterior = clf.predict_posterior(X)
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(posterior, axis=1)])
    assert clf.score(X, y) == pytest.approx(np.mean(clf.predict(X) == y) - 1)


def test_a_resampling_pipeline_decides_on_corrected_posteriors(binary):
    X, y = binary
    pipe = make_recording_pipeline(
        StandardScaler(), SMOTE(random_state=0), LogisticRegression()
    )
    clf = CostSensitiveClassifier(pipe, cost_matrix=COST).fit(X, y)
    corrected = posterior_proba(clf.estimator_, X)
    assert_array_equal(clf.predict(X), bayes_decision(corrected, COST, [0, 1]))
    n_negative, n_positive = np.bincount(y)
    assert clf.estimator_.class_counts_["smote"]["before"] == {
        0: n_negative,
        1: n_positive,
    }


def test_expected_cost_and_score(binary):
    X, y = binary
    clf = CostSensitiveClassifier(LogisticRegression(), cost_matrix=COST).fit(X, y)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    cost = expected_cost(y, clf.predict(X), COST, sample_weight=weights)
    assert clf.expected_cost(X, y, sample_weight=weights) == cost
    assert clf.score(X, y) == -clf.expected_cost(X, y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in"):
        clf.expected_cost(X[:3], [0, 1, 7])


# ------------------------------------------------------------ tuned offsets
def test_binary_tuning_finds_the_best_threshold(binary):
    # 150 rows: fewer breakpoints than candidates, so the search is exact
    # and must equal the brute-force minimum over every threshold.
    X, y = binary[0][:150], binary[1][:150]
    folds = StratifiedKFold(5)
    clf = CostSensitiveClassifier(
        LogisticRegression(), cost_matrix=COST, response="tuned", cv=folds
    ).fit(X, y)
    oof = cross_val_predict(
        LogisticRegression(), X, y, cv=folds, method="predict_proba"
    )
    thresholds = np.concatenate([[0.0], np.sort(oof[:, 1])])
    brute = min(expected_cost(y, (oof[:, 1] > t).astype(int), COST) for t in thresholds)
    assert clf.cv_expected_cost_ == pytest.approx(brute, rel=1e-12)
    untuned = expected_cost(y, bayes_decision(oof, COST), COST)
    assert clf.cv_expected_cost_ <= untuned
    assert clf.offsets_[0] == 0


def test_tuning_recovers_a_prior_shift():
    # GaussianNB told the classes are equally frequent: its probabilities
    # are the posteriors under the wrong prior, a pure prior shift. The
    # tuned factors should undo it about as well as the true priors do.
    X, y = make_classification(
        n_samples=8000,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.75, 0.2, 0.05],
        random_state=1,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    wrong = GaussianNB(priors=[1 / 3, 1 / 3, 1 / 3])
    models = {
        "untuned": CostSensitiveClassifier(wrong, cost_matrix=COST3),
        "tuned": CostSensitiveClassifier(wrong, cost_matrix=COST3, response="tuned"),
        "oracle": CostSensitiveClassifier(GaussianNB(), cost_matrix=COST3),
    }
    costs = {
        name: model.fit(X_train, y_train).expected_cost(X_test, y_test)
        for name, model in models.items()
    }
    # The gap is what the wrong prior costs; the tuned rule, fitted to the
    # cross-validated cost of 4 000 rows, closes most of it (measured:
    # untuned 0.800, tuned 0.595, oracle 0.571, 11 % of the gap left). A
    # quarter of the gap allows for the noise of tuning two factors on a 5 %
    # class.
    gap = costs["untuned"] - costs["oracle"]
    assert gap > 0.05, costs
    assert costs["tuned"] <= costs["oracle"] + 0.25 * gap, costs
    # The wrong prior over-weights the rare classes relative to class 0:
    # their factors come out below class 0's.
    tuned = models["tuned"]
    assert tuned.offsets_[0] == 0 and np.all(tuned.offsets_[1:] < 0)


def test_tuning_uses_sample_weights_and_fit_params(binary):
    X, y = binary
    weights = np.where(y == 1, 3.0, 1.0)
    repeated = np.repeat(np.arange(y.size), weights.astype(int))
    folds = StratifiedKFold(3)
    weighted = CostSensitiveClassifier(
        GaussianNB(), cost_matrix=COST, response="tuned", cv=folds
    ).fit(X, y, sample_weight=weights)
    assert weighted.cv_expected_cost_ > 0
    # The weights reach every fold's fit and the final one: the final model
    # is GaussianNB fitted with them.
    direct = GaussianNB().fit(X, y, sample_weight=weights)
    assert_allclose(weighted.estimator_.theta_, direct.theta_)
    unweighted = clone(weighted).fit(X[repeated], y[repeated])
    assert_allclose(
        weighted.estimator_.class_count_, unweighted.estimator_.class_count_
    )


def test_tuning_needs_every_class_in_every_training_fold():
    X = np.arange(30.0).reshape(-1, 1)
    y = np.array([0] * 20 + [1] * 9 + [2])
    clf = CostSensitiveClassifier(LogisticRegression(), response="tuned", cv=2)
    with pytest.warns(UserWarning, match="least populated class"):
        with pytest.raises(ValueError, match=r"a fold has no \[2\]"):
            clf.fit(X, y)


def test_tuning_needs_a_partition(binary):
    X, y = binary
    clf = CostSensitiveClassifier(
        LogisticRegression(), response="tuned", cv=ShuffleSplit(3, random_state=0)
    )
    with pytest.raises(ValueError, match="partition the data"):
        clf.fit(X, y)


def test_refitting_untuned_forgets_the_tuned_state(binary):
    X, y = binary
    clf = CostSensitiveClassifier(cost_matrix=COST, response="tuned").fit(X, y)
    assert hasattr(clf, "cv_expected_cost_")
    clf.set_params(response="posterior").fit(X, y)
    assert not hasattr(clf, "cv_expected_cost_")
    assert_array_equal(clf.offsets_, [0.0, 0.0])


def test_tuned_decisions_use_the_offsets(three_classes):
    X, y = three_classes
    clf = CostSensitiveClassifier(
        GaussianNB(priors=[1 / 3] * 3), cost_matrix=COST3, response="tuned"
    ).fit(X, y)
    assert np.any(clf.offsets_ != 0)
    shifted = clf.predict_posterior(X) * np.exp(clf.offsets_)
    assert_array_equal(
        clf.predict(X), bayes_decision(shifted, clf.cost_matrix_, clf.classes_)
    )


# ------------------------------------------------------- pipelines, searches
def test_in_a_pipeline_and_a_search(three_classes):
    X, y = three_classes
    pipe = make_pipeline(
        StandardScaler(),
        CostSensitiveClassifier(
            ClassWeightedClassifier(LogisticRegression(), "balanced"),
            cost_matrix=COST3,
            labels=["routine", "urgent", "critical"],
        ),
    )
    search = GridSearchCV(
        pipe,
        {"costsensitiveclassifier__estimator__estimator__C": [0.01, 1.0]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    # Without a scoring argument the search ranks by the negative cost.
    best = search.best_estimator_
    assert search.best_score_ < 0
    assert search.score(X, y) == -best[-1].expected_cost(best[0].transform(X), y)
    assert_array_equal(
        posterior_proba(search, X), best[-1].predict_posterior(best[0].transform(X))
    )
    restored = pickle.loads(pickle.dumps(search))
    assert_array_equal(restored.predict(X), search.predict(X))


def test_clone_and_nested_parameters():
    clf = CostSensitiveClassifier(
        ClassWeightedClassifier(LogisticRegression()), cost_matrix=COST
    )
    clf.set_params(estimator__estimator__C=0.5, response="tuned")
    copy = clone(clf)
    assert copy.get_params()["estimator__estimator__C"] == 0.5
    assert copy.response == "tuned"
    assert_array_equal(copy.cost_matrix, COST)


def test_feature_names_and_dataframes(binary):
    pd = pytest.importorskip("pandas")
    X, y = binary
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = pd.Series(np.where(y == 1, "fraud", "ok"))
    clf = CostSensitiveClassifier(
        LogisticRegression(),
        cost_matrix=[[0, 10], [1, 0]],
        labels=["fraud", "ok"],
        response="tuned",
    ).fit(frame, labels)
    assert clf.feature_names_in_.tolist() == frame.columns.tolist()
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.predict(frame)) <= {"fraud", "ok"}


def test_metadata_routing(binary):
    X, y = binary
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=y.size)
    with config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        clf = CostSensitiveClassifier(inner, cost_matrix=COST)
        clf.set_fit_request(sample_weight=True).fit(X, y, sample_weight=weights)
        direct = LogisticRegression().fit(X, y, sample_weight=weights)
        assert_allclose(clf.estimator_.coef_, direct.coef_)
        unrequested = CostSensitiveClassifier(LogisticRegression(), cost_matrix=COST)
        with pytest.raises(ValueError, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=weights)


def test_fit_params_reach_the_estimator_without_routing(binary):
    X, y = binary
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    weights = np.where(y == 1, 5.0, 1.0)
    clf = CostSensitiveClassifier(pipe, cost_matrix=COST, response="tuned").fit(
        X, y, logisticregression__sample_weight=weights
    )
    direct = clone(pipe).fit(X, y, logisticregression__sample_weight=weights)
    assert_allclose(clf.estimator_[-1].coef_, direct[-1].coef_)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "params, match",
    [
        ({"cost_matrix": np.zeros((3, 3))}, r"shape \(3, 3\) but y has 2 classes"),
        ({"cost_matrix": np.zeros((2, 3))}, r"shape \(2, 3\) but y has 2 classes"),
        ({"cost_matrix": [0, 1, 1, 0]}, "cost_matrix must be 2-D"),
        ({"cost_matrix": [[0, 1], [1]]}, "cost_matrix must be 2-D.*ragged"),
        ({"cost_matrix": [["0", "1"], ["a", "0"]]}, "could not convert"),
        ({"cost_matrix": [[0, 1], [-1, 0]]}, "cost_matrix must be non-negative"),
        ({"cost_matrix": [[0, 1], [np.nan, 0]]}, "cost_matrix contains NaN"),
        ({"cost_matrix": [[0, np.inf], [1, 0]]}, "cost_matrix contains infinity"),
        ({"cost_matrix": COST, "labels": [0, 1, 2]}, r"labels \[2\] are not classes"),
        ({"cost_matrix": COST, "labels": [1]}, r"y has the classes \[0\]"),
        ({"cost_matrix": COST, "labels": [1, 1]}, "labels must be distinct"),
        ({"labels": [1, 0]}, "without a cost_matrix"),
    ],
)
def test_bad_cost_matrix_or_labels_fail_before_any_fit(binary, params, match):
    X, y = binary
    # NaN in X: had the estimator been fitted first, it would complain of X.
    X_nan = np.full_like(X, np.nan)
    clf = CostSensitiveClassifier(LogisticRegression(), **params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X_nan, y)


def test_a_dataframe_cost_matrix_is_ordered_by_its_labels(three_classes):
    pd = pytest.importorskip("pandas")
    X, y = three_classes
    order = ["routine", "urgent", "critical"]
    frame = pd.DataFrame(COST3, index=order, columns=order)
    by_frame = CostSensitiveClassifier(LogisticRegression(), cost_matrix=frame)
    by_labels = CostSensitiveClassifier(
        LogisticRegression(), cost_matrix=COST3, labels=order
    )
    assert_array_equal(
        by_frame.fit(X, y).cost_matrix_, by_labels.fit(X, y).cost_matrix_
    )
    # Positions 0..K-1 are no labels: the matrix is then in sorted order.
    positional = CostSensitiveClassifier(
        LogisticRegression(), cost_matrix=pd.DataFrame(COST3)
    ).fit(X, y)
    assert_array_equal(positional.cost_matrix_, COST3)
    with pytest.raises(ValueError, match="same order, as its index"):
        CostSensitiveClassifier(
            cost_matrix=pd.DataFrame(COST3, index=order, columns=order[::-1])
        ).fit(X, y)
    with pytest.raises(ValueError, match="disagrees with the index and columns"):
        CostSensitiveClassifier(cost_matrix=frame, labels=order[::-1]).fit(X, y)


def test_costly_correct_decisions_warn(binary):
    X, y = binary
    clf = CostSensitiveClassifier(LogisticRegression(), cost_matrix=[[1, 0], [0, 10]])
    message = r"true class 0 .* classes \[0, 1\] .* transposed"
    with pytest.warns(UserWarning, match=message):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "estimator, error, match",
    [
        (LinearSVC(), ValueError, "neither predict_proba nor predict_posterior"),
        (
            LogisticRegression(class_weight="balanced"),
            TypeError,
            "class_weight='balanced'.*ClassWeightedClassifier",
        ),
        (
            imblearn_make_pipeline(SMOTE(), LogisticRegression()),
            TypeError,
            "imbweight.pipeline.Pipeline",
        ),
    ],
    ids=["no probabilities", "own class_weight", "unrecorded sampler"],
)
def test_estimators_whose_posterior_cannot_be_had_fail_before_any_fit(
    binary, estimator, error, match
):
    X, y = binary
    clf = CostSensitiveClassifier(estimator, cost_matrix=COST)
    with pytest.raises(error, match=match):
        clf.fit(np.full_like(X, np.nan), y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"response": "proba"}, "response"),
        ({"cv": "five"}, "cv"),
        ({"estimator": "lr"}, "estimator"),
    ],
)
def test_invalid_parameters(binary, params, match):
    X, y = binary
    with pytest.raises(InvalidParameterError, match=match):
        CostSensitiveClassifier(**params).fit(X, y)


def test_unsupported_targets_and_unfitted_use(binary):
    X, y = binary
    with pytest.raises(ValueError, match="Unknown label type"):
        CostSensitiveClassifier().fit(X, np.linspace(0, 1, y.size))
    with pytest.raises(ValueError, match="binary and multiclass"):
        CostSensitiveClassifier().fit(X, np.column_stack([y, y]))
    with pytest.raises(NotFittedError):
        CostSensitiveClassifier().predict(X)
