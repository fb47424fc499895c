"""Cost-sensitive decisions on real datasets: expected cost under a 10:1 matrix.

Every CSV of the datasets folder, by 5-fold stratified cross-validation (the
folds, datasets and class filtering of the quality section). In each training
fold, a class is a *minority* class when it has fewer rows than an equal
share, ``n / K``; the others are majority classes. The cost matrix is

    C[k, j] = 0 if j == k, 10 if k is a minority and j a majority class, 1 else

so for a binary set a missed minority row costs 10 and a false alarm 1; for K
classes, taking a minority case for a majority one costs 10 and every other
error 1 (confusing two minority classes, or raising a majority row to a
minority class). Each rule standardises the features first and decides:

- ``plain argmax (0.5)``: ``LogisticRegression().predict``, the most probable
  class (for two classes, the 0.5 threshold);
- ``balanced argmax``: ``LogisticRegression(class_weight="balanced").predict``;
- ``CSC posterior``: :class:`~imbweight.CostSensitiveClassifier` on the
  balanced model (``ClassWeightedClassifier``), deciding on its recovered
  posteriors;
- ``CSC tuned``: the same with ``response="tuned"`` (per-class factors tuned
  by an inner 5-fold cross-validation of the training fold);
- ``CSC SMOTE``: ``CostSensitiveClassifier`` on SMOTE + LogisticRegression in
  an :class:`imbweight.pipeline.Pipeline`, deciding on the posteriors with
  the resampling undone.

The table gives the mean expected cost per row over the 5 test folds (lower
is better), how often each rule beats the plain and balanced argmax, and the
mean rank of each rule.
"""

import numpy as np
from imblearn.over_sampling import SMOTE
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks._common import log, markdown_table, quiet
from benchmarks.quality import read_for_cv, smote_neighbors
from imbweight import ClassWeightedClassifier, CostSensitiveClassifier
from imbweight.metrics import expected_cost
from imbweight.pipeline import make_pipeline as make_recording_pipeline

MISSED_MINORITY_COST = 10.0
BASELINES = ("plain argmax (0.5)", "balanced argmax")


def cost_matrix(y_train):
    """The cost matrix of a training fold, rows and columns in sorted class order."""
    classes, counts = np.unique(y_train, return_counts=True)
    minority = counts < y_train.size / classes.size
    cost = np.ones((classes.size, classes.size))
    cost[np.ix_(minority, ~minority)] = MISSED_MINORITY_COST
    np.fill_diagonal(cost, 0.0)
    return cost


def rules(cost, minority_train):
    """The compared decision rules, each a fresh unfitted model."""
    balanced = ClassWeightedClassifier(
        LogisticRegression(max_iter=1000), class_weight="balanced"
    )
    smote = make_recording_pipeline(
        SMOTE(k_neighbors=smote_neighbors(minority_train), random_state=0),
        LogisticRegression(max_iter=1000),
    )
    models = {
        "plain argmax (0.5)": LogisticRegression(max_iter=1000),
        "balanced argmax": LogisticRegression(max_iter=1000, class_weight="balanced"),
        "CSC posterior": CostSensitiveClassifier(balanced, cost_matrix=cost),
        "CSC tuned": CostSensitiveClassifier(
            balanced, cost_matrix=cost, response="tuned"
        ),
        "CSC SMOTE": CostSensitiveClassifier(smote, cost_matrix=cost),
    }
    return {
        name: make_pipeline(StandardScaler(), model) for name, model in models.items()
    }


def cross_validate(paths):
    """Mean expected cost of each rule on each dataset."""
    results = {}
    for path in paths:
        X, y, folds, minority_train = read_for_cv(path)
        log(f"  decisions {path.stem}: {X.shape[0]}x{X.shape[1]}")
        per_fold = []
        for train, test in folds.split(X, y):
            cost = cost_matrix(y[train])
            labels = np.unique(y[train])
            fold = {}
            for name, model in rules(cost, minority_train).items():
                with quiet():
                    model.fit(X[train], y[train])
                decisions = model.predict(X[test])
                fold[name] = expected_cost(y[test], decisions, cost, labels=labels)
            per_fold.append(fold)
        results[path.stem] = {
            name: np.mean([f[name] for f in per_fold]) for name in per_fold[0]
        }
    return results


def decisions_table(results):
    names = list(next(iter(results.values())))
    body = [
        [dataset, *(f"{scores[name]:.4f}" for name in names)]
        for dataset, scores in results.items()
    ]
    for baseline in BASELINES:
        wins = [
            sum(scores[name] < scores[baseline] for scores in results.values())
            for name in names
        ]
        body.append(
            [f"**lower than {baseline}**"]
            + [
                "" if name == baseline else f"**{count}/{len(results)}**"
                for name, count in zip(names, wins, strict=True)
            ]
        )
    ranks = np.mean(
        [rankdata([scores[name] for name in names]) for scores in results.values()],
        axis=0,
    )
    body.append(["**mean rank**"] + [f"**{rank:.2f}**" for rank in ranks])
    return markdown_table(["dataset", *names], body)
