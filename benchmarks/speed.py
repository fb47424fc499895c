"""Speed against scikit-learn: L-BFGS fits, objective evaluations, SGD epochs.

Adapters: each library's estimator is built by one small function below with
the settings both share (``C``, ``tol``, ``max_iter``, balanced class
weights), so a comparison differs only in the library.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.utils.class_weight import compute_sample_weight

from benchmarks import workloads
from benchmarks._common import (
    load_average,
    log,
    markdown_table,
    quiet,
    ratio,
    read_seconds,
    thread_mode,
    time_interleaved,
)
from imbweight import FocalLogisticRegression, WeightedSGDClassifier
from imbweight._compat import HalfBinomialLoss, HalfMultinomialLoss, LinearModelLoss
from imbweight._fit_problem import build_fit_problem
from imbweight._solvers import blas_thread_limit

C, TOL, MAX_ITER = 1.0, 1e-4, 100
SGD_EPOCHS = 3


# ------------------------------------------------------------------ adapters
def sklearn_lbfgs():
    return LogisticRegression(
        C=C, tol=TOL, max_iter=MAX_ITER, class_weight="balanced", solver="lbfgs"
    )


def imbweight_lbfgs(gamma):
    return FocalLogisticRegression(
        gamma=gamma, C=C, tol=TOL, max_iter=MAX_ITER, class_weight="balanced"
    )


def sklearn_sgd():
    return SGDClassifier(
        loss="log_loss",
        class_weight="balanced",
        max_iter=SGD_EPOCHS,
        tol=None,
        random_state=0,
    )


def imbweight_sgd():
    return WeightedSGDClassifier(
        class_weight="balanced", max_iter=SGD_EPOCHS, tol=None, random_state=0
    )


def _fit(make, workload):
    def run():
        with quiet():
            return make().fit(workload.X, workload.y)

    return run


# ---------------------------------------------------------------- L-BFGS fits
def fit_times(keys, *, size, modes, repeats):
    """Fit time of FocalLogisticRegression (γ = 0, 2) over LogisticRegression."""
    rows = []
    for key in keys:
        workload = workloads.get(key, size)
        for mode in modes:
            log(f"  fit {workload.label}, threads {mode}")
            with thread_mode(mode):
                medians, fitted = time_interleaved(
                    {
                        "sklearn": _fit(sklearn_lbfgs, workload),
                        "gamma0": _fit(lambda: imbweight_lbfgs(0.0), workload),
                        "gamma2": _fit(lambda: imbweight_lbfgs(2.0), workload),
                    },
                    repeats=repeats,
                )
            reference, ours = fitted["sklearn"], fitted["gamma0"]
            coef_ref = np.hstack([reference.coef_, reference.intercept_[:, None]])
            coef_ours = np.hstack([ours.coef_, ours.intercept_[:, None]])
            agreement = np.max(np.abs(coef_ours - coef_ref)) / np.max(np.abs(coef_ref))
            rows.append(
                {
                    "workload": workload.label,
                    "threads": mode,
                    "sklearn_s": medians["sklearn"],
                    "gamma0_ratio": medians["gamma0"] / medians["sklearn"],
                    "gamma2_ratio": medians["gamma2"] / medians["sklearn"],
                    "coef_rel_diff": agreement,
                    "n_iter": (
                        int(np.max(reference.n_iter_)),
                        int(ours.n_iter_[0]),
                        int(fitted["gamma2"].n_iter_[0]),
                    ),
                }
            )
    return rows


def fit_table(rows):
    header = [
        "workload",
        "threads",
        "LogisticRegression (s)",
        "gamma=0 / LR",
        "gamma=2 / LR",
        "gamma=0 coef rel. diff",
        "iterations LR / gamma=0 / gamma=2",
    ]
    body = [
        [
            row["workload"],
            row["threads"],
            f"{row['sklearn_s']:.3f}",
            ratio(row["gamma0_ratio"]),
            ratio(row["gamma2_ratio"]),
            f"{row['coef_rel_diff']:.1e}",
            " / ".join(map(str, row["n_iter"])),
        ]
        for row in rows
    ]
    return markdown_table(header, body)


# ---------------------------------------------------------- objective evaluation
def _sklearn_objective(workload, weights):
    n_classes = np.unique(workload.y).size
    base = (
        HalfBinomialLoss()
        if n_classes == 2
        else HalfMultinomialLoss(n_classes=n_classes)
    )
    loss = LinearModelLoss(base_loss=base, fit_intercept=True)
    n_features = workload.X.shape[1]
    n_coef = (n_classes if n_classes > 2 else 1) * (n_features + 1)
    coef = np.random.default_rng(0).normal(scale=0.01, size=n_coef)
    # LogisticRegression(solver="lbfgs") converts float32 X to float64 before
    # it evaluates its objective; time what it would evaluate.
    X = workload.X.astype(np.float64, copy=False)
    target = workload.y.astype(np.float64)

    def evaluate():
        return loss.loss_gradient(coef, X, target, weights, 1e-5)

    return evaluate


def _imbweight_objective(workload):
    problem = build_fit_problem(imbweight_lbfgs(0.0), workload.X, workload.y, None)
    objective = problem.objective
    coef = objective.init_zero_coef(problem.n_features_in)
    coef[:] = np.random.default_rng(0).normal(scale=0.01, size=coef.size)

    def evaluate():
        # Under the thread policy of imbweight's solvers, as in a fit.
        with blas_thread_limit():
            return objective.loss_gradient(
                coef, problem.X, problem.target, problem.sample_weight, 1e-5
            )

    return evaluate


def _arrays(X):
    """The arrays holding ``X``: itself, or the three of a sparse ``X``."""
    if sp.issparse(X):
        return [X.data, X.indices, X.indptr]
    return [X]


def objective_times(keys, *, size, modes, repeats):
    """Time of one value-and-gradient evaluation, and of one read of ``X``.

    The read is timed on ``X``'s own arrays just before the evaluations, so
    both see the same machine state, and each is the best of its runs (the
    least disturbed by other processes); the load average is taken after
    them.
    """
    rows = []
    for key in keys:
        workload = workloads.get(key, size)
        weights = compute_sample_weight("balanced", workload.y)
        for mode in modes:
            log(f"  objective {workload.label}, threads {mode}")
            one_read = read_seconds(_arrays(workload.X))
            with thread_mode(mode):
                best, _ = time_interleaved(
                    {
                        "sklearn": _sklearn_objective(workload, weights),
                        "imbweight": _imbweight_objective(workload),
                    },
                    repeats=max(repeats, 9),
                    statistic=min,
                )
            rows.append(
                {
                    "workload": workload.label,
                    "threads": mode,
                    "imbweight_ms": 1e3 * best["imbweight"],
                    "sklearn_ms": 1e3 * best["sklearn"],
                    "read_ms": 1e3 * one_read,
                    "read_gbps": workload.nbytes / one_read / 1e9,
                    "load": load_average(),
                }
            )
    return rows


def objective_table(rows):
    header = [
        "workload",
        "threads",
        "imbweight (ms)",
        "sklearn (ms)",
        "read X once (ms, GB/s)",
        "imbweight / sklearn",
        "imbweight / read X once",
        "load",
    ]
    body = [
        [
            row["workload"],
            row["threads"],
            f"{row['imbweight_ms']:.2f}",
            f"{row['sklearn_ms']:.2f}",
            f"{row['read_ms']:.2f} ({row['read_gbps']:.1f})",
            ratio(row["imbweight_ms"] / row["sklearn_ms"]),
            ratio(row["imbweight_ms"] / row["read_ms"]),
            f"{row['load']:.1f}",
        ]
        for row in rows
    ]
    return markdown_table(header, body)


# ------------------------------------------------------------ SGD throughput
def sgd_throughput(keys, *, size, modes, repeats):
    """Samples per second per epoch, WeightedSGDClassifier / SGDClassifier."""
    rows = []
    for key in keys:
        workload = workloads.get(key, size)
        n_samples = workload.X.shape[0]
        for mode in modes:
            log(f"  SGD {workload.label}, threads {mode}")
            with thread_mode(mode):
                medians, fitted = time_interleaved(
                    {
                        "sklearn": _fit(sklearn_sgd, workload),
                        "imbweight": _fit(imbweight_sgd, workload),
                    },
                    repeats=repeats,
                )
            epochs = {
                name: int(np.max(estimator.n_iter_))
                for name, estimator in fitted.items()
            }
            rate = {name: n_samples * epochs[name] / medians[name] for name in medians}
            rows.append(
                {
                    "workload": workload.label,
                    "threads": mode,
                    "sklearn_rate": rate["sklearn"],
                    "imbweight_rate": rate["imbweight"],
                    "sparse": sp.issparse(workload.X),
                }
            )
    return rows


def sgd_table(rows):
    header = [
        "workload",
        "threads",
        "SGDClassifier (samples/s)",
        "WeightedSGDClassifier (samples/s)",
        "imbweight / sklearn",
    ]
    body = [
        [
            row["workload"],
            row["threads"],
            f"{row['sklearn_rate']:.3g}",
            f"{row['imbweight_rate']:.3g}",
            ratio(row["imbweight_rate"] / row["sklearn_rate"]),
        ]
        for row in rows
    ]
    return markdown_table(header, body)
