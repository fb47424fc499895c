"""Cost-sensitive decisions, cost scorers and the imbalanced report."""

import re
import warnings

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score, specificity_score
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from imbweight.metrics import (
    ImbalancedReport,
    _multiclass_brier,
    bayes_decision,
    expected_cost,
    imbalanced_report,
    make_cost_scorer,
)

FN10 = np.array([[0.0, 1.0], [10.0, 0.0]])  # a missed positive costs 10
COST3 = np.array([[0.0, 1.0, 2.0], [8.0, 0.0, 1.0], [12.0, 3.0, 0.0]])


def _imbalanced(n_classes=2, n_samples=600, seed=0):
    minority = 0.2 / (n_classes - 1)
    return make_classification(
        n_samples=n_samples,
        n_features=8,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        weights=[1 - minority * (n_classes - 1)] + [minority] * (n_classes - 1),
        class_sep=0.7,
        random_state=seed,
    )


def _split(n_classes=2, seed=0):
    X, y = _imbalanced(n_classes, seed=seed)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)


class PriorCorrectedLogisticRegression(LogisticRegression):
    """A real estimator with ``predict_posterior``: undoes class weights.

    A class-weighted logistic model estimates posteriors proportional to
    ``w_k P(k | x)``; dividing by ``w_k`` and renormalising recovers them.
    """

    def predict_posterior(self, X):
        weights = np.ones(len(self.classes_))
        if self.class_weight is not None:
            weights = np.array([self.class_weight[k] for k in self.classes_])
        posterior = self.predict_proba(X) / weights
        return posterior / posterior.sum(axis=1, keepdims=True)


# ----------------------------------------------------------- bayes_decision
@pytest.mark.parametrize("n_classes", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_bayes_decision_minimises_expected_cost_by_brute_force(n_classes, seed):
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(n_classes), size=300)
    cost = rng.uniform(0.5, 5.0, size=(n_classes, n_classes))
    np.fill_diagonal(cost, rng.uniform(-1.0, 0.0, size=n_classes))  # gains

    decisions = bayes_decision(proba, cost)

    for i, p in enumerate(proba):
        risks = [
            sum(p[k] * cost[k, j] for k in range(n_classes)) for j in range(n_classes)
        ]
        best = min(range(n_classes), key=risks.__getitem__)
        assert decisions[i] == best
        assert all(risks[decisions[i]] <= r + 1e-12 for r in risks)
    # More than one class is ever chosen: the check above is not vacuous.
    assert np.unique(decisions).size > 1


def test_bayes_decision_ignores_row_scale():
    rng = np.random.default_rng(3)
    proba = rng.dirichlet(np.ones(4), size=200)
    cost = rng.uniform(0.0, 3.0, size=(4, 4))
    scale = rng.uniform(0.1, 10.0, size=(200, 1))
    np.testing.assert_array_equal(
        bayes_decision(proba * scale, cost), bayes_decision(proba, cost)
    )


def test_bayes_decision_zero_one_cost_is_argmax():
    rng = np.random.default_rng(4)
    proba = rng.dirichlet(np.ones(5), size=500)
    np.testing.assert_array_equal(
        bayes_decision(proba, 1.0 - np.eye(5)), np.argmax(proba, axis=1)
    )


@pytest.mark.parametrize(
    "cost", [[[0, 1], [5, 0]], [[0, 4], [1, 0]], [[-1, 2], [3, 0.5]]]
)
def test_bayes_decision_binary_is_the_cost_threshold(cost):
    cost = np.asarray(cost, dtype=float)
    p1 = np.random.default_rng(5).uniform(size=1000)
    threshold = (cost[0, 1] - cost[0, 0]) / (
        cost[0, 1] - cost[0, 0] + cost[1, 0] - cost[1, 1]
    )
    decisions = bayes_decision(np.column_stack([1 - p1, p1]), cost)
    np.testing.assert_array_equal(decisions, (p1 > threshold).astype(int))


def test_bayes_decision_returns_labels_when_given_classes():
    proba = [[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.2, 0.7, 0.1]]
    out = bayes_decision(proba, 1 - np.eye(3), classes=["cat", "dog", "emu"])
    np.testing.assert_array_equal(out, ["cat", "emu", "dog"])
    np.testing.assert_array_equal(bayes_decision(proba, 1 - np.eye(3)), [0, 2, 1])


@pytest.mark.parametrize(
    "proba, cost, classes, message",
    [
        ([0.2, 0.8], FN10, None, "proba must be 2-D, of shape (n_samples, n_classes)"),
        ([[0.2, np.nan]], FN10, None, "Input proba contains NaN"),
        ([[0.2, np.inf]], FN10, None, "Input proba contains infinity"),
        ([[-0.1, 1.1]], FN10, None, "Negative values in data passed to proba"),
        ([[0.2, 0.8]], [[0, 1, 2], [1, 0, 2]], None, "cost_matrix must be square"),
        ([[0.2, 0.8]], COST3, None, "cost_matrix has shape (3, 3) but there are 2"),
        ([[0.2, 0.8]], [[0, np.nan], [1, 0]], None, "Input cost_matrix contains NaN"),
        ([[0.2, 0.8]], FN10, ["a", "b", "c"], "classes has 3 entries but proba"),
        ([[0.2, 0.8]], "cost", None, "The 'cost_matrix' parameter of bayes_decision"),
    ],
)
def test_bayes_decision_errors(proba, cost, classes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        bayes_decision(proba, cost, classes=classes)


# ------------------------------------------------------------ expected_cost
def test_expected_cost_is_the_mean_cost_per_sample():
    rng = np.random.default_rng(6)
    labels = np.array(["lo", "mid", "hi"])  # not sorted: labels fix the order
    y_true = rng.choice(labels, size=200)
    y_pred = rng.choice(labels, size=200)
    weight = rng.uniform(0.5, 2.0, size=200)
    position = {label: i for i, label in enumerate(labels)}
    per_sample = np.array(
        [COST3[position[t], position[p]] for t, p in zip(y_true, y_pred, strict=True)]
    )

    got = expected_cost(y_true, y_pred, COST3, labels=labels, sample_weight=weight)
    assert got == pytest.approx(np.average(per_sample, weights=weight), rel=1e-12)
    total = expected_cost(
        y_true, y_pred, COST3, labels=labels, sample_weight=weight, normalize=False
    )
    assert total == pytest.approx(np.sum(per_sample * weight), rel=1e-12)
    # Default labels are the sorted ones: a different, wrong order here.
    assert expected_cost(y_true, y_pred, COST3) != pytest.approx(
        expected_cost(y_true, y_pred, COST3, labels=labels)
    )


def test_expected_cost_labels_cover_a_class_absent_from_the_fold():
    y_true, y_pred = [0, 0, 2, 2], [0, 2, 2, 0]
    with pytest.raises(ValueError, match=re.escape("there are 2 labels")):
        expected_cost(y_true, y_pred, COST3)
    got = expected_cost(y_true, y_pred, COST3, labels=[0, 1, 2])
    assert got == pytest.approx((COST3[0, 2] + COST3[2, 0]) / 4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(labels=[0, 1]), "y_pred contains labels [2] that are not in labels"),
        (dict(labels=[1, 2]), "y_true contains labels [0] that are not in labels"),
        (dict(labels=[0, 1, 1]), "labels must be distinct"),
        (dict(labels=[0, 1, 2, 3]), "cost_matrix has shape (3, 3) but there are 4"),
        (dict(normalize="yes"), "The 'normalize' parameter of expected_cost"),
    ],
)
def test_expected_cost_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        expected_cost([0, 1, 1], [0, 1, 2], COST3, **kwargs)


@pytest.mark.parametrize("weights", [[1.0, -1.0], [2.0, -1.0, -1.0]])
def test_expected_cost_per_sample_needs_a_positive_total_weight(weights):
    y = [0, 1, 1][: len(weights)]
    message = "divides by the total sample weight, which is 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        expected_cost(y, y, FN10, sample_weight=weights)
    # the total itself is defined
    assert expected_cost(y, y, FN10, sample_weight=weights, normalize=False) == 0


def test_labels_that_cannot_be_sorted_say_so():
    y_true = np.array(["yes", None, "no"], dtype=object)
    message = (
        "The labels mix types that cannot be sorted together (NoneType, str); a "
        "None or NaN label is usually a missing one"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        expected_cost(y_true, ["yes", "no", "no"], FN10)
    with pytest.raises(ValueError, match=re.escape(message)):
        imbalanced_report(y_true, np.array(["yes", "no", "no"]))


# ------------------------------------------------------------------ scorers
def _candidates():
    return [
        DummyClassifier(strategy="most_frequent"),
        DummyClassifier(strategy="stratified", random_state=0),
        DummyClassifier(strategy="uniform", random_state=0),
        LogisticRegression(),
        LogisticRegression(class_weight="balanced"),
        LogisticRegression(C=1e-2, class_weight="balanced"),
    ]


@pytest.mark.parametrize("n_classes, cost", [(2, FN10), (3, COST3)])
def test_cost_scorer_ranks_models_as_expected_cost_does(n_classes, cost):
    X_train, X_test, y_train, y_test = _split(n_classes)
    scorer = make_cost_scorer(cost)
    models = [clone(m).fit(X_train, y_train) for m in _candidates()]

    scores = np.array([scorer(m, X_test, y_test) for m in models])
    costs = np.array([expected_cost(y_test, m.predict(X_test), cost) for m in models])
    accuracy = np.array([accuracy_score(y_test, m.predict(X_test)) for m in models])

    np.testing.assert_allclose(scores, -costs, rtol=1e-12)
    np.testing.assert_array_equal(np.argsort(-scores), np.argsort(costs))
    assert np.unique(costs).size == len(models)  # a strict order to compare
    # The cost ranks differently from accuracy: the scorer is not a proxy of it.
    assert np.argmax(scores) != np.argmax(accuracy)


def test_cost_scorer_on_breast_cancer_prefers_fewer_missed_malignant():
    # Breast cancer: class 0 is malignant (the minority); missing it costs 20.
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    cost = np.array([[0.0, 20.0], [1.0, 0.0]])
    scorer = make_cost_scorer(cost)
    models = [
        make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight=w))
        for c in (1e-3, 1.0)
        for w in (None, {0: 20.0, 1: 1.0})
    ] + [DummyClassifier(strategy="most_frequent")]
    models = [m.fit(X_train, y_train) for m in models]
    scores = [scorer(m, X_test, y_test) for m in models]
    costs = [expected_cost(y_test, m.predict(X_test), cost) for m in models]
    np.testing.assert_allclose(scores, np.negative(costs), rtol=1e-12)
    assert np.argmin(scores) == len(models) - 1  # the dummy misses every 0


@pytest.mark.parametrize("response", ["predict", "bayes"])
@pytest.mark.parametrize("n_classes, cost", [(2, FN10), (3, COST3)])
def test_cost_scorer_in_grid_search(response, n_classes, cost):
    X, y = _imbalanced(n_classes)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    grid = {"class_weight": [None, "balanced"]}
    scorer = make_cost_scorer(cost, response=response)
    search = GridSearchCV(LogisticRegression(), grid, scoring=scorer, cv=cv)
    search.fit(X, y)

    expected = []
    for params in search.cv_results_["params"]:
        fold_scores = []
        for train, test in cv.split(X, y):
            model = LogisticRegression(**params).fit(X[train], y[train])
            if response == "predict":
                y_pred = model.predict(X[test])
            else:
                proba = model.predict_proba(X[test])
                y_pred = bayes_decision(proba, cost, model.classes_)
            fold_scores.append(-expected_cost(y[test], y_pred, cost))
        expected.append(np.mean(fold_scores))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], expected)
    assert search.best_params_ == search.cv_results_["params"][np.argmax(expected)]
    assert np.ptp(expected) > 0


@pytest.mark.parametrize("cost, direction", [(FN10, "lower"), (FN10.T, "higher")])
def test_cost_scorer_tunes_the_threshold(cost, direction):
    X_train, X_test, y_train, y_test = _split(2)
    model = LogisticRegression().fit(X_train, y_train)
    scorer = make_cost_scorer(cost)
    tuned = TunedThresholdClassifierCV(
        model, scoring=scorer, cv="prefit", refit=False, store_cv_results=True
    ).fit(X_test, y_test)

    p1 = model.predict_proba(X_test)[:, 1]
    thresholds = tuned.cv_results_["thresholds"]
    expected = [-expected_cost(y_test, (p1 >= t).astype(int), cost) for t in thresholds]
    np.testing.assert_allclose(tuned.cv_results_["scores"], expected, rtol=1e-12)
    assert tuned.best_score_ == pytest.approx(max(expected))
    assert tuned.best_score_ > scorer(model, X_test, y_test)  # beats 0.5
    if direction == "lower":
        assert tuned.best_threshold_ < 0.5
    else:
        assert tuned.best_threshold_ > 0.5


def test_cost_scorer_in_tuned_threshold_cross_validation():
    X, y = _imbalanced(2)
    scorer = make_cost_scorer(FN10)
    tuned = TunedThresholdClassifierCV(LogisticRegression(), scoring=scorer, cv=3)
    tuned.fit(X, y)
    plain = LogisticRegression().fit(X, y)
    assert tuned.best_threshold_ < 0.5
    assert scorer(tuned, X, y) > scorer(plain, X, y)


def test_bayes_scorer_prefers_predict_posterior():
    X_train, X_test, y_train, y_test = _split(2)
    weights = {0: 1.0, 1: 8.0}
    model = PriorCorrectedLogisticRegression(class_weight=weights)
    model.fit(X_train, y_train)
    bayes = make_cost_scorer(FN10, response="bayes")

    def cost_of(proba):
        return -expected_cost(y_test, bayes_decision(proba, FN10), FN10)

    from_posterior = cost_of(model.predict_posterior(X_test))
    from_proba = cost_of(model.predict_proba(X_test))
    assert from_posterior != from_proba  # the choice is observable
    assert bayes(model, X_test, y_test) == from_posterior
    # Also through the final step of a scikit-learn or imblearn pipeline.
    pipe = make_pipeline(StandardScaler(), clone(model)).fit(X_train, y_train)
    Xt = pipe[0].transform(X_test)
    assert bayes(pipe, X_test, y_test) == cost_of(pipe[-1].predict_posterior(Xt))
    assert bayes(pipe, X_test, y_test) != cost_of(pipe.predict_proba(X_test))
    imb = make_imb_pipeline(
        StandardScaler(), RandomUnderSampler(random_state=0), clone(model)
    ).fit(X_train, y_train)
    Xt = imb[0].transform(X_test)
    assert bayes(imb, X_test, y_test) == cost_of(imb[-1].predict_posterior(Xt))
    # Without predict_posterior it decides on predict_proba.
    plain = LogisticRegression(class_weight=weights).fit(X_train, y_train)
    assert bayes(plain, X_test, y_test) == from_proba


def test_bayes_scorer_with_labels_the_estimator_never_saw():
    X, y = _imbalanced(3)
    seen = y != 1
    model = LogisticRegression().fit(X[seen], y[seen])  # classes_ = [0, 2]
    bayes = make_cost_scorer(COST3, labels=[0, 1, 2], response="bayes")

    sub = COST3[np.ix_([0, 2], [0, 2])]
    y_pred = bayes_decision(model.predict_proba(X), sub, model.classes_)
    expected = -expected_cost(y, y_pred, COST3, labels=[0, 1, 2])
    assert bayes(model, X, y) == pytest.approx(expected, rel=1e-12)
    assert "response='bayes'" in repr(bayes)

    with pytest.raises(ValueError, match=re.escape("there are 2 estimator classes")):
        make_cost_scorer(COST3, response="bayes")(model, X, y)
    other = make_cost_scorer(FN10, labels=[0, 1], response="bayes")
    with pytest.raises(ValueError, match=re.escape("classes [2] are not in")):
        other(model, X, y)


def test_scorer_weights_samples():
    X_train, X_test, y_train, y_test = _split(2)
    model = LogisticRegression().fit(X_train, y_train)
    weight = np.random.default_rng(7).uniform(0.1, 3.0, size=len(y_test))
    expected = -expected_cost(y_test, model.predict(X_test), FN10, sample_weight=weight)
    scorer = make_cost_scorer(FN10)
    assert scorer(model, X_test, y_test, sample_weight=weight) == pytest.approx(
        expected, rel=1e-12
    )
    assert expected != pytest.approx(scorer(model, X_test, y_test))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(response="proba"), "The 'response' parameter of make_cost_scorer"),
        (dict(labels=[0, 1, 2]), "cost_matrix has shape (2, 2) but there are 3"),
    ],
)
def test_make_cost_scorer_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_cost_scorer(FN10, **kwargs)
    with pytest.raises(ValueError, match="cost_matrix must be square"):
        make_cost_scorer([[0, 1]])


# ------------------------------------------------------------------- report
def _fitted(n_classes):
    X_train, X_test, y_train, y_test = _split(n_classes)
    model = LogisticRegression(class_weight="balanced").fit(X_train, y_train)
    return model, X_test, y_test


@pytest.mark.parametrize("weighted", [False, True])
def test_report_binary_equals_direct_calls(weighted):
    model, X, y = _fitted(2)
    proba, y_pred = model.predict_proba(X), model.predict(X)
    w = np.random.default_rng(8).uniform(0.2, 2.0, len(y)) if weighted else None
    report = imbalanced_report(
        y, y_pred, proba=proba, cost_matrix=FN10, sample_weight=w
    )

    expected = {
        "pr_auc": average_precision_score(y, proba[:, 1], sample_weight=w),
        "roc_auc": roc_auc_score(y, proba[:, 1], sample_weight=w),
        "brier": brier_score_loss(y, proba[:, 1], sample_weight=w),
        "log_loss": log_loss(y, proba, sample_weight=w),
        "balanced_accuracy": balanced_accuracy_score(y, y_pred, sample_weight=w),
        "macro_f1": f1_score(y, y_pred, average="macro", sample_weight=w),
        "g_mean": geometric_mean_score(y, y_pred, sample_weight=w),
        "mcc": matthews_corrcoef(y, y_pred, sample_weight=w),
        "expected_cost": expected_cost(y, y_pred, FN10, sample_weight=w),
    }
    assert list(report.scores) == list(expected)
    for name, value in expected.items():
        assert report.scores[name] == pytest.approx(value, rel=1e-12), name
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, y_pred, sample_weight=w
    )
    np.testing.assert_allclose(report.per_class["precision"], precision)
    np.testing.assert_allclose(report.per_class["recall"], recall)
    np.testing.assert_allclose(report.per_class["f1"], f1)
    np.testing.assert_allclose(
        report.per_class["specificity"],
        specificity_score(y, y_pred, average=None, sample_weight=w),
    )
    support = [np.sum(w[y == k]) for k in (0, 1)] if weighted else np.bincount(y)
    np.testing.assert_allclose(report.per_class["support"], support)
    assert report.decision == "given"


def test_report_multiclass_equals_direct_calls():
    model, X, y = _fitted(3)
    proba, y_pred = model.predict_proba(X), model.predict(X)
    report = imbalanced_report(y, y_pred, proba=proba, cost_matrix=COST3)

    one_hot = np.eye(3)[y]
    ap = [average_precision_score(one_hot[:, k], proba[:, k]) for k in range(3)]
    np.testing.assert_allclose(report.per_class["pr_auc"], ap)
    assert report.scores["pr_auc"] == pytest.approx(
        average_precision_score(y, proba, average="macro")
    )
    assert report.scores["roc_auc"] == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", average="macro")
    )
    brier = np.mean(np.sum((one_hot - proba) ** 2, axis=1))
    assert report.scores["brier"] == pytest.approx(brier, rel=1e-12)
    assert report.scores["brier"] == pytest.approx(
        brier_score_loss(y, proba, labels=[0, 1, 2])
    )
    assert report.scores["log_loss"] == pytest.approx(log_loss(y, proba))
    assert report.scores["macro_f1"] == pytest.approx(
        f1_score(y, y_pred, average="macro")
    )
    assert report.scores["g_mean"] == pytest.approx(
        geometric_mean_score(y, y_pred, average="multiclass")
    )
    assert report.scores["mcc"] == pytest.approx(matthews_corrcoef(y, y_pred))
    assert report.scores["expected_cost"] == pytest.approx(
        expected_cost(y, y_pred, COST3)
    )


def test_multiclass_brier_fallback_matches_scikit_learn():
    rng = np.random.default_rng(9)
    labels = np.array(["a", "b", "c", "d"])
    y = rng.choice(labels, size=100)
    proba = rng.dirichlet(np.ones(4), size=100)
    w = rng.uniform(0.5, 1.5, size=100)
    assert _multiclass_brier(y, proba, labels, w) == pytest.approx(
        brier_score_loss(y, proba, labels=labels, sample_weight=w), rel=1e-12
    )


def test_report_without_proba_omits_probability_metrics():
    model, X, y = _fitted(2)
    report = imbalanced_report(y, model.predict(X))
    assert list(report.scores) == [
        "balanced_accuracy",
        "macro_f1",
        "g_mean",
        "mcc",
    ]
    assert "pr_auc" not in report.per_class
    assert isinstance(report, ImbalancedReport)


def test_report_derives_decisions_from_proba():
    model, X, y = _fitted(2)
    proba = model.predict_proba(X)
    by_argmax = imbalanced_report(y, proba=proba)
    by_cost = imbalanced_report(y, proba=proba, cost_matrix=FN10)
    assert by_argmax.decision == "argmax" and by_cost.decision == "bayes"
    assert (
        by_argmax.scores == imbalanced_report(y, model.predict(X), proba=proba).scores
    )
    cost_decisions = bayes_decision(proba, FN10, model.classes_)
    assert by_cost.scores["expected_cost"] == pytest.approx(
        expected_cost(y, cost_decisions, FN10)
    )
    assert by_cost.scores["expected_cost"] < expected_cost(y, model.predict(X), FN10)


def test_report_string_labels_positive_class_is_the_second():
    y = np.array(["rare", "common", "common", "common", "rare", "common"])
    p_rare = np.array([0.8, 0.3, 0.1, 0.2, 0.4, 0.6])
    # Columns ordered like labels: the positive class is labels[1] = "rare".
    labels = ["common", "rare"]
    report = imbalanced_report(
        y, proba=np.column_stack([1 - p_rare, p_rare]), labels=labels
    )
    assert report.scores["pr_auc"] == pytest.approx(
        average_precision_score(y == "rare", p_rare)
    )
    assert report.scores["brier"] == pytest.approx(
        brier_score_loss(y, p_rare, pos_label="rare")
    )
    np.testing.assert_array_equal(report.labels, labels)
    frame = report.to_frame()
    assert list(frame.index) == labels
    assert frame.loc["rare", "recall"] == pytest.approx(0.5)
    assert "rare" in str(report) and "pr_auc" in str(report)


def test_report_headline_pr_auc_is_the_minority_class_by_default():
    # "churn" sorts first, so it is labels[0]: the headline must still be its
    # average precision, not that of the majority "stay".
    y = np.array(["churn"] * 2 + ["stay"] * 6)
    p_churn = np.array([0.7, 0.3, 0.4, 0.1, 0.2, 0.6, 0.1, 0.2])
    proba = np.column_stack([p_churn, 1 - p_churn])
    report = imbalanced_report(y, proba=proba)
    assert report.pos_label == "churn"
    churn_ap = average_precision_score(y == "churn", p_churn)
    assert report.scores["pr_auc"] == pytest.approx(churn_ap, rel=1e-12)
    stay = imbalanced_report(y, proba=proba, pos_label="stay")
    assert stay.pos_label == "stay"
    assert stay.scores["pr_auc"] == pytest.approx(
        average_precision_score(y == "stay", 1 - p_churn), rel=1e-12
    )
    assert stay.scores["pr_auc"] != pytest.approx(churn_ap)
    # the minority by sample weight, not by count
    weighted = imbalanced_report(y, proba=proba, sample_weight=[10.0] * 2 + [1.0] * 6)
    assert weighted.pos_label == "stay"
    # a tie keeps the convention: labels[1]
    tie = imbalanced_report(y[:4], proba=proba[:4])
    assert tie.pos_label == "stay"
    assert imbalanced_report(y, y).pos_label is None  # no probabilities


def test_report_leaves_undefined_metrics_out_of_the_scores():
    # A fold holding one class: ROC-AUC is undefined (scikit-learn warns and
    # returns NaN); the docstring promises absent, not NaN.
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = imbalanced_report([0, 0, 0], proba=proba, labels=[0, 1])
    assert any(
        issubclass(w.category, UndefinedMetricWarning)
        and "ROC AUC score is not defined" in str(w.message)
        for w in caught
    )
    assert "roc_auc" not in report.scores
    assert not np.isnan(list(report.scores.values())).any()
    assert {"brier", "log_loss", "balanced_accuracy"} <= set(report.scores)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (
            ([],),
            dict(proba=np.zeros((0, 2)), labels=[0, 1]),
            "needs at least one sample; got none",
        ),
        (([0, 1],), dict(proba=np.zeros((0, 2))), "inconsistent numbers of samples"),
        (
            ([0, 1, 1],),
            dict(proba=[[0.5, 0.5]] * 3, pos_label=2),
            "pos_label=2 is not one of labels=[0, 1]",
        ),
        (
            ([0, 1, 2],),
            dict(proba=np.eye(3), pos_label=2),
            "pos_label applies to binary problems",
        ),
        (([0, 1, 1],), {}, "needs y_pred, proba or both"),
        (([0, 1, 1], [0, 1, 1]), dict(proba=[[1, 0, 0]] * 3), "proba has 3 columns"),
        (([0, 1, 1], [0, 1, 1]), dict(proba=[[1, 0]] * 2), "inconsistent numbers"),
        (([0, 1, 1], [0, 1, 1]), dict(cost_matrix=COST3), "cost_matrix has shape"),
        (([0, 0], [0, 0]), {}, "needs at least two classes"),
        (([0, 1], [0, 2]), dict(labels=[0, 1]), "y_pred contains labels [2]"),
        (([[0, 1], [1, 1]], [[0, 1], [1, 1]]), {}, "binary and multiclass targets"),
        (([0, 1], [0, 1]), dict(zero_division=0.5), "'zero_division' parameter"),
    ],
)
def test_report_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        imbalanced_report(*args, **kwargs)


def test_report_probability_metrics_do_not_depend_on_label_order():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 200)
    proba = rng.dirichlet(np.ones(3), size=200)
    ordered = imbalanced_report(y, proba=proba, labels=[0, 1, 2])
    shuffled = imbalanced_report(y, proba=proba[:, [2, 0, 1]], labels=[2, 0, 1])
    for name in ("log_loss", "brier", "roc_auc", "pr_auc"):
        assert shuffled.scores[name] == pytest.approx(ordered.scores[name], rel=1e-12)
    binary = rng.integers(0, 2, 200)
    p = rng.uniform(size=200)
    straight = imbalanced_report(
        binary, proba=np.column_stack([1 - p, p]), labels=[0, 1]
    )
    flipped = imbalanced_report(
        binary, proba=np.column_stack([p, 1 - p]), labels=[1, 0]
    )
    assert flipped.scores["log_loss"] == pytest.approx(straight.scores["log_loss"])
    assert flipped.scores["brier"] == pytest.approx(straight.scores["brier"])
