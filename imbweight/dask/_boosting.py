"""Focal and class-weighted boosting on a Dask cluster, by the engines' Dask APIs."""

import warnings

import dask.array as da
import numpy as np
from sklearn.utils.validation import validate_data

from imbweight._compat import HasMethods, validate_params
from imbweight._fit_problem import shallow_copy
from imbweight.boosting import FocalBoostingClassifier
from imbweight.boosting._init_score import init_score_of_totals
from imbweight.class_weight import class_weight_array, resolve_class_weight
from imbweight.dask._blocks import _is_dask_frame, current_client, row_blocks
from imbweight.dask._counts import label_counts

__all__ = ["fit_boosting"]


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict_posterior"])],
        "X": "no_validation",
        "y": "no_validation",
        "sample_weight": "no_validation",
        "client": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def fit_boosting(estimator, X, y, *, sample_weight=None, client=None):
    """Train a :class:`~imbweight.FocalBoostingClassifier` on a Dask cluster.

    The booster of ``estimator`` (an ``xgboost.XGBClassifier`` or a
    ``lightgbm.LGBMClassifier``) is trained by its engine's own distributed
    interface, ``xgboost.dask.DaskXGBClassifier`` or
    ``lightgbm.dask.DaskLGBMClassifier``, with the same settings, on the
    weighted focal loss of :class:`~imbweight.FocalBoostingClassifier`:

    1. one pass over ``y`` and ``sample_weight`` gathers the (sample-weighted)
       class counts of the whole data; only the counts leave the workers;
    2. the class weights (any form of ``class_weight`` but a callable) and
       the focal-optimal init score are computed from those counts, as
       ``fit`` computes them from the arrays;
    3. the engine trains on the cluster, each worker computing the focal
       gradients of its own rows, from the init score, with row weights
       ``sample_weight × class weight`` (α is applied by the objective).

    The result is a fitted :class:`~imbweight.FocalBoostingClassifier`
    holding the engine's local model (``estimator_``): it predicts in
    memory, and block by block on dask collections with
    :func:`predict`, :func:`predict_proba` and :func:`predict_posterior`,
    the init score and the posterior recovery included. With ``gamma=0``
    and no weights the trees are those of the engine's built-in log-loss
    trained on the same cluster.

    Parameters
    ----------
    estimator : FocalBoostingClassifier
        Unfitted; not modified (a trained copy is returned). Its booster's
        settings are used as they are (``tree_method="hist"`` for XGBoost,
        the default).
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Training data. A dask array with several column chunks is
        rechunked to one.
    y : dask Array or dask Series of shape (n_samples,)
        Class labels, binary or multiclass. A dask array is rechunked to
        the row chunks of ``X``; a Series must have the partitions of ``X``.
    sample_weight : dask Array, dask Series or None, default=None
        Non-negative row weights, cut as ``y``.
    client : distributed.Client or None, default=None
        The client to train with; by default the current one.

    Returns
    -------
    model : FocalBoostingClassifier
        A fitted copy of ``estimator``.

    Raises
    ------
    TypeError
        If ``X``, ``y`` or ``sample_weight`` are not dask collections, or
        ``class_weight`` is a callable or a strategy object other than
        :class:`~imbweight.ClassWeights` (they need all of ``y`` in memory).
    ValueError
        If there is no distributed client, ``y`` holds fewer than 2
        classes, a weight is negative, the partitions do not match, or
        LightGBM found a worker without rows of every class.

    See Also
    --------
    stream_fit : Training by ``partial_fit`` over the row blocks.
    predict_posterior : Block-wise posteriors of the returned model.

    Notes
    -----
    Both engines keep their share of the rows in each worker's memory while
    they train: the cluster as a whole must hold the training data (as
    bins: XGBoost's ``hist`` keeps about one byte per value), though no
    single worker needs to. The class counts and the predictions stream
    the blocks.

    XGBoost's result depends on how the rows are spread over the workers
    only through its quantile sketch; LightGBM's also through its bins,
    which each worker finds from its own rows. Neither is then the local
    model bit for bit; ``tests/test_dask_boosting.py`` measures by how much.
    LightGBM's Dask interface encodes the labels again on every worker:
    each worker must hold rows of every class.

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> from xgboost import XGBClassifier
    >>> from imbweight import FocalBoostingClassifier
    >>> from imbweight.dask import fit_boosting, predict_posterior
    >>> cluster = LocalCluster(
    ...     n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ... )
    >>> client = Client(cluster)
    >>> X = da.random.default_rng(0).standard_normal((4_000, 3), chunks=(1_000, 3))
    >>> y = (X[:, 0] + X[:, 1] > 2.0).astype(int)
    >>> clf = FocalBoostingClassifier(
    ...     XGBClassifier(n_estimators=10, nthread=1), gamma=2.0,
    ...     class_weight="balanced",
    ... )
    >>> clf = fit_boosting(clf, X, y)
    >>> {label: round(w, 3) for label, w in clf.class_weight_.items()}
    {0: 0.541, 1: 6.623}
    >>> predict_posterior(clf, X).shape
    (4000, 2)
    >>> client.close(); cluster.close()
    """
    client = current_client() if client is None else client
    if client is None:
        raise ValueError(
            "fit_boosting trains through the engines' Dask interfaces, which need "
            "a distributed Client; create one (distributed.Client(...)) or pass "
            "client=."
        )
    if not isinstance(estimator, FocalBoostingClassifier):
        raise TypeError(
            f"fit_boosting trains a FocalBoostingClassifier; got "
            f"{type(estimator).__name__}. For estimators with partial_fit use "
            f"stream_fit."
        )
    # The parameter checks of FocalBoostingClassifier.fit, before any pass.
    estimator._validate_params()
    model = shallow_copy(estimator)
    booster, engine = model._booster_engine({})
    dask_engine = _DASK_ENGINES[engine.name]
    X = _check_X(model, X)
    y = _aligned(y, X, "y")
    sample_weight = _aligned(sample_weight, X, "sample_weight")
    counts = _counts(y, sample_weight)
    classes = counts.classes
    class_weight = resolve_class_weight(estimator.class_weight, counts)
    per_class = class_weight_array(class_weight, classes)
    # The class totals of the row weights ``sample_weight × class weight``.
    init_score = init_score_of_totals(
        per_class * counts.weighted,
        gamma=model.gamma,
        alpha=model._resolved_alpha(classes),
    )
    objective, metric = model._objective_metric(
        engine, classes, class_weight, "focal_loss", init_score
    )
    engine.configure(booster, objective, metric)
    codes = _per_row(y, _codes, classes, dtype=_code_dtype(classes))
    weight = None
    if sample_weight is not None or np.any(per_class != 1):
        weight = _per_row(
            codes, _row_weights, per_class, sample_weight, dtype=np.float32
        )
    fitted = dask_engine.fit(client, booster, X, codes, weight, classes.size)
    model._store_fit(model, fitted, classes, class_weight, init_score, objective)
    return model


def _check_X(record, X):
    """``X`` with one column chunk; its features recorded on ``record``."""
    if _is_dask_frame(X):
        validate_data(record, X._meta, reset=True, skip_check_array=True)
        return X
    if not isinstance(X, da.Array) or X.ndim != 2:
        raise TypeError(
            f"X must be a 2-D dask Array or a dask DataFrame; got "
            f"{type(X).__name__}. For data in memory use FocalBoostingClassifier.fit."
        )
    validate_data(record, np.empty((0, X.shape[1])), reset=True, skip_check_array=True)
    return X.rechunk({1: -1})


def _aligned(data, X, name):
    """``data`` (1-D) partitioned as the rows of ``X``, or a TypeError."""
    if data is None:
        return None
    if _is_dask_frame(X):
        if not _is_dask_frame(data) or data.npartitions != X.npartitions:
            raise ValueError(
                f"With a dask DataFrame X, {name} must be a dask Series with its "
                f"{X.npartitions} partitions."
            )
        return data
    if _is_dask_frame(data):
        data = data.to_dask_array(lengths=True)
    if not isinstance(data, da.Array) or data.ndim != 1:
        raise TypeError(
            f"{name} must be a 1-D dask Array or a dask Series; got "
            f"{type(data).__name__}."
        )
    if data.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {data.shape[0]} rows but X has {X.shape[0]}.")
    return data.rechunk({0: X.chunks[0]})


def _counts(y, sample_weight):
    """The class counts of the whole ``y``, one pass; single-output only."""
    y_pieces = row_blocks(y, "y", ndims=(1,))[0]
    w_pieces = (
        [None] * len(y_pieces)
        if sample_weight is None
        else row_blocks(sample_weight, "sample_weight", ndims=(1,))[0]
    )
    counts = label_counts(y_pieces, w_pieces)
    if counts.multilabel or counts.classes.size < 2:
        raise ValueError(
            f"FocalBoostingClassifier needs a binary or multiclass y with at "
            f"least 2 classes; got classes {counts.classes.tolist()}."
        )
    return counts


def _per_row(data, function, *args, dtype):
    """``function(block, *args)`` on each row block of a dask Array or Series.

    The result is 1-D, of ``dtype``; ``args`` may hold one dask collection
    partitioned as ``data``.
    """
    if isinstance(data, da.Array):
        return da.map_blocks(
            function, data, *args, dtype=dtype, meta=np.empty(0, dtype=dtype)
        )
    return data.map_partitions(_as_pandas, function, *args)


def _as_pandas(series, function, *args):
    """``function`` on a pandas partition; the result indexed like it."""
    import pandas as pd

    args = [arg.to_numpy() if isinstance(arg, pd.Series) else arg for arg in args]
    return pd.Series(function(series.to_numpy(), *args), index=series.index)


def _code_dtype(classes):
    return np.uint8 if classes.size < 256 else np.intp


def _codes(y, classes):
    """Class codes 0 .. n_classes - 1 of labels, as ``fit`` gives the booster."""
    return np.searchsorted(classes, y).astype(_code_dtype(classes))


def _row_weights(codes, per_class, sample_weight=None):
    """``sample_weight × class weight`` in float64, kept in float32 by the boosters."""
    weights = per_class.take(codes)
    if sample_weight is not None:
        weights *= sample_weight
    return weights.astype(np.float32)


class _DaskXGBoost:
    """Training through ``xgboost.dask.DaskXGBClassifier``."""

    @staticmethod
    def fit(client, booster, X, codes, weight, n_classes):
        from xgboost import dask as dxgb

        model = dxgb.DaskXGBClassifier(**booster.get_params())
        model.client = client
        model.fit(X, codes, sample_weight=weight, verbose=False)
        # The trained trees in the local wrapper, with its settings.
        booster.load_model(model.get_booster().save_raw("ubj"))
        return booster


def _fewer_classes_on_a_worker(engine_name, n_classes):
    return ValueError(
        f"{engine_name} could not train on the {n_classes} classes of y: its Dask "
        f"interface encodes the labels on each worker, and a worker held rows of "
        f"fewer classes. Spread every class over the partitions (e.g. shuffle "
        f"the rows)."
    )


class _DaskLightGBM:
    """Training through ``lightgbm.dask.DaskLGBMClassifier``."""

    @staticmethod
    def fit(client, booster, X, codes, weight, n_classes):
        from lightgbm.basic import LightGBMError
        from lightgbm.dask import DaskLGBMClassifier

        params = booster.get_params()
        model = DaskLGBMClassifier(client=client, **params)
        with warnings.catch_warnings():
            if params.get("n_jobs") is None:
                # The Dask interface sets the threads from the workers' and
                # says so even when none were asked for.
                warnings.filterwarnings(
                    "ignore", "Parameter n_jobs will be ignored", UserWarning
                )
            try:
                model.fit(X, codes, sample_weight=weight)
            except (LightGBMError, ValueError) as exc:
                # A worker's own label encoding has fewer classes: LightGBM
                # or the objective stops before the check below.
                if not any(
                    message in str(exc)
                    for message in ("Number of class", "The booster gave raw scores")
                ):
                    raise
                raise _fewer_classes_on_a_worker("LightGBM", n_classes) from None
        fitted = model.to_local()
        if fitted.n_classes_ != n_classes:
            raise _fewer_classes_on_a_worker("LightGBM", n_classes)
        return fitted


_DASK_ENGINES = {"XGBoost": _DaskXGBoost, "LightGBM": _DaskLightGBM}
