"""imbweight.dask on a real distributed cluster: 2 worker processes on loopback.

The cluster is started once for the module and closed at its end. Every test
runs under a watchdog (``_cluster.hang_guard``): a hang fails the test with the
stacks of every thread instead of blocking CI.
"""

import contextlib
import copy
import re
import sys
import warnings

import numpy as np
import pytest
from _cluster import require
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.utils import check_random_state

import imbweight
from imbweight import ClassWeights, FocalLogisticRegression, WeightedSGDClassifier

dask = require("dask")
da = require("dask.array")
dd = require("dask.dataframe")
distributed = require("distributed")
imbdask = require("imbweight.dask")

pd = require("pandas")

pytestmark = pytest.mark.usefixtures("hang_guarded")


@pytest.fixture(params=["distributed", "local"])
def scheduler(request, client):
    """Run a test on the cluster, then with dask's synchronous local scheduler."""
    if request.param == "distributed":
        yield client
    else:
        with _local_scheduler("synchronous"):
            yield None


@contextlib.contextmanager
def _local_scheduler(name):
    """Compute with dask's local scheduler ``name`` while the client is live."""
    with warnings.catch_warnings(), dask.config.set(scheduler=name):
        # dask 2025.1 (not 2026.8) warns that a local scheduler is chosen
        # while a distributed client is live: here that is the point.
        warnings.filterwarnings(
            "ignore",
            message="Running on a single-machine scheduler when a distributed",
            category=UserWarning,
        )
        yield


# -------------------------------------------------------------------- data
def _imbalanced(n_samples=3000, n_features=6, n_classes=2, seed=0):
    """Data whose minority rows all sit at the end: most blocks have none."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    n_minority = n_samples // 20
    y = np.zeros(n_samples, dtype=np.int64)
    for label in range(1, n_classes):
        y[n_samples - label * n_minority : n_samples - (label - 1) * n_minority] = label
    X[y > 0] += 1.0
    weights = rng.uniform(0.2, 3.0, n_samples)
    return X, y, weights


def _local_loop(estimator, X, y, weights, blocks, classes, orders):
    """The reference: partial_fit by hand over the given row blocks and orders."""
    estimator = copy.deepcopy(estimator)
    bounds = np.cumsum((0, *blocks))
    for order in orders:
        for index in order:
            rows = slice(bounds[index], bounds[index + 1])
            if rows.start == rows.stop:
                continue
            kwargs = {} if weights is None else {"sample_weight": weights[rows]}
            estimator.partial_fit(X[rows], y[rows], classes=classes, **kwargs)
    return estimator


def _assert_same_fit(left, right):
    assert_array_equal(left.coef_, right.coef_)
    assert_array_equal(left.intercept_, right.intercept_)
    assert left.n_iter_ == right.n_iter_
    assert left.t_ == right.t_
    assert left.loss_curve_ == right.loss_curve_


# ------------------------------------------------- grid search on the cluster
@pytest.mark.parametrize(
    "estimator",
    [
        FocalLogisticRegression(
            class_weight=ClassWeights("effective_number"), max_iter=500
        ),
        WeightedSGDClassifier(
            class_weight=ClassWeights("effective_number"),
            max_iter=20,
            tol=None,
            random_state=0,
        ),
    ],
    ids=["FocalLogisticRegression", "WeightedSGDClassifier"],
)
def test_grid_search_under_dask_backend_matches_serial(client, estimator):
    joblib = pytest.importorskip("joblib")
    X, y, _ = _imbalanced(n_samples=600, seed=1)
    grid = {
        "gamma": [0.0, 2.0],
        "alpha": [None, 0.25],
        "class_weight__beta": [0.9, 0.999],
    }
    search = GridSearchCV(estimator, grid, cv=3, scoring="average_precision")
    serial = copy.deepcopy(search).set_params(n_jobs=1).fit(X, y)
    with (
        joblib.parallel_config(backend="dask"),
        distributed.get_task_stream(client) as stream,
    ):
        parallel = copy.deepcopy(search).set_params(n_jobs=-1).fit(X, y)

    for name, scores in serial.cv_results_.items():
        if name.endswith("test_score"):
            assert_array_equal(parallel.cv_results_[name], scores, err_msg=name)
    assert parallel.best_params_ == serial.best_params_

    # Which worker ran which batch of fits, as the scheduler recorded it:
    # joblib names each task "..._fit_and_score_<n>_calls-<id>".
    fits_per_worker = {}
    for task in stream.data:
        match = re.search(r"_fit_and_score_(\d+)_calls", str(task["key"]))
        if match:
            worker = task["worker"]
            fits_per_worker[worker] = fits_per_worker.get(worker, 0) + int(
                match.group(1)
            )
    assert set(fits_per_worker) == set(client.scheduler_info()["workers"])
    assert sum(fits_per_worker.values()) == 3 * 8  # folds x candidates


# -------------------------------------------------------------- stream_fit
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_stream_fit_equals_local_partial_fit_loop(scheduler, n_classes, weighted):
    X, y, weights = _imbalanced(n_classes=n_classes)
    weights = weights if weighted else None
    # Irregular row blocks, X chunked along columns too, y and the weights
    # chunked differently from X; all are cut along the row blocks of X.
    row_blocks = (700, 500, 900, 400, 500)
    X_dask = da.from_array(X, chunks=(row_blocks, 4))
    y_dask = da.from_array(y, chunks=1000)
    w_dask = None if weights is None else da.from_array(weights, chunks=333)
    estimator = WeightedSGDClassifier(
        class_weight={0: 1.0, 1: 5.0}, batch_size=64, random_state=0
    )
    classes = np.arange(n_classes)
    fitted = imbdask.stream_fit(
        estimator, X_dask, y_dask, classes=classes, sample_weight=w_dask, n_epochs=2
    )
    expected = _local_loop(
        estimator, X, y, weights, row_blocks, classes, [range(5), range(5)]
    )
    # The first blocks hold no minority row at all.
    assert not np.any(y[: sum(row_blocks[:3])] > 0)
    _assert_same_fit(fitted, expected)
    assert not hasattr(estimator, "coef_")  # the argument is left untouched


def test_stream_fit_shuffles_blocks_reproducibly(scheduler):
    X, y, weights = _imbalanced()
    row_blocks = (600,) * 5
    X_dask = da.from_array(X, chunks=(600, 6))
    estimator = WeightedSGDClassifier(shuffle=False, random_state=0)
    fit = dict(classes=[0, 1], sample_weight=weights, n_epochs=3, random_state=7)
    fitted = imbdask.stream_fit(estimator, X_dask, y, shuffle_blocks=True, **fit)
    again = imbdask.stream_fit(estimator, X_dask, y, shuffle_blocks=True, **fit)
    in_order = imbdask.stream_fit(estimator, X_dask, y, **fit)

    rng = check_random_state(7)
    orders = [rng.permutation(5) for _ in range(3)]
    expected = _local_loop(estimator, X, y, weights, row_blocks, [0, 1], orders)
    _assert_same_fit(fitted, expected)
    _assert_same_fit(again, expected)
    assert not np.array_equal(in_order.coef_, fitted.coef_)


def test_stream_fit_continues_a_fitted_estimator_and_skips_empty_blocks(scheduler):
    X, y, weights = _imbalanced()
    row_blocks = (1000, 0, 1000, 0, 1000)
    X_dask = da.from_array(X, chunks=(1500, 6)).rechunk({0: row_blocks})
    estimator = WeightedSGDClassifier(random_state=0)
    estimator.partial_fit(X[:100], y[:100], classes=[0, 1])
    fitted = imbdask.stream_fit(estimator, X_dask, y, sample_weight=weights)
    expected = _local_loop(estimator, X, y, weights, row_blocks, None, [range(5)])
    _assert_same_fit(fitted, expected)
    assert fitted.n_iter_ == 1 + 3


def test_stream_fit_on_a_dask_dataframe(scheduler):
    X, y, weights = _imbalanced(n_classes=3)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame["target"], frame["weight"] = y, weights
    data = dd.from_pandas(frame, npartitions=4)
    features = data.drop(columns=["target", "weight"])
    estimator = WeightedSGDClassifier(random_state=0)
    fitted = imbdask.stream_fit(
        estimator, features, data["target"], sample_weight=data["weight"]
    )
    sizes = [len(part) for part in data.partitions]  # test-side only
    expected = _local_loop(
        estimator,
        frame.drop(columns=["target", "weight"]),
        y,
        weights,
        sizes,
        np.arange(3),
        [range(4)],
    )
    _assert_same_fit(fitted, expected)
    assert list(fitted.feature_names_in_) == list(features.columns)
    proba = imbdask.predict_proba(fitted, features)
    assert_allclose(proba.compute(), fitted.predict_proba(frame[features.columns]))


def test_stream_fit_resolves_class_weight_strategy_from_all_labels(scheduler):
    X, y, weights = _imbalanced(n_classes=3)
    strategy = ClassWeights("effective_number", beta=0.999, clip=50)
    estimator = WeightedSGDClassifier(class_weight=strategy, random_state=0)
    X_dask = da.from_array(X, chunks=(750, 6))
    y_dask = da.from_array(y, chunks=750)
    # Integer weights: the counts are sums of integers, exact in any order.
    integer_weights = np.round(weights * 3)
    fitted = imbdask.stream_fit(
        estimator, X_dask, y_dask, sample_weight=integer_weights
    )
    expected = imbweight.compute_class_weight(
        y, sample_weight=integer_weights, **strategy.get_params()
    )
    assert fitted.class_weight == expected
    assert fitted.class_weight_ == expected
    assert_array_equal(fitted.classes_, [0, 1, 2])
    assert estimator.class_weight is strategy  # the argument is left untouched
    resolved = copy.deepcopy(estimator).set_params(class_weight=expected)
    loop = _local_loop(
        resolved, X, y, integer_weights, (750,) * 4, [0, 1, 2], [range(4)]
    )
    _assert_same_fit(fitted, loop)


def test_stream_fit_multilabel_balanced(scheduler):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((1200, 4))
    Y = np.column_stack([X[:, 0] > 1.2, X[:, 1] > 0.0, X[:, 2] > 1.8]).astype(int)
    estimator = WeightedSGDClassifier(class_weight="balanced", random_state=0)
    fitted = imbdask.stream_fit(
        estimator, da.from_array(X, chunks=400), da.from_array(Y, chunks=(300, 2))
    )
    expected = [
        imbweight.compute_class_weight(Y[:, label], "balanced") for label in range(3)
    ]
    assert fitted.class_weight == expected
    assert_array_equal(fitted.classes_, [0, 1, 2])
    assert imbdask.predict(fitted, da.from_array(X, chunks=400)).shape == (1200, 3)


# ------------------------------------------------------------ class weights
STRATEGIES = [
    {"strategy": "balanced"},
    {"strategy": "inverse", "normalize": "classes"},
    {"strategy": "sqrt_inverse", "normalize": None},
    {"strategy": "power", "power": 0.7, "clip": 3.0},
    {"strategy": "effective_number", "beta": 0.99},
    {"strategy": "effective_number", "beta": 0.9999, "clip": 10.0},
]


@pytest.mark.parametrize(
    "params", STRATEGIES, ids=lambda p: "-".join(map(str, p.values()))
)
def test_class_weights_from_dask_equal_numpy(client, params):
    rng = np.random.default_rng(5)
    y = rng.choice(np.array(["a", "b", "c"]), size=5000, p=[0.9, 0.08, 0.02])
    y_dask = da.from_array(y, chunks=700)
    assert imbdask.compute_class_weight(
        y_dask, **params
    ) == imbweight.compute_class_weight(y, **params)
    integer = rng.integers(0, 5, size=y.size).astype(float)
    assert imbdask.compute_class_weight(
        y_dask, sample_weight=da.from_array(integer, chunks=900), **params
    ) == imbweight.compute_class_weight(y, sample_weight=integer, **params)
    floats = rng.uniform(0.1, 2.0, size=y.size)
    dask_weights = imbdask.compute_class_weight(y_dask, sample_weight=floats, **params)
    numpy_weights = imbweight.compute_class_weight(y, sample_weight=floats, **params)
    assert dask_weights.keys() == numpy_weights.keys()
    assert_allclose(
        list(dask_weights.values()), list(numpy_weights.values()), rtol=1e-12
    )


def test_class_weights_of_a_multilabel_dask_series_and_errors(client):
    rng = np.random.default_rng(6)
    Y = (rng.uniform(size=(3000, 3)) < [0.5, 0.05, 0.0]).astype(int)
    Y_dask = da.from_array(Y, chunks=(500, 2))
    for strategy in ("inverse", "effective_number"):
        assert imbdask.compute_class_weight(
            Y_dask, strategy
        ) == imbweight.compute_class_weight(Y, strategy)
    labels = dd.from_pandas(pd.Series(Y[:, 1]), npartitions=3)
    assert imbdask.compute_class_weight(labels) == imbweight.compute_class_weight(
        Y[:, 1]
    )
    zero = np.ones(Y.shape[0])
    zero[Y[:, 1] == 1] = 0
    with pytest.raises(ValueError, match=r"classes \[1\] have total sample_weight 0"):
        imbdask.compute_class_weight(
            da.from_array(Y[:, 1], chunks=500), sample_weight=zero
        )
    with pytest.raises(ValueError, match="Negative values"):
        imbdask.compute_class_weight(Y_dask[:, 0], sample_weight=-zero)
    with pytest.raises(ValueError, match="0/1 indicator"):
        imbdask.compute_class_weight(Y_dask * 2)
    with pytest.raises(ValueError, match="'strategy' parameter"):
        imbdask.compute_class_weight(Y_dask, "nope")


# -------------------------------------------------------------- prediction
@pytest.mark.parametrize("n_classes", [2, 3])
def test_blockwise_predictions_equal_in_memory(client, n_classes):
    X, y, _ = _imbalanced(n_samples=1000, n_classes=n_classes)
    clf = FocalLogisticRegression(class_weight="balanced").fit(X, y)
    X_dask = da.from_array(X, chunks=(300, 4))
    for method in (
        "predict",
        "predict_proba",
        "decision_function",
        "predict_posterior",
    ):
        result = getattr(imbdask, method)(clf, X_dask)
        expected = getattr(clf, method)(X)
        assert isinstance(result, da.Array)
        assert result.shape == expected.shape and result.dtype == expected.dtype
        assert result.chunks[0] == X_dask.chunks[0]
        assert_allclose(result.compute(), expected, rtol=1e-12, err_msg=method)


# ----------------------------------------------------------------- errors
class _Unpicklable(WeightedSGDClassifier):
    """Copies in memory, refuses to be pickled (as an estimator holding a lock)."""

    def __reduce_ex__(self, protocol):
        raise TypeError("this estimator holds a lock")

    def __deepcopy__(self, memo):
        twin = type(self)(**self.get_params())
        twin.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return twin


def test_unpicklable_estimator_fails_fast_on_the_cluster(client):
    X, y, _ = _imbalanced(n_samples=600)
    X_dask = da.from_array(X, chunks=200)
    with pytest.raises(TypeError, match="cannot be pickled"):
        imbdask.stream_fit(_Unpicklable(), X_dask, y, classes=[0, 1])
    with _local_scheduler("threads"):  # trains in this process instead
        fitted = imbdask.stream_fit(_Unpicklable(), X_dask, y, classes=[0, 1])
    assert fitted.coef_.shape == (1, 6)


def test_a_failing_block_raises_its_error(scheduler):
    X, y, _ = _imbalanced(n_samples=600)
    y = y.copy()
    y[-1] = 7  # a label outside classes, in the last block
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        imbdask.stream_fit(
            WeightedSGDClassifier(), da.from_array(X, chunks=100), y, classes=[0, 1]
        )


def test_zero_rows_and_zero_weight_blocks(scheduler):
    X, y, _ = _imbalanced(n_samples=600)
    X_dask = da.from_array(X, chunks=100)
    with pytest.raises(ValueError, match="X has no rows"):
        imbdask.stream_fit(WeightedSGDClassifier(), X_dask[:0], y[:0], classes=[0, 1])
    # A DataFrame filtered to nothing: block lengths unknown until computed.
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    empty = frame[frame[0] > 1e9]
    labels = dd.from_pandas(pd.Series(y), npartitions=3)[frame[0] > 1e9]
    with pytest.raises(ValueError, match="X has no rows"):
        imbdask.stream_fit(WeightedSGDClassifier(), empty, labels, classes=[0, 1])
    # Blocks whose weights are all zero teach nothing, and stop nothing.
    weights = np.ones(600)
    weights[:200] = 0.0
    streamed = imbdask.stream_fit(
        WeightedSGDClassifier(random_state=0),
        X_dask,
        y,
        classes=[0, 1],
        sample_weight=da.from_array(weights, chunks=100),
    )
    by_hand = WeightedSGDClassifier(random_state=0)
    for start in range(0, 600, 100):
        rows = slice(start, start + 100)
        by_hand.partial_fit(
            X[rows], y[rows], classes=[0, 1], sample_weight=weights[rows]
        )
    assert by_hand.n_iter_ == 4  # the two blocks that weigh nothing are no epoch
    np.testing.assert_allclose(streamed.coef_, by_hand.coef_, rtol=1e-12)


def test_bad_arguments():
    X, y, _ = _imbalanced(n_samples=600)
    X_dask = da.from_array(X, chunks=200)
    with pytest.raises(TypeError, match="X must be a dask Array or DataFrame"):
        imbdask.stream_fit(WeightedSGDClassifier(), X, y)
    with pytest.raises(ValueError, match="y has 599 rows but X has 600"):
        imbdask.stream_fit(WeightedSGDClassifier(), X_dask, y[:-1])
    with pytest.raises(ValueError, match="n_epochs"):
        imbdask.stream_fit(WeightedSGDClassifier(), X_dask, y, n_epochs=0)
    with pytest.raises(TypeError, match="never holds in memory"):
        imbdask.stream_fit(
            WeightedSGDClassifier(class_weight=lambda y: {0: 1, 1: 2}), X_dask, y
        )
    fitted = WeightedSGDClassifier(class_weight="balanced", max_iter=2, tol=None)
    fitted.fit(X, y)
    with pytest.raises(ValueError, match="already fitted"):
        imbdask.stream_fit(fitted, X_dask, y)
    with pytest.raises(ValueError, match="unknown lengths"):
        imbdask.stream_fit(WeightedSGDClassifier(), X_dask[X_dask[:, 0] > 0], y)
    with pytest.raises(TypeError, match="X must be a dask Array"):
        imbdask.predict(fitted, X)


def test_core_package_does_not_import_dask():
    code = (
        "import sys, imbweight, imbweight.datasets, imbweight.metrics; "
        "assert 'dask' not in sys.modules, sorted(sys.modules)"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True, timeout=600)
