"""The synthetic workloads: imbalanced, 5 % positives, fixed seeds.

==== ================== ===================== ===========================
key  kind               full size             what it stresses
==== ================== ===================== ===========================
a    dense binary       200 000 × 100         the X @ w / X.T @ g passes
b    dense binary       1 000 000 × 20        per-sample loss work
c    CSR binary         100 000 × 20 000      sparse products (50 nnz/row)
d    dense 5-class      100 000 × 50          the softmax loss
==== ================== ===================== ===========================

Each exists in float64 and float32 (``a32``, ...). ``quick`` and ``tiny``
sizes shrink the rows (and, for ``c``, the columns) for a fast run and for
the smoke test.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification

SIZES = {
    # key: (n_samples, n_features)
    "full": {"a": (200_000, 100), "b": (1_000_000, 20), "c": (100_000, 20_000),
             "d": (100_000, 50)},
    "quick": {"a": (20_000, 100), "b": (100_000, 20), "c": (20_000, 4_000),
              "d": (10_000, 50)},
    "tiny": {"a": (600, 10), "b": (800, 5), "c": (600, 300), "d": (700, 8)},
}  # fmt: skip

DESCRIPTIONS = {
    "a": "dense binary",
    "b": "dense binary",
    "c": "CSR binary",
    "d": "dense 5-class",
}

NNZ_PER_ROW = 50
POSITIVE_SHARE = 0.05


@dataclass
class Workload:
    """One benchmark data set."""

    key: str
    X: object
    y: np.ndarray

    @property
    def label(self):
        n, p = self.X.shape
        dtype = "f32" if self.X.dtype == np.float32 else "f64"
        return f"({self.key[0]}) {DESCRIPTIONS[self.key[0]]} {n}x{p} {dtype}"

    @property
    def nbytes(self):
        """Bytes of ``X`` (data, indices and indptr when sparse)."""
        if sp.issparse(self.X):
            return self.X.data.nbytes + self.X.indices.nbytes + self.X.indptr.nbytes
        return self.X.nbytes


def keys(names, dtypes=("float64", "float32")):
    """Workload keys: ``a`` for float64, ``a32`` for float32."""
    suffix = {"float64": "", "float32": "32"}
    return [name + suffix[dtype] for name in names for dtype in dtypes]


@cache
def get(key, size="full"):
    """The workload ``key`` (``"a"`` … ``"d"``, ``"32"`` appended for float32)."""
    name, dtype = key[0], np.float32 if key.endswith("32") else np.float64
    if dtype == np.float32:
        base = get(name, size)
        return Workload(key, base.X.astype(np.float32), base.y)
    n_samples, n_features = SIZES[size][name]
    if name == "c":
        X, y = _sparse_planted(n_samples, n_features, seed=3)
    elif name == "d":
        X, y = make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=min(10, n_features),
            n_redundant=0,
            n_classes=5,
            weights=[0.8, 0.05, 0.05, 0.05, 0.05],
            random_state=4,
        )
    else:
        X, y = make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=min(10, n_features),
            n_redundant=0,
            weights=[1 - POSITIVE_SHARE],
            random_state={"a": 1, "b": 2}[name],
        )
    return Workload(key, X, y)


def _sparse_planted(n_samples, n_features, seed):
    """CSR with about ``NNZ_PER_ROW`` standard-normal entries per row.

    The label is a planted linear signal: ``x · w + logistic noise``
    thresholded at its 95th percentile, with ``w`` non-zero on a tenth of
    the columns, so 5 % of the rows are positive and a linear model can
    find them.
    """
    rng = np.random.default_rng(seed)
    nnz = min(NNZ_PER_ROW, n_features)
    indices = rng.integers(0, n_features, size=n_samples * nnz, dtype=np.int32)
    data = rng.standard_normal(n_samples * nnz)
    indptr = np.arange(0, n_samples * nnz + 1, nnz, dtype=np.int32)
    X = sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))
    X.sum_duplicates()  # sorted indices; a rare repeated column is merged
    true_coef = rng.standard_normal(n_features) * (rng.random(n_features) < 0.1)
    score = X @ true_coef + rng.logistic(size=n_samples)
    y = (score > np.quantile(score, 1 - POSITIVE_SHARE)).astype(np.int64)
    return X, y
