"""The engine of ``imbweight compare``: strategies, scores, decision rules, ties.

The command line is tested in ``test_cli.py``; here the engine is called
directly, on small data and few strategies, with one repetition unless a
test is about repetitions.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

from imbweight import CostSensitiveClassifier, posterior_proba
from imbweight._compare import (
    CATALOGUE,
    Dataset,
    boosting_available,
    check_names,
    compare,
    load_builtin,
    make_strategies,
    rebuild_code,
    refit,
)
from imbweight._compare._code import python_code
from imbweight._compare._recommend import paired_gap, recommend
from imbweight._compare._scores import fold_scores
from imbweight._compare._strategies import UnknownStrategy
from imbweight.metrics import imbalanced_report

LINEAR = ["logreg", "sqrt_inverse", "balanced", "focal(gamma=2)", "smote"]


def churn_like(seed=0, n=5000):
    """A churn table as issue 17 describes it: 5,000 rows, about 6.4 % "yes",
    a weak signal (tenure, charges, contract, calls) and two noise columns.

    Plain logistic regression never gives a customer a churn probability
    above 1/2 here, so it predicts "no" for everyone.
    """
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 73, n).astype(float)
    charges = rng.normal(65, 30, n).clip(18, 120)
    contract = rng.choice(3, n, p=[0.5, 0.3, 0.2]).astype(float)  # category codes
    calls = rng.poisson(1.5, n).astype(float)
    noise = rng.normal(size=(n, 2))
    logit = (
        -2.75
        - 0.012 * (tenure - 36)
        + 0.006 * (charges - 65)
        + 0.25 * (contract == 0)
        + 0.12 * (calls - 1.5)
    )
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    X = np.column_stack([tenure, charges, contract, calls, noise])
    names = ["tenure", "monthly_charges", "contract", "support_calls", "x1", "x2"]
    y = np.where(churn, "yes", "no")
    return Dataset("churn", X, y, names, categorical=[2])


@pytest.fixture(scope="module")
def churn():
    data = churn_like()
    # Issue 17's table: 5,000 rows, 6.4 % positive.
    assert data.y.size == 5000 and np.mean(data.y == "yes") == pytest.approx(
        0.064, abs=0.005
    )
    return data


# ------------------------------------------------------------------ strategies
def test_the_catalogue_covers_the_field():
    names = [entry.name for entry in CATALOGUE]
    assert len(set(names)) == len(names)
    kinds = {(entry.family, entry.kind) for entry in CATALOGUE}
    for kind in ("plain", "weighted", "focal", "resampling"):
        assert ("linear", kind) in kinds
    for kind in ("plain", "weighted", "focal"):
        assert ("boosting", kind) in kinds
    # The default set runs boosting when LightGBM is there (the test extra has it).
    assert boosting_available()
    assert {"lightgbm", "lightgbm+balanced", "lightgbm+focal(gamma=2)"} <= set(
        check_names()
    )
    assert "sgd+balanced" not in check_names()  # opt-in


def test_strategies_are_selected_by_name_in_catalogue_order():
    assert check_names(["smote", "logreg", "smote"]) == ["logreg", "smote"]
    with pytest.raises(UnknownStrategy, match="unknown strategy 'nope'; the"):
        check_names(["logreg", "nope"])


def test_every_strategy_gives_posteriors_and_its_code_rebuilds_it():
    data = load_builtin("glass5")
    names = [entry.name for entry in CATALOGUE]
    for strategy in make_strategies(data, names=names):
        model = clone(strategy.estimator).fit(data.X, data.y)
        posterior = posterior_proba(model, data.X[:5])
        np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
        namespace = {}
        exec("\n".join(python_code(strategy.estimator)), namespace)
        rebuilt = namespace["model"]
        assert repr(rebuilt.get_params(deep=True)) == repr(
            strategy.estimator.get_params(deep=True)
        ), strategy.name


def test_lightgbm_leaves_shrink_on_tiny_data():
    # LightGBM cannot fit a custom objective on fewer rows than two leaves.
    rng = np.random.default_rng(0)
    data = Dataset("tiny", rng.normal(size=(30, 2)), np.array([0, 1] * 15), ["a", "b"])
    result = compare(
        data, cv=2, n_repeats=1, strategies=["lightgbm+balanced"], warn=print
    )
    assert result.notes == []


# ---------------------------------------------------------------------- scores
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fold_scores_are_those_of_imbalanced_report(n_classes):
    rng = np.random.default_rng(n_classes)
    classes = np.array(["a", "b", "c"][:n_classes])
    frequencies = np.array([0.7, 0.2, 0.1])[:n_classes]
    y = classes[rng.choice(n_classes, 200, p=frequencies / frequencies.sum())]
    posterior = rng.dirichlet(np.ones(n_classes), size=200)
    raw = rng.dirichlet(np.ones(n_classes), size=200)
    decisions = classes[rng.integers(n_classes, size=200)]
    cost = rng.uniform(1, 5, size=(n_classes, n_classes)) * (1 - np.eye(n_classes))
    minority = classes[-1]
    pos_label = minority if n_classes == 2 else None
    scores = fold_scores(y, posterior, raw, decisions, classes, minority, cost)
    report = imbalanced_report(
        y,
        decisions,
        proba=posterior,
        labels=classes,
        pos_label=pos_label,
        cost_matrix=cost,
    )
    names = ["pr_auc", "balanced_accuracy", "brier", "expected_cost", "roc_auc"]
    expected = {name: report.scores[name] for name in [*names, "log_loss"]}
    expected["f1"] = report.per_class["f1"][-1]
    expected["recall"] = report.per_class["recall"][-1]
    expected["brier_raw"] = imbalanced_report(
        y, decisions, proba=raw, labels=classes, pos_label=pos_label
    ).scores["brier"]
    # The same float64 sums in another order.
    assert scores == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------- ties
def test_paired_gap_uses_the_corrected_standard_error():
    rng = np.random.default_rng(0)
    best = rng.uniform(0.4, 0.6, size=10)
    shortfall = rng.normal(0.02, 0.01, size=10)
    gap, error = paired_gap(best, best - shortfall, n_splits=5)
    assert gap == pytest.approx(np.mean(shortfall))
    # Nadeau-Bengio: the variance of the mean is (1/J + 1/(k-1)) s^2, not s^2 / J.
    assert error == pytest.approx(np.std(shortfall, ddof=1) * np.sqrt(0.1 + 0.25))
    # For a lower-is-better metric the shortfall is the other way round.
    assert paired_gap(best, best + shortfall, 5, greater_is_better=False)[0] == (
        pytest.approx(gap)
    )


def _scores(means, recall=None, spread=0.01, n=10, seed=0):
    """Per-split scores around ``means``, sharing the fold-to-fold variation."""
    rng = np.random.default_rng(seed)
    fold = rng.normal(0, 0.05, size=n)

    def centred(noise):  # so that the means are exactly ``means``
        return noise - noise.mean()

    return {
        name: {
            "pr_auc": mean + centred(fold) + centred(rng.normal(0, spread, size=n)),
            "recall": np.full(n, 0.5 if recall is None else recall[name]),
        }
        for name, mean in means.items()
    }


def _recommend(scores, simplicity, **kwargs):
    ranking = sorted(scores, key=lambda name: -np.mean(scores[name]["pr_auc"]))
    options = dict(
        title="PR-AUC",
        greater_is_better=True,
        n_splits=5,
        simplicity=simplicity,
        minority="yes",
    )
    return recommend(ranking, scores, "pr_auc", **{**options, **kwargs})


def test_among_ties_the_simplest_strategy_is_recommended():
    scores = _scores({"lightgbm": 0.602, "balanced": 0.600, "logreg": 0.45})
    simplicity = {"logreg": (0, 0), "balanced": (0, 1), "lightgbm": (1, 0)}
    result = _recommend(scores, simplicity)
    assert (result.best, result.name) == ("lightgbm", "balanced")
    assert result.tied == ["lightgbm", "balanced"]
    assert result.reason.startswith(
        "balanced (0.600) is within noise of the best mean PR-AUC (lightgbm, 0.602"
    )
    assert result.warnings == []


def test_a_strategy_ranked_above_a_tied_one_is_tied():
    # "precise" trails the best by 0.005 on every split: beyond its (tiny)
    # noise on its own gap. "vague" trails by 0.02 on average, within its
    # large noise, so it ties; "precise" scores better than "vague".
    rng = np.random.default_rng(0)
    best = rng.uniform(0.5, 0.7, size=10)
    vague = rng.normal(0, 0.06, size=10)
    scores = {
        "lightgbm": best,
        "precise": best - 0.005 + rng.normal(0, 1e-4, size=10),
        "vague": best - 0.02 + vague - vague.mean(),
    }
    scores = {
        name: {"pr_auc": s, "recall": np.full(10, 0.5)} for name, s in scores.items()
    }
    gap, error = paired_gap(best, scores["precise"]["pr_auc"], n_splits=5)
    assert gap > error  # alone, "precise" would not tie
    simplicity = {"precise": (0, 0), "vague": (0, 1), "lightgbm": (1, 0)}
    result = _recommend(scores, simplicity)
    assert result.tied == ["lightgbm", "precise", "vague"]
    assert result.name == "precise"


def test_boosting_is_recommended_when_clearly_better():
    scores = _scores({"lightgbm": 0.70, "balanced": 0.60})
    result = _recommend(scores, {"balanced": (0, 1), "lightgbm": (1, 0)})
    assert (result.name, result.tied) == ("lightgbm", ["lightgbm"])
    assert "ahead of balanced (0.600) by more than the noise" in result.reason


def test_a_strategy_that_never_flags_the_minority_is_passed_over():
    scores = _scores(
        {"logreg": 0.61, "balanced": 0.60}, recall={"logreg": 0.0, "balanced": 0.4}
    )
    result = _recommend(scores, {"logreg": (0, 0), "balanced": (0, 1)})
    assert result.name == "balanced"
    assert result.passed_over == ["logreg"]
    assert "logreg ranks higher but never predicts it at the decision rule" in (
        result.reason
    )


def test_when_no_strategy_flags_the_minority_the_output_says_so():
    scores = _scores(
        {"logreg": 0.61, "balanced": 0.60}, recall={"logreg": 0.0, "balanced": 0.0}
    )
    result = _recommend(scores, {"logreg": (0, 0), "balanced": (0, 1)})
    assert result.name == "logreg"
    assert result.warnings[0].startswith(
        "no strategy predicts class 'yes' for any row at its decision rule"
    )


def test_a_warning_when_nothing_beats_a_constant_predictor():
    scores = _scores({"logreg": 0.101, "balanced": 0.100, "constant": 0.100})
    constant = scores.pop("constant")
    result = _recommend(
        scores, {"logreg": (0, 0), "balanced": (0, 1)}, constant=constant
    )
    assert any(
        w.startswith("nothing beats a constant predictor on PR-AUC")
        for w in result.warnings
    )
    clear = _recommend(_scores({"logreg": 0.3}), {"logreg": (0, 0)}, constant=constant)
    assert clear.warnings == []


# ------------------------------------------------- the churn case of issue 17
def test_churn_recommendation_flags_the_minority(churn):
    # Acceptance: the recommendation has minority recall > 0 at its decision
    # rule, or the output says that no strategy flags the minority.
    result = compare(churn, n_repeats=1, strategies=[*LINEAR, "lightgbm"])
    recall = result.scores[result.recommendation.name]["recall"]
    plain = result.scores["logreg"]["recall"]
    assert np.all(plain == 0)  # the trap of issue 17: "no" for everyone
    assert np.mean(recall) > 0.2, result.recommendation
    assert result.recommendation.warnings == []


@pytest.mark.slow
def test_churn_recommendation_is_stable_across_seeds(churn):
    # Acceptance: seeds 0-4 recommend the same strategy, or each run lists
    # the others' recommendations among its ties. With LightGBM's defaults
    # (so that the boosting family takes part) and 5-fold CV, once each.
    results = [
        compare(churn, n_repeats=1, seed=seed, strategies=[*LINEAR, "lightgbm"])
        for seed in range(5)
    ]
    picked = {result.recommendation.name for result in results}
    for result in results:
        assert picked <= set(result.recommendation.tied), (
            picked,
            result.recommendation.tied,
        )


def test_no_signal_warns_that_nothing_beats_a_constant():
    rng = np.random.default_rng(0)
    data = Dataset(
        "noise", rng.normal(size=(600, 3)), rng.random(600) < 0.1, list("abc")
    )
    result = compare(data, n_repeats=2, strategies=["logreg", "balanced"])
    assert any(
        w.startswith("nothing beats a constant predictor on PR-AUC")
        for w in result.recommendation.warnings
    ), result.recommendation


# --------------------------------------------------------------- decisions
@pytest.fixture(scope="module")
def glass5():
    return load_builtin("glass5")


def _first_fold(dataset, seed=0, n_splits=3):
    return next(
        StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(
            dataset.X, dataset.y
        )
    )


def test_f1_threshold_is_tuned_inside_the_training_fold(glass5):
    result = compare(glass5, cv=3, n_repeats=1, metric="f1", strategies=["balanced"])
    assert result.rule == "threshold"
    # The first split of RepeatedStratifiedKFold is StratifiedKFold's with the
    # same seed: redo its fit by hand, on the training rows only.
    train, test = _first_fold(glass5)
    estimator = result.strategy("balanced").estimator
    tuned = TunedThresholdClassifierCV(
        estimator,
        scoring=make_scorer(f1_score, pos_label=1),
        response_method="predict_proba",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(glass5.X[train], glass5.y[train])
    expected = f1_score(glass5.y[test], tuned.predict(glass5.X[test]), pos_label=1)
    assert result.scores["balanced"]["f1"][0] == pytest.approx(expected)
    # The constant's best F1 flags every row: 2p / (1 + p).
    prevalence = np.mean(glass5.y[test] == 1)
    assert result.constant["f1"][0] == pytest.approx(2 * prevalence / (1 + prevalence))


COST = np.array([[0.0, 1.0], [20.0, 0.0]])


@pytest.fixture(scope="module")
def by_cost(glass5):
    return compare(
        glass5,
        cv=3,
        n_repeats=1,
        metric="expected_cost",
        cost_matrix=COST,
        strategies=["balanced"],
    )


def test_expected_cost_decides_by_the_costs_on_the_posteriors(glass5, by_cost):
    result, cost = by_cost, COST
    train, test = _first_fold(glass5)
    decider = CostSensitiveClassifier(
        result.strategy("balanced").estimator, cost_matrix=cost
    ).fit(glass5.X[train], glass5.y[train])
    expected = decider.expected_cost(glass5.X[test], glass5.y[test])
    assert result.scores["balanced"]["expected_cost"][0] == pytest.approx(expected)
    # The constant's decision is the cheaper of "all 0" and "all 1" under the
    # training fold's class frequencies: all 0 costs 20 p < 1 - p here.
    assert result.constant["expected_cost"][0] == pytest.approx(
        20 * np.mean(glass5.y[test] == 1)
    )


def test_probability_columns_read_the_recovered_posteriors(glass5):
    result = compare(glass5, cv=3, n_repeats=1, strategies=["balanced"])
    train, test = _first_fold(glass5)
    model = clone(result.strategy("balanced").estimator).fit(
        glass5.X[train], glass5.y[train]
    )
    posterior = posterior_proba(model, glass5.X[test])[:, 1]
    raw = model.predict_proba(glass5.X[test])[:, 1]
    outcome = glass5.y[test] == 1
    scores = result.scores["balanced"]
    assert scores["brier"][0] == pytest.approx(np.mean((outcome - posterior) ** 2))
    assert scores["brier_raw"][0] == pytest.approx(np.mean((outcome - raw) ** 2))
    # Balanced weights inflate the minority's predict_proba; the posterior
    # undoes it.
    assert scores["brier"][0] < 0.5 * scores["brier_raw"][0]


def test_repeats_score_every_split(glass5):
    result = compare(glass5, cv=3, n_repeats=2, strategies=["logreg"])
    assert result.scores["logreg"]["pr_auc"].shape == (6,)
    assert result.constant["pr_auc"].shape == (6,)


# ------------------------------------------------------------- the refit
def test_refit_and_rebuild_code_give_the_recommended_model(glass5, by_cost):
    result = by_cost
    model = refit(result)
    assert isinstance(model, CostSensitiveClassifier)
    assert model.classes_.tolist() == [0, 1]
    namespace = {"X": glass5.X, "y": glass5.y}
    exec("\n".join(rebuild_code(result)), namespace)
    np.testing.assert_array_equal(
        namespace["model"].predict(glass5.X), model.predict(glass5.X)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "expected_cost"}, "needs a cost matrix"),
        ({"metric": "auc"}, "unknown metric 'auc'"),
        ({"metric": "f1", "cv": 2}, "tunes a threshold between two classes"),
        ({"cost_matrix": np.ones((2, 2))}, "must be 6 x 6"),
    ],
)
def test_metric_and_costs_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare(load_builtin("glass"), strategies=["logreg"], **kwargs)
