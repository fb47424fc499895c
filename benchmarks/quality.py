"""Cross-validated quality on real imbalanced datasets.

Every CSV in the datasets folder (numeric features, last column ``target``)
is scored by 5-fold stratified cross-validation, the same folds for every
strategy. PR-AUC is the average precision of the minority class for a binary
set (the class ``1``) and the macro one-vs-rest average precision for a
multiclass one; balanced accuracy is computed from ``predict``. Each
strategy standardises the features first. Classes with fewer rows than folds
(two of ecoli's) are left out. SMOTE's ``k_neighbors`` is 5, or fewer when a
training fold has no more minority rows.
"""

import csv
from pathlib import Path

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler, label_binarize

from benchmarks._common import log, markdown_table, quiet
from imbweight import FocalLogisticRegression, WeightedSGDClassifier

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = REPOSITORY.parent / "shared" / "datasets"
SHIPPED_DATASETS = REPOSITORY / "imbweight" / "datasets" / "data"
N_FOLDS = 5
QUICK_DATASETS = ("pima", "ecoli4", "glass5", "yeast4", "glass")


def strategies(max_minority_train):
    """The compared strategies, each a fresh pipeline."""
    k_neighbors = max(1, min(5, max_minority_train - 1))
    return {
        "LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        "LR balanced": make_pipeline(
            StandardScaler(),
            LogisticRegression(class_weight="balanced", max_iter=1000),
        ),
        "Focal gamma=2 balanced": make_pipeline(
            StandardScaler(),
            FocalLogisticRegression(gamma=2.0, class_weight="balanced", max_iter=1000),
        ),
        "WeightedSGD balanced": make_pipeline(
            StandardScaler(),
            WeightedSGDClassifier(class_weight="balanced", random_state=0),
        ),
        "SMOTE + LR": make_pipeline(
            StandardScaler(),
            SMOTE(k_neighbors=k_neighbors, random_state=0),
            LogisticRegression(max_iter=1000),
        ),
    }


def dataset_paths(folder=None, quick=False):
    """The CSV files to score: ``folder``, else shared/datasets, else shipped."""
    if folder is None:
        folder = DEFAULT_DATASETS if DEFAULT_DATASETS.is_dir() else SHIPPED_DATASETS
    paths = sorted(Path(folder).glob("*.csv"))
    if quick:
        paths = [path for path in paths if path.stem in QUICK_DATASETS]
    return paths


def read_csv(path):
    """Features and target of a CSV whose last column is ``target``."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, rows = rows[0], rows[1:]
    if header[-1] != "target":
        raise ValueError(f"{path}: the last column must be 'target'")
    X = np.array([row[:-1] for row in rows], dtype=np.float64)
    labels = [row[-1] for row in rows]
    try:
        y = np.array(labels, dtype=np.float64).astype(np.int64)
    except ValueError:  # class names
        y = np.unique(labels, return_inverse=True)[1]
    return X, y


def cv_data(path):
    """Features, target, classes and the stratified folds of one dataset.

    A class with fewer rows than folds cannot be in every fold: it is left
    out.
    """
    X, y = read_csv(path)
    classes, counts = np.unique(y, return_counts=True)
    keep = np.isin(y, classes[counts >= N_FOLDS])
    X, y = X[keep], y[keep]
    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)
    return X, y, np.unique(y), folds


def _scores(estimator, X, y, classes):
    proba = estimator.predict_proba(X)
    if classes.size == 2:
        pr_auc = average_precision_score(y == classes[1], proba[:, 1])
    else:
        pr_auc = average_precision_score(
            label_binarize(y, classes=classes), proba, average="macro"
        )
    return pr_auc, balanced_accuracy_score(y, estimator.predict(X))


def cross_validate(paths):
    """Mean PR-AUC and balanced accuracy of each strategy on each dataset."""
    results = {}
    for path in paths:
        X, y, classes, folds = cv_data(path)
        minority_train = min(
            np.bincount(y[train]).min(initial=y.size, where=np.bincount(y[train]) > 0)
            for train, _ in folds.split(X, y)
        )
        log(f"  quality {path.stem}: {X.shape[0]}x{X.shape[1]}, {classes.size} cl.")
        scores = {}
        for name, strategy in strategies(minority_train).items():
            per_fold = []
            for train, test in folds.split(X, y):
                with quiet():
                    estimator = clone(strategy).fit(X[train], y[train])
                per_fold.append(_scores(estimator, X[test], y[test], classes))
            scores[name] = np.mean(per_fold, axis=0)
        results[path.stem] = scores
    return results


def mean_ranks(results, metric):
    """Mean rank of each strategy over the datasets (1 = best)."""
    names = list(next(iter(results.values())))
    ranks = [
        rankdata([-scores[name][metric] for name in names])
        for scores in results.values()
    ]
    return dict(zip(names, np.mean(ranks, axis=0), strict=True))


def quality_tables(results):
    names = list(next(iter(results.values())))
    tables = []
    for metric, title in ((0, "PR-AUC"), (1, "balanced accuracy")):
        header = ["dataset", *names]
        body = [
            [dataset] + [f"{scores[name][metric]:.3f}" for name in names]
            for dataset, scores in results.items()
        ]
        ranks = mean_ranks(results, metric)
        body.append(["**mean rank**"] + [f"**{ranks[name]:.2f}**" for name in names])
        tables.append((title, markdown_table(header, body)))
    return tables
