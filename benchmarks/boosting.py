"""Gradient boosting: FocalBoostingClassifier against the engines' own objectives.

Speed: the fit time of ``FocalBoostingClassifier`` with ``gamma=2`` and
``gamma=0`` over the same booster (``LGBMClassifier``, ``XGBClassifier``)
with its built-in log-loss objective, on a dense binary and a dense 5-class
workload, at one thread and at the engines' default threading. Where the
extra time goes: the objective (gradients and Hessians in NumPy, once per
round), the preparation (targets, class weights, init score) and the engine
(trees, and the custom-objective round trip through Python).

Memory: the peak resident memory a fit adds, in a fresh process per fit
(the engines allocate in C++, which ``tracemalloc`` does not see), relative
to the built-in objective's.

Quality: 5-fold stratified CV on the real datasets: PR-AUC and the Brier
score of ``predict_proba`` (raw) and of ``predict_posterior`` (recovered),
for plain, class-weighted and focal boosting and the linear strategies.
"""

import contextlib
import multiprocessing
import re
import tempfile
import time
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, label_binarize

from benchmarks._common import log, markdown_table, quiet, ratio, time_interleaved
from benchmarks.quality import read_for_cv
from imbweight import FocalBoostingClassifier, FocalLogisticRegression, posterior_proba

SIZES = {
    # kind: (n_samples, n_features), boosting rounds
    "full": {"binary": (1_000_000, 20), "5-class": (200_000, 50), "rounds": 200},
    "quick": {"binary": (100_000, 20), "5-class": (20_000, 50), "rounds": 50},
    "tiny": {"binary": (2_000, 5), "5-class": (1_500, 8), "rounds": 5},
}
ENGINES = ("LightGBM", "XGBoost")
VARIANTS = ("built-in", "focal gamma=0", "focal gamma=2")


@cache
def workload(kind, size):
    """``X, y`` of a workload: 5 % positives, or 80 / 5 / 5 / 5 / 5 %."""
    n_samples, n_features = SIZES[size][kind]
    weights = [0.95] if kind == "binary" else [0.8, 0.05, 0.05, 0.05, 0.05]
    return make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=min(10, n_features),
        n_redundant=0,
        n_classes=len(weights) + (kind == "binary"),
        weights=weights,
        random_state=5,
    )


def booster(engine, rounds, n_jobs):
    """The engine's scikit-learn classifier with its default settings."""
    if engine == "LightGBM":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(n_estimators=rounds, n_jobs=n_jobs, verbose=-1)
    from xgboost import XGBClassifier

    return XGBClassifier(n_estimators=rounds, n_jobs=n_jobs)


def estimator(engine, variant, rounds, n_jobs):
    """The built-in booster, or FocalBoostingClassifier around it."""
    plain = booster(engine, rounds, n_jobs)
    if variant == "built-in":
        return plain
    gamma = float(variant.rsplit("=", 1)[1])
    return FocalBoostingClassifier(plain, gamma=gamma)


# ------------------------------------------------------------------- speed
def fit_times(*, size, modes, repeats, engines=ENGINES):
    """Median fit times of the variants, and where the focal fit's time goes."""
    rounds = SIZES[size]["rounds"]
    rows = []
    for engine in engines:
        for kind in ("binary", "5-class"):
            X, y = workload(kind, size)
            for mode in modes:
                n_jobs = 1 if mode == "1" else None
                log(f"  boosting {engine} {kind} threads={mode}")
                functions = {
                    variant: _fitter(engine, variant, rounds, n_jobs, X, y)
                    for variant in VARIANTS
                }
                with quiet():
                    medians, _ = time_interleaved(functions, repeats=repeats, warmup=0)
                    parts = time_parts(
                        estimator(engine, VARIANTS[2], rounds, n_jobs), X, y
                    )
                rows.append(
                    {
                        "engine": engine,
                        "workload": f"{kind} {X.shape[0]}x{X.shape[1]}",
                        "threads": mode,
                        "seconds": medians,
                        "parts": parts,
                    }
                )
    return rows


def _fitter(engine, variant, rounds, n_jobs, X, y):
    """A function that fits a fresh ``estimator(...)`` on ``X, y``."""
    return lambda: estimator(engine, variant, rounds, n_jobs).fit(X, y)


def time_parts(focal, X, y):
    """Seconds of one fit in the objective, the preparation and the engine."""
    from imbweight.boosting import _classifier, _objective

    spent = {"objective": 0.0, "engine": 0.0}

    def timed(function, key):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started

        return wrapper

    engine = _classifier._engine(focal.estimator)
    gradient_hessian = _objective.FocalObjective.gradient_hessian
    fit = engine.fit
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        _objective.FocalObjective.gradient_hessian = timed(
            gradient_hessian, "objective"
        )
        engine.fit = staticmethod(timed(fit, "engine"))
        stack.callback(
            setattr, _objective.FocalObjective, "gradient_hessian", gradient_hessian
        )
        stack.callback(setattr, engine, "fit", staticmethod(fit))
        focal.fit(X, y)
    total = time.perf_counter() - started
    return {
        "total": total,
        "objective": spent["objective"],
        "preparation": total - spent["engine"],
        "engine": spent["engine"] - spent["objective"],
    }


def fit_table(rows):
    header = [
        "engine",
        "workload",
        "threads",
        "built-in (s)",
        "gamma=0 / built-in",
        "gamma=2 / built-in",
        "gamma=2: objective",
        "preparation",
        "engine",
    ]
    body = []
    for row in rows:
        seconds, parts = row["seconds"], row["parts"]
        builtin = seconds["built-in"]
        body.append(
            [
                row["engine"],
                row["workload"],
                row["threads"],
                f"{builtin:.1f}",
                ratio(seconds["focal gamma=0"] / builtin),
                ratio(seconds["focal gamma=2"] / builtin),
                *(
                    f"{parts[key]:.1f} s ({parts[key] / parts['total']:.0%})"
                    for key in ("objective", "preparation", "engine")
                ),
            ]
        )
    return markdown_table(header, body)


# ------------------------------------------------------------------ memory
def fit_memory(*, size, engines=ENGINES):
    """Peak resident memory each fit adds, in a fresh process per fit."""
    rounds = SIZES[size]["rounds"]
    log("  boosting memory")
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for kind in ("binary", "5-class"):
            X, y = workload(kind, size)
            paths[kind] = str(Path(folder) / f"{kind}.npz")
            np.savez(paths[kind], X=X, y=y)
        # One fresh interpreter that has never run OpenMP forks a process per
        # fit: forking is cheap, and safe before any OpenMP pool exists.
        peaks = _in_process("spawn", _peaks, paths, engines, rounds)
    rows = []
    for kind in ("binary", "5-class"):
        X, _ = workload(kind, size)
        for engine in engines:
            rows.append(
                {
                    "engine": engine,
                    "workload": f"{kind} {X.shape[0]}x{X.shape[1]}",
                    "X_MB": X.nbytes / 2**20,
                    "peaks": {v: peaks[kind, engine, v] for v in VARIANTS},
                }
            )
    return rows


def _peaks(paths, engines, rounds):
    """``{(kind, engine, variant): peak bytes}``, each fit in a forked process."""
    peaks = {}
    for kind, path in paths.items():
        for engine in engines:
            for variant in VARIANTS:
                peaks[kind, engine, variant] = _in_process(
                    "fork", _peak_of_fit, path, engine, variant, rounds
                )
    return peaks


def _in_process(method, function, *args):
    """``function(*args)`` in a new process started by ``method``."""
    context = multiprocessing.get_context(method)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(sender, function, *args))
    process.start()
    sender.close()
    result = receiver.recv()
    process.join()
    return result


def _send_result(sender, function, *args):
    sender.send(function(*args))
    sender.close()


def _kib(field):
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1))


def _peak_of_fit(path, engine, variant, rounds):
    """In a fresh process: the peak resident bytes that one fit adds.

    Linux's peak resident size (VmHWM) is reset (``clear_refs``) once the
    data is loaded, so the peak is that of the fit alone.
    """
    data = np.load(path)
    X, y = data["X"], data["y"]
    model = estimator(engine, variant, rounds, 1)
    before = _kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    with quiet():
        model.fit(X, y)
    return (_kib("VmHWM") - before) * 1024


def memory_table(rows):
    header = [
        "engine",
        "workload",
        "X (MiB)",
        "built-in peak (MiB)",
        "gamma=0 / built-in",
        "gamma=2 / built-in",
    ]
    body = []
    for row in rows:
        peaks = row["peaks"]
        builtin = peaks["built-in"]
        body.append(
            [
                row["engine"],
                row["workload"],
                f"{row['X_MB']:.0f}",
                f"{builtin / 2**20:.0f}",
                ratio(peaks["focal gamma=0"] / builtin),
                ratio(peaks["focal gamma=2"] / builtin),
            ]
        )
    return markdown_table(header, body)


# ----------------------------------------------------------------- quality
def quality_strategies(rounds=100):
    """Boosting (LightGBM defaults) and linear strategies, with posteriors."""
    from lightgbm import LGBMClassifier

    def lgbm():
        return LGBMClassifier(n_estimators=rounds, n_jobs=1, verbose=-1)

    def linear(**params):
        return make_pipeline(StandardScaler(), FocalLogisticRegression(**params))

    return {
        # gamma=0 without weights grows LGBMClassifier()'s trees.
        "LightGBM": FocalBoostingClassifier(lgbm(), gamma=0.0),
        # gamma=0 with "balanced" grows LGBMClassifier(class_weight="balanced")'s.
        "LightGBM balanced": FocalBoostingClassifier(
            lgbm(), gamma=0.0, class_weight="balanced"
        ),
        "focal LightGBM gamma=2": FocalBoostingClassifier(lgbm(), gamma=2.0),
        "focal LightGBM gamma=2 balanced": FocalBoostingClassifier(
            lgbm(), gamma=2.0, class_weight="balanced"
        ),
        "LR": linear(gamma=0.0, max_iter=1000),
        "LR balanced": linear(gamma=0.0, class_weight="balanced", max_iter=1000),
        "focal LR gamma=2 balanced": linear(
            gamma=2.0, class_weight="balanced", max_iter=1000
        ),
    }


def brier(proba, y, classes):
    """Brier score summed over classes (twice scikit-learn's binary score)."""
    onehot = label_binarize(y, classes=classes)
    if classes.size == 2:
        onehot = np.column_stack([1 - onehot[:, 0], onehot[:, 0]])
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def cross_validate(paths, rounds=100):
    """PR-AUC, raw and recovered Brier of each strategy on each dataset."""
    results = {}
    for path in paths:
        X, y, folds, _ = read_for_cv(path)
        classes = np.unique(y)
        log(f"  boosting quality {path.stem}: {X.shape[0]}x{X.shape[1]}")
        scores = {}
        for name, strategy in quality_strategies(rounds).items():
            per_fold = []
            for train, test in folds.split(X, y):
                with quiet():
                    model = clone(strategy).fit(X[train], y[train])
                    proba = model.predict_proba(X[test])
                    posterior = posterior_proba(model, X[test])
                if classes.size == 2:
                    pr_auc = average_precision_score(y[test] == classes[1], proba[:, 1])
                else:
                    pr_auc = average_precision_score(
                        label_binarize(y[test], classes=classes), proba, average="macro"
                    )
                per_fold.append(
                    (
                        pr_auc,
                        brier(proba, y[test], classes),
                        brier(posterior, y[test], classes),
                    )
                )
            scores[name] = np.mean(per_fold, axis=0)
        results[path.stem] = scores
    return results


def quality_tables(results):
    """One table per measure; the last row is the mean over datasets."""
    names = list(next(iter(results.values())))
    tables = []
    for index, title in enumerate(
        ("PR-AUC", "Brier of predict_proba", "Brier of predict_posterior")
    ):
        header = ["dataset", *names]
        body = [
            [dataset] + [f"{scores[name][index]:.3f}" for name in names]
            for dataset, scores in results.items()
        ]
        means = [np.mean([s[name][index] for s in results.values()]) for name in names]
        body.append(["**mean**"] + [f"**{value:.3f}**" for value in means])
        tables.append((title, markdown_table(header, body)))
    return tables
