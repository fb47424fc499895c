"""imbweight.dask.fit_boosting on a real distributed cluster (2 worker processes).

The engines' distributed training depends on how the rows are spread over
the workers (XGBoost's quantile sketch, LightGBM's bins, found by each worker
from its own rows). The data here is chosen so that neither does: every
feature takes 16 integer values, all present on both workers, so the bins
are the distinct values wherever the rows are. Small trees (LightGBM
``num_leaves=7``) keep splits of a handful of rows, where LightGBM's
data-parallel learner parts from its serial one, out of the comparison. The
data is persisted once, so every training on the cluster sees the same
placement of the blocks.
"""

import numpy as np
import pytest
from _cluster import require
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from imbweight import ClassWeights, FocalBoostingClassifier, WeightedSGDClassifier

da = require("dask.array")
dask = require("dask")
distributed = require("distributed")
imbdask = require("imbweight.dask")

N_ROWS, N_FEATURES, BLOCK_ROWS = 4000, 5, 1000

# The smallest float32 step at raw score s is np.spacing(float32(s)). Both
# engines keep gradients, Hessians and histograms in float32 (XGBoost its
# margins too) and sum the workers' histograms in another order than a
# single process does: where the splits are the same, raw scores may differ
# by a few of these steps. Four allow for the sums of up to 10 trees'
# leaves, each rounded once, being of either sign.
FLOAT32_STEPS = 4


pytestmark = pytest.mark.usefixtures("hang_guarded")


def _numpy_data(n_classes, seed=0):
    """Integer features (16 values each), an imbalanced target, row weights."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 16, size=(N_ROWS, N_FEATURES)).astype(np.float64)
    score = X[:, 0] / 4 + X[:, 1] / 8 + rng.normal(size=N_ROWS)
    # About 10 % of the rows in the last class, the rest split evenly.
    cuts = np.quantile(score, np.linspace(0, 0.9, n_classes)[1:])
    y = np.searchsorted(cuts, score)
    sample_weight = rng.uniform(0.5, 2.0, size=N_ROWS)
    return X, y, sample_weight


@pytest.fixture(scope="module", params=[2, 3], ids=["binary", "multiclass"])
def data(request, client):
    """(in memory, on the cluster): X, y, sample_weight of a target."""
    local = _numpy_data(request.param)
    chunks = [(BLOCK_ROWS, N_FEATURES), BLOCK_ROWS, BLOCK_ROWS]
    on_cluster = [
        da.from_array(array, chunks=chunk)
        for array, chunk in zip(local, chunks, strict=True)
    ]
    on_cluster = client.persist(on_cluster)
    distributed.wait(on_cluster)
    return local, on_cluster


def _xgboost():
    xgb = require("xgboost")
    return xgb.XGBClassifier(
        n_estimators=10, max_depth=3, tree_method="hist", nthread=1
    )


def _lightgbm():
    lgb = require("lightgbm")
    return lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1)


ENGINES = {"xgboost": _xgboost, "lightgbm": _lightgbm}


def _builtin_raw(engine, booster, client, X, y, sample_weight, X_local):
    """Raw scores on ``X_local`` of the engine's built-in log-loss on the cluster."""
    params = booster.get_params()
    if engine == "xgboost":
        from xgboost import DMatrix
        from xgboost.dask import DaskXGBClassifier

        model = DaskXGBClassifier(**params)
        model.client = client
        model.fit(X, y, sample_weight=sample_weight, verbose=False)
        return model.get_booster().predict(DMatrix(X_local), output_margin=True)
    from lightgbm.dask import DaskLGBMClassifier

    with pytest.warns(UserWarning, match="n_jobs will be ignored"):
        model = DaskLGBMClassifier(client=client, **params).fit(
            X, y, sample_weight=sample_weight
        )
    return model.to_local().predict(X_local, raw_score=True)


def _local_builtin_raw(engine, booster, X, y, sample_weight):
    model = clone(booster).fit(X, y, sample_weight=sample_weight)
    if engine == "xgboost":
        return model.predict(X, output_margin=True)
    return model.predict(X, raw_score=True)


def _centred(raw):
    """Softmax scores less their row mean: they are defined up to a shift.

    XGBoost's built-in multiclass objective starts every class from the same
    base score, ours from the log-priors; the trees are the same.
    """
    return raw - raw.mean(axis=1, keepdims=True) if raw.ndim == 2 else raw


def _float32_tolerance(raw):
    return FLOAT32_STEPS * float(np.spacing(np.float32(np.max(np.abs(raw)))))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("engine", ENGINES)
def test_gamma_zero_equals_builtin_on_the_cluster(client, data, engine, weighted):
    (X_local, _, _), (X, y, sample_weight) = data
    sample_weight = sample_weight if weighted else None
    booster = ENGINES[engine]()
    ours = imbdask.fit_boosting(
        FocalBoostingClassifier(booster, gamma=0.0),
        X,
        y,
        sample_weight=sample_weight,
    )
    builtin = _builtin_raw(engine, booster, client, X, y, sample_weight, X_local)
    # Same trees from the same gradients: the built-in starts from its own
    # estimate of the log-odds (XGBoost's in float32), ours from the exact
    # one, and XGBoost's built-in sigmoid is float32 arithmetic.
    assert_allclose(
        _centred(ours.decision_function(X_local)),
        _centred(builtin),
        rtol=0,
        atol=1e-5,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_focal_on_the_cluster_equals_local_as_the_builtin_does(client, data, engine):
    (X_local, y_local, w_local), (X, y, sample_weight) = data
    booster = ENGINES[engine]()
    # The engine's own agreement: its built-in log-loss, distributed vs local.
    builtin_gap = np.max(
        np.abs(
            _centred(
                _builtin_raw(engine, booster, client, X, y, sample_weight, X_local)
            )
            - _centred(_local_builtin_raw(engine, booster, X_local, y_local, w_local))
        )
    )
    n_classes = np.unique(y_local).size
    alpha = 0.25 if n_classes == 2 else [0.2, 0.3, 0.5]
    focal = FocalBoostingClassifier(
        booster, gamma=2.0, alpha=alpha, class_weight="balanced"
    )
    distributed_model = imbdask.fit_boosting(focal, X, y, sample_weight=sample_weight)
    local_model = focal.fit(X_local, y_local, sample_weight=w_local)
    ours = _centred(distributed_model.decision_function(X_local))
    expected = _centred(local_model.decision_function(X_local))
    # Held to the built-in's gap, plus the float32 round-off of the sums
    # (see FLOAT32_STEPS) in case both happen to be the same splits.
    tolerance = builtin_gap + _float32_tolerance(expected)
    assert np.max(np.abs(ours - expected)) <= tolerance
    assert_array_equal(distributed_model.classes_, local_model.classes_)

    # Block-wise posteriors on the cluster: those of the model in memory.
    posterior = imbdask.predict_posterior(distributed_model, X)
    assert posterior.chunks[0] == X.chunks[0]
    assert_allclose(
        posterior.compute(),
        distributed_model.predict_posterior(X_local),
        rtol=1e-12,
        atol=1e-15,
    )


# The local fit rounds each row weight (sample weight × class weight) to
# float32 before summing it into the class totals; the cluster sums the
# float64 weights. Each total then differs by at most one float32 rounding,
# 2**-24 relative; the init score is at most as sensitive to the log of a
# total as the γ = 0 one, log(A_k / ΣA), that is 1 per total, 2 in all.
INIT_SCORE_ATOL = 2 * 2.0**-24


@pytest.mark.parametrize(
    "class_weight, weighted",
    [
        (None, False),
        (None, True),
        ("balanced", True),
        (ClassWeights("sqrt_inverse"), False),
        (ClassWeights("effective_number", beta=0.999, normalize="classes"), True),
        (ClassWeights("inverse", clip=5.0), True),
    ],
    ids=[
        "none",
        "none-weighted",
        "balanced-weighted",
        "sqrt_inverse",
        "effective_number-weighted",
        "inverse_clipped-weighted",
    ],
)
def test_class_weights_and_init_score_equal_those_of_the_arrays(
    data, class_weight, weighted
):
    (X_local, y_local, w_local), (X, y, sample_weight) = data
    booster = _xgboost().set_params(n_estimators=1)
    alpha = None if np.unique(y_local).size > 2 else 0.25
    focal = FocalBoostingClassifier(
        booster, gamma=2.0, alpha=alpha, class_weight=class_weight
    )
    on_cluster = imbdask.fit_boosting(
        focal, X, y, sample_weight=sample_weight if weighted else None
    )
    local = focal.fit(X_local, y_local, sample_weight=w_local if weighted else None)
    assert on_cluster.class_weight_.keys() == local.class_weight_.keys()
    # Sums of the same weights in another order.
    assert_allclose(
        list(on_cluster.class_weight_.values()),
        list(local.class_weight_.values()),
        rtol=1e-13,
    )
    assert_allclose(on_cluster.init_score_, local.init_score_, atol=INIT_SCORE_ATOL)
    assert on_cluster.n_features_in_ == N_FEATURES


def test_dataframe_input_keeps_the_feature_names(client):
    dd = require("dask.dataframe")
    pd = require("pandas")
    X_local, y_local, _ = _numpy_data(2)
    frame = pd.DataFrame(X_local, columns=[f"f{i}" for i in range(N_FEATURES)])
    X = dd.from_pandas(frame, npartitions=4)
    y = dd.from_pandas(pd.Series(y_local), npartitions=4)
    model = imbdask.fit_boosting(
        FocalBoostingClassifier(_xgboost(), class_weight="balanced"), X, y
    )
    assert_array_equal(model.feature_names_in_, frame.columns)
    proba = imbdask.predict_proba(model, X).compute()
    assert_allclose(proba, model.predict_proba(frame), rtol=1e-12, atol=1e-15)


def test_errors_before_training(client, data):
    _, (X, y, _) = data
    focal = FocalBoostingClassifier(_xgboost())
    with pytest.raises(TypeError, match="trains a FocalBoostingClassifier"):
        imbdask.fit_boosting(WeightedSGDClassifier(), X, y)
    with pytest.raises(TypeError, match="X must be a 2-D dask Array"):
        imbdask.fit_boosting(focal, X.compute(), y)
    with pytest.raises(TypeError, match="y must be a 1-D dask Array"):
        imbdask.fit_boosting(focal, X, y.compute())
    with pytest.raises(ValueError, match="sample_weight has 10 rows"):
        imbdask.fit_boosting(focal, X, y, sample_weight=da.ones(10))
    with pytest.raises(TypeError, match="only their class counts are available"):
        imbdask.fit_boosting(
            FocalBoostingClassifier(_xgboost(), class_weight=lambda y: {}), X, y
        )
    with pytest.raises(ValueError, match="at least 2 classes"):
        imbdask.fit_boosting(focal, X, da.zeros_like(y))
    with pytest.raises(ValueError, match="'alpha' parameter"):
        imbdask.fit_boosting(FocalBoostingClassifier(_xgboost(), alpha=2.0), X, y)
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError, match="need a distributed Client"):
            imbdask.fit_boosting(focal, X, y)


def test_lightgbm_worker_without_every_class_is_told(client):
    # The first worker holds rows of class 0 only, the second of every class:
    # that worker's label encoding has fewer classes than the objective's.
    n_classes = 3
    X, _, _ = _numpy_data(2)
    half = N_ROWS // 2
    y = np.r_[np.zeros(half, dtype=int), np.arange(half) % n_classes]
    workers = list(client.scheduler_info()["workers"])
    parts = [
        client.persist(
            [da.from_array(X[rows]), da.from_array(y[rows])], workers=[worker]
        )
        for rows, worker in zip(
            (slice(None, half), slice(half, None)), workers, strict=True
        )
    ]
    distributed.wait(parts)
    X_on, y_on = (da.concatenate([part[i] for part in parts]) for i in (0, 1))
    with pytest.raises(ValueError, match="a worker held rows of fewer classes"):
        imbdask.fit_boosting(FocalBoostingClassifier(_lightgbm()), X_on, y_on)
