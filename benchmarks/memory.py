"""Peak memory of a fit, relative to the size of X.

Measured with :mod:`tracemalloc`, which sees every allocation made through
Python's allocator, NumPy's array buffers included (NumPy reports them to
tracemalloc), but not memory that C libraries allocate themselves (OpenBLAS
work buffers, a Cython ``malloc``). The number is the peak of traced memory
during ``fit`` minus what was traced before it: a copy of ``X`` shows as 1.0
(2.0 for a float32 ``X`` converted to float64).
"""

import tracemalloc

from benchmarks import workloads
from benchmarks._common import markdown_table, quiet
from benchmarks.speed import (
    imbweight_lbfgs,
    imbweight_sgd,
    sklearn_lbfgs,
    sklearn_sgd,
)

ESTIMATORS = {
    "LogisticRegression": sklearn_lbfgs,
    "FocalLogisticRegression gamma=0": lambda: imbweight_lbfgs(0.0),
    "FocalLogisticRegression gamma=2": lambda: imbweight_lbfgs(2.0),
    "SGDClassifier": sklearn_sgd,
    "WeightedSGDClassifier": imbweight_sgd,
}


def peak_increment(function):
    """Peak traced bytes allocated while ``function()`` runs."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        function()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def fit_memory(keys, *, size):
    rows = []
    for key in keys:
        workload = workloads.get(key, size)
        row = {"workload": workload.label, "X_MB": workload.nbytes / 2**20}
        for name, make in ESTIMATORS.items():
            with quiet():
                make().fit(workload.X, workload.y)  # warm-up: lazy imports
                peak = peak_increment(
                    lambda make=make, X=workload.X, y=workload.y: make().fit(X, y)
                )
                row[name] = peak / workload.nbytes
        rows.append(row)
    return rows


def memory_table(rows):
    header = ["workload", "X (MiB)"] + [f"{name} peak / X" for name in ESTIMATORS]
    body = [
        [row["workload"], f"{row['X_MB']:.0f}"]
        + [f"{row[name]:.3f}" for name in ESTIMATORS]
        for row in rows
    ]
    return markdown_table(header, body)
