"""Dask integration: out-of-core training, class weights and block-wise predictions.

An optional part of imbweight (``pip install "imbweight[dask]"``); no other
module of the package imports dask. It does three things with a dask array or
DataFrame too large for memory:

- :func:`stream_fit` trains an estimator that has ``partial_fit`` (above all
  :class:`~imbweight.WeightedSGDClassifier`) by streaming the row blocks
  through ``partial_fit``, for one or more epochs;
- :func:`compute_class_weight` computes any :class:`~imbweight.ClassWeights`
  strategy from the label counts of the whole ``y``, in one pass;
- :func:`predict`, :func:`predict_proba`, :func:`decision_function` and
  :func:`predict_posterior` apply a fitted estimator block by block and return
  dask arrays.

Conventions
-----------
A *row block* is one chunk of rows of a dask array with all its columns (a
dask array chunked along the columns is rechunked to a single column block,
which concatenates the column chunks of each row block and nothing more), or
one partition of a dask DataFrame (handed to the estimator as a pandas
DataFrame, so it records ``feature_names_in_``). ``y`` and ``sample_weight``
are cut along the row blocks of ``X``: dask arrays are rechunked to them when
both row chunkings are known, and otherwise paired block by block (they must
then have as many blocks as ``X``); in-memory arrays are sliced.

With a ``distributed.Client`` as the current scheduler the model goes to the
data: each ``partial_fit`` runs on the worker that holds its block, and only
the model (coefficients and a few attributes) travels between workers. At
most ``prefetch`` blocks are computed ahead of the block being fitted, so the
memory a training run needs is a few blocks, whatever the size of ``X``.
Without a client the blocks are computed by dask's local scheduler and
fitted in this process.
"""

import copy
import itertools
import math
import sys
import uuid
from collections import deque
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

try:
    import dask
    import dask.array as da
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'imbweight.dask needs dask; install it with pip install "imbweight[dask]".'
    ) from error

from imbweight.class_weight import ClassWeights, _check_string_class_weight

__all__ = [
    "compute_class_weight",
    "decision_function",
    "predict",
    "predict_posterior",
    "predict_proba",
    "stream_fit",
]


# ------------------------------------------------------------------ training
@validate_params(
    {
        "estimator": [HasMethods(["partial_fit"])],
        "X": "no_validation",
        "y": "no_validation",
        "classes": ["array-like", None],
        "sample_weight": "no_validation",
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle_blocks": ["boolean"],
        "random_state": ["random_state"],
        "prefetch": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def stream_fit(
    estimator,
    X,
    y,
    *,
    classes=None,
    sample_weight=None,
    n_epochs=1,
    shuffle_blocks=False,
    random_state=None,
    prefetch=2,
):
    """Train an estimator by streaming the row blocks of ``X`` through ``partial_fit``.

    Every epoch walks the row blocks of ``X`` (see the module's conventions)
    in order, or in a fresh random order with ``shuffle_blocks``, and calls
    ``partial_fit(X_block, y_block, classes=classes,
    sample_weight=weight_block)`` once per block. Without block shuffling the
    result is exactly that of the same loop run by hand over the computed
    blocks. Blocks without any minority row, or without any row, are fine.

    ``class_weight`` strategies need the label distribution of the whole
    ``y``, which ``partial_fit`` never sees. If the estimator is not fitted
    yet and its ``class_weight`` is ``"balanced"``, a
    :class:`~imbweight.ClassWeights` or another strategy object, the weights
    are computed first from the label counts of all of ``y`` (one pass, see
    :func:`compute_class_weight`; sample-weighted, as ``fit`` counts them),
    and the returned estimator's ``class_weight`` is the resulting dict (a
    list of dicts for a multi-label ``y``). The same pass finds ``classes``
    when it is not given.

    Parameters
    ----------
    estimator : estimator with partial_fit
        Typically a :class:`~imbweight.WeightedSGDClassifier`. It is not
        modified: a trained copy is returned. A fitted estimator continues
        from its coefficients; its ``class_weight`` must then be None or a
        dict (or a list of dicts).
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Training data, with any chunking.
    y : dask Array, dask Series or DataFrame, or array-like
        Labels of shape (n_samples,), or a multi-label indicator matrix of
        shape (n_samples, n_labels).
    classes : array-like of shape (n_classes,), default=None
        Every class of ``y``; found from ``y`` (one pass) if omitted on an
        unfitted estimator.
    sample_weight : dask Array, dask Series, array-like or None, default=None
        Weights of the samples, cut along the same row blocks as ``X``.
    n_epochs : int, default=1
        Passes over the data. Each block is computed again in every epoch:
        nothing is kept in memory between blocks. In the terms of
        ``WeightedSGDClassifier.partial_fit`` every block is one call, so
        its decaying learning rates ("adaptive", "invscaling") divide
        ``eta0`` by the square root of the number of blocks seen, and its
        penalty is scaled by the total sample weight seen, which grows with
        every epoch: after ``n_epochs`` epochs the penalty is that of
        ``C · n_epochs``.
    shuffle_blocks : bool, default=False
        Visit the blocks in a new random order each epoch. The rows within a
        block are shuffled by the estimator itself if it has a ``shuffle``
        parameter.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the blocks (only with ``shuffle_blocks``).
    prefetch : int, default=2
        With a distributed client, how many blocks may be computed ahead of
        the one being fitted: more keeps more workers busy producing blocks,
        at the cost of that many blocks of memory.

    Returns
    -------
    estimator : estimator
        A trained copy of ``estimator``.

    Raises
    ------
    TypeError
        If ``X`` is not a dask collection, if ``class_weight`` is a callable
        (it would need the whole ``y`` in memory), or if a distributed client
        is in use and the estimator cannot be pickled (it could not be sent
        to the workers).
    ValueError
        If ``y`` or ``sample_weight`` do not match the rows of ``X``, if a
        fitted estimator's ``class_weight`` still needs the label
        distribution, or if ``partial_fit`` rejects a block (the error is
        re-raised here).

    See Also
    --------
    compute_class_weight : The class weights of a dask ``y``.
    predict : Block-wise predictions on a dask collection.

    Examples
    --------
    >>> import dask.array as da
    >>> from imbweight import ClassWeights, WeightedSGDClassifier
    >>> from imbweight.dask import predict, stream_fit
    >>> X = da.random.default_rng(0).standard_normal((20_000, 4), chunks=(2_000, 4))
    >>> y = (X[:, 0] + 0.5 * X[:, 1] > 1.8).astype(int)
    >>> clf = WeightedSGDClassifier(
    ...     class_weight=ClassWeights("sqrt_inverse"), random_state=0
    ... )
    >>> clf = stream_fit(clf, X, y, n_epochs=2)
    >>> {label: round(w, 3) for label, w in clf.class_weight.items()}
    {0: 0.853, 1: 3.543}
    >>> predict(clf, X)
    dask.array<..., shape=(20000,), dtype=int64, chunksize=(2000,), ...>
    >>> float((predict(clf, X) == y).mean().compute()) > 0.9
    True
    """
    blocks = _aligned_blocks(X, y, sample_weight)
    model, classes = _prepared_copy(estimator, blocks, classes)
    rng = check_random_state(random_state)
    # Blocks known to be empty are skipped; blocks of unknown length are
    # checked in the task.
    nonempty = [index for index, block in enumerate(blocks) if block.n_rows != 0]
    order = []
    for _ in range(n_epochs):
        order.extend(rng.permutation(nonempty) if shuffle_blocks else nonempty)
    client = _current_client()
    if client is None:
        return _fit_here(model, blocks, order, classes)
    return _fit_on_workers(client, model, blocks, order, classes, prefetch)


class _Block:
    """One row block: the pieces of X, y and sample_weight, and its length."""

    __slots__ = ("n_rows", "w", "x", "y")

    def __init__(self, x, y, w, n_rows):
        self.x, self.y, self.w, self.n_rows = x, y, w, n_rows


def _fit_block(model, X, y, sample_weight, classes):
    """``partial_fit`` on one block, on a copy: a task must not mutate its input."""
    if _n_rows(X) == 0:
        return model
    X, y, sample_weight = _aligned(X), _aligned(y), _aligned(sample_weight)
    model = copy.deepcopy(model)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    model.partial_fit(X, y, classes=classes, **kwargs)
    return model


def _fit_here(model, blocks, order, classes):
    for index in order:
        block = blocks[index]
        X, y, sample_weight = dask.compute(block.x, block.y, block.w)
        model = _fit_block(model, X, y, sample_weight, classes)
    return model


def _fit_on_workers(client, model, blocks, order, classes, prefetch):
    """Chain ``partial_fit`` tasks, each where its block is, ``prefetch`` ahead."""
    from distributed import wait

    _check_picklable(model)
    token = uuid.uuid4().hex[:12]
    fit_block = dask.delayed(_fit_block, pure=False)
    current, in_flight = model, deque()
    try:
        for step, index in enumerate(order):
            block = blocks[index]
            task = fit_block(
                current,
                block.x,
                block.y,
                block.w,
                classes,
                dask_key_name=f"imbweight-partial-fit-{token}-{step}",
            )
            # Culled here, so that only this block's tasks are sent.
            (task,) = dask.optimize(task)
            current = client.compute(task)
            in_flight.append(current)
            if len(in_flight) > prefetch:
                # Back-pressure: wait for an older step before computing more
                # blocks (without fetching its model), and raise its error.
                oldest = in_flight.popleft()
                wait(oldest)
                if oldest.status == "error":
                    oldest.result()
        return current.result()
    except BaseException:
        client.cancel(list(in_flight))  # stop the steps already submitted
        raise


def _check_picklable(model):
    from distributed.protocol import pickle

    try:
        pickle.dumps(model)
    except Exception as error:
        raise TypeError(
            f"{type(model).__name__} cannot be pickled, so it cannot be sent to "
            f"the dask workers ({type(error).__name__}: {error}). Make it "
            f"picklable, or train in this process without the distributed "
            f"client, e.g. within dask.config.set(scheduler='threads')."
        ) from error


def _current_client():
    """The distributed Client dask would compute with, or None."""
    if "distributed" not in sys.modules:
        return None
    from distributed import Client

    scheduler = dask.base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    return client if isinstance(client, Client) else None


def _prepared_copy(estimator, blocks, classes):
    """A copy of the estimator ready for partial_fit, and the classes to pass."""
    model = copy.deepcopy(estimator)
    params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
    class_weight = params.get("class_weight")
    needs_counts = _needs_counts(class_weight)
    try:
        check_is_fitted(model)
    except NotFittedError:
        pass
    else:
        if needs_counts:
            raise ValueError(
                f"class_weight={class_weight!r} needs the label distribution, but "
                f"{type(model).__name__} is already fitted: continuing would "
                f"reweigh the classes. Set class_weight to the weights it was "
                f"trained with (its class_weight_) or to a dict."
            )
        return model, classes
    if classes is None or needs_counts:
        counts = _label_counts([block.y for block in blocks], [b.w for b in blocks])
        if classes is None:
            classes = counts.classes
        if needs_counts:
            model.set_params(class_weight=_resolve(class_weight, counts))
    return model, classes


def _needs_counts(class_weight):
    if class_weight is None or isinstance(class_weight, dict):
        return False
    if isinstance(class_weight, list):
        return any(_needs_counts(per_label) for per_label in class_weight)
    return True


def _resolve(class_weight, counts):
    """A class_weight parameter with every strategy replaced by its dict."""
    if not counts.multilabel:
        if isinstance(class_weight, list):
            return class_weight  # the estimator says what a list is for
        return _resolve_one(class_weight, counts.classes, counts.weighted)
    n_labels = counts.classes.size
    per_label = class_weight
    if not isinstance(per_label, list):
        per_label = [per_label] * n_labels
    elif len(per_label) != n_labels:
        raise ValueError(
            f"class_weight is a list of {len(per_label)} entries, but y has "
            f"{n_labels} labels; give one per label."
        )
    return [
        _resolve_one(entry, *counts.label(label))
        for label, entry in enumerate(per_label)
    ]


def _resolve_one(class_weight, classes, weighted_counts):
    if class_weight is None or isinstance(class_weight, dict):
        return class_weight
    if isinstance(class_weight, str):
        _check_string_class_weight(class_weight)
        # ClassWeights("balanced") is scikit-learn's formula, in its arithmetic.
        class_weight = ClassWeights("balanced")
    if isinstance(class_weight, type) or not hasattr(class_weight, "fit"):
        raise TypeError(
            f"class_weight={class_weight!r} cannot be resolved from label counts. "
            f"A callable is called on the whole y, which a dask collection never "
            f"holds in memory: pass a ClassWeights instance, 'balanced' or a dict."
        )
    return _fit_counts(class_weight, classes, weighted_counts)


def _fit_counts(strategy, classes, weighted_counts):
    """Fit a count-based strategy on the (weighted) class counts alone.

    One sample per class, weighted by the class's count, has exactly the
    weighted counts of the full ``y``: every :class:`ClassWeights` strategy
    depends on ``y`` and ``sample_weight`` only through them.
    """
    fitted = clone(strategy, safe=False).fit(classes, sample_weight=weighted_counts)
    return dict(fitted.class_weight_)


# ------------------------------------------------------------- class weights
def compute_class_weight(
    y,
    strategy="balanced",
    *,
    sample_weight=None,
    beta=0.999,
    power=1.0,
    clip=None,
    normalize="samples",
):
    """:func:`imbweight.compute_class_weight` on a dask ``y``, in one pass.

    Each block of ``y`` is reduced to its (sample-weighted) class counts on
    the workers; only those counts come back, and the strategy is applied to
    their sums. The result equals :func:`imbweight.compute_class_weight` on
    the same data in memory: exactly without ``sample_weight`` (or with
    integer weights), to round-off otherwise (the sums are added in another
    order).

    Parameters
    ----------
    y : dask Array, dask Series or DataFrame, or array-like
        Labels of shape (n_samples,), or a 0/1 indicator matrix of shape
        (n_samples, n_labels) for a multi-label target; any chunking.
    strategy : {"balanced", "inverse", "sqrt_inverse", "power", \
            "effective_number"}, default="balanced"
        How class counts become weights; see :class:`~imbweight.ClassWeights`.
    sample_weight : dask Array, dask Series, array-like or None, default=None
        Non-negative weights of the samples; the class counts are sums of
        them. Cut along the row blocks of ``y``.
    beta : float in [0, 1], default=0.999
        ``β`` of ``"effective_number"``.
    power : float >= 0, default=1.0
        Exponent of ``"power"``.
    clip : None or float >= 1, default=None
        Upper bound on the ratio of the largest to the smallest weight.
    normalize : {"samples", "classes"} or None, default="samples"
        Mean weight 1 per sample, mean weight 1 per class, or the raw formula.

    Returns
    -------
    class_weight : dict or list of dict
        Class label to weight; for a multi-label target one dict
        ``{0: w0, 1: w1}`` per label.

    Raises
    ------
    ValueError
        As :func:`imbweight.compute_class_weight`: an invalid parameter, a
        class with total sample weight 0, a negative weight, or a target
        that is neither binary, multiclass nor a 0/1 indicator matrix.

    Examples
    --------
    >>> import dask.array as da
    >>> from imbweight.dask import compute_class_weight
    >>> y = da.from_array([0] * 90 + [1] * 10, chunks=30)
    >>> compute_class_weight(y)
    {0: 0.555..., 1: 5.0}
    >>> compute_class_weight(y, "effective_number", beta=0.99)
    {0: 0.6567..., 1: 4.0888...}
    """
    params = {
        "strategy": strategy,
        "beta": beta,
        "power": power,
        "clip": clip,
        "normalize": normalize,
    }
    validate_parameter_constraints(
        ClassWeights._parameter_constraints,
        params,
        caller_name="imbweight.dask.compute_class_weight",
    )
    y_pieces, lengths = _row_blocks(y, "y", ndims=(1, 2))
    weight_pieces = _split_like(sample_weight, y_pieces, lengths, "sample_weight", "y")
    counts = _label_counts(y_pieces, weight_pieces)
    return _resolve(ClassWeights(**params), counts)


class _LabelCounts:
    """Merged label counts of a whole target.

    Single-label: ``classes`` the sorted labels present, ``weighted`` their
    sample-weighted counts. Multi-label: ``classes`` is ``arange(n_labels)``,
    ``rows`` and ``weighted`` have shape (n_labels, 2) (counts of 0 and 1).
    """

    def __init__(self, multilabel, classes, rows, weighted):
        self.multilabel = multilabel
        self.classes, self.rows, self.weighted = classes, rows, weighted

    def label(self, label):
        """The classes present in one label of a multi-label target, and counts."""
        present = self.rows[label] > 0
        return np.array([0, 1])[present], self.weighted[label][present]


def _label_counts(y_pieces, weight_pieces):
    """One pass over the blocks of y: the class counts of the whole target."""
    count = dask.delayed(_block_counts, pure=False)
    partials = dask.compute(
        *[count(y, w) for y, w in zip(y_pieces, weight_pieces, strict=True)]
    )
    partials = [partial for partial in partials if partial is not None]
    if not partials:
        raise ValueError("y is empty: class weights need at least one label.")
    kinds = {
        (kind, rows.shape if kind == "multilabel" else ())
        for kind, _, rows, _ in partials
    }
    if len(kinds) > 1:
        raise ValueError(
            "The blocks of y disagree on the kind of target: some hold labels, "
            "others a multi-label indicator matrix, or different numbers of labels."
        )
    if partials[0][0] == "multilabel":
        rows = sum(partial[2] for partial in partials)
        weighted = sum(partial[3] for partial in partials)
        return _LabelCounts(True, np.arange(rows.shape[0]), rows, weighted)
    labels = np.concatenate([partial[1] for partial in partials])
    classes, codes = np.unique(labels, return_inverse=True)
    rows = np.bincount(codes, weights=np.concatenate([p[2] for p in partials]))
    weighted = np.bincount(codes, weights=np.concatenate([p[3] for p in partials]))
    return _LabelCounts(False, classes, rows, weighted)


def _block_counts(y, sample_weight):
    """The (sample-weighted) class counts of one block of y."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.shape[0] == 0:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, y, dtype=np.float64, ensure_non_negative=True
    )
    if y.ndim == 1:
        labels, codes = np.unique(y, return_inverse=True)
        rows = np.bincount(codes, minlength=labels.size).astype(np.float64)
        weighted = np.bincount(codes, weights=sample_weight, minlength=labels.size)
        return "labels", labels, rows, weighted
    values = np.unique(y)
    if not np.all((values == 0) | (values == 1)):
        raise ValueError(
            f"A multi-label y must be a 0/1 indicator matrix; got the values "
            f"{values.tolist()}."
        )
    ones = (y == 1).astype(np.float64)
    rows = np.column_stack([y.shape[0] - ones.sum(axis=0), ones.sum(axis=0)])
    weighted = np.column_stack([sample_weight @ (1.0 - ones), sample_weight @ ones])
    return "multilabel", None, rows, weighted


# --------------------------------------------------------------- prediction
def predict(estimator, X):
    """``estimator.predict`` block by block: class labels as a dask array.

    Parameters
    ----------
    estimator : fitted estimator
        Any fitted classifier, e.g. from :func:`stream_fit`.
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Data, with any chunking.

    Returns
    -------
    y_pred : dask Array of shape (n_samples,) or (n_samples, n_labels)
        One block per row block of ``X`` (of unknown length for a DataFrame).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalLogisticRegression
    >>> from imbweight.dask import predict
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLogisticRegression().fit(X, y)
    >>> labels = predict(clf, da.from_array(X, chunks=(100, 5)))
    >>> labels.chunks
    ((100, 100, 100),)
    >>> bool((labels.compute() == clf.predict(X)).all())
    True
    """
    return _blockwise(estimator, "predict", X)


def predict_proba(estimator, X):
    """``estimator.predict_proba`` block by block, as a dask array.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted classifier with ``predict_proba``.
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Data, with any chunking.

    Returns
    -------
    proba : dask Array of shape (n_samples, n_classes) or (n_samples, n_labels)
        One block per row block of ``X``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalLogisticRegression
    >>> from imbweight.dask import predict_proba
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLogisticRegression().fit(X, y)
    >>> predict_proba(clf, da.from_array(X, chunks=(100, 5))).shape
    (300, 2)
    """
    return _blockwise(estimator, "predict_proba", X)


def decision_function(estimator, X):
    """``estimator.decision_function`` block by block, as a dask array.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted classifier with ``decision_function``.
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Data, with any chunking.

    Returns
    -------
    scores : dask Array of shape (n_samples,) for binary, else (n_samples, \
            n_classes) or (n_samples, n_labels)
        One block per row block of ``X``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalLogisticRegression
    >>> from imbweight.dask import decision_function
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLogisticRegression().fit(X, y)
    >>> decision_function(clf, da.from_array(X, chunks=(100, 5))).shape
    (300,)
    """
    return _blockwise(estimator, "decision_function", X)


def predict_posterior(estimator, X):
    """``estimator.predict_posterior`` block by block, as a dask array.

    The recovered class probabilities P(y | x) of a model trained with class
    weights, focal ``alpha`` or ``gamma``; see
    :meth:`~imbweight.WeightedSGDClassifier.predict_posterior`.

    Parameters
    ----------
    estimator : fitted imbweight classifier
        A fitted :class:`~imbweight.FocalLogisticRegression` or
        :class:`~imbweight.WeightedSGDClassifier`.
    X : dask Array of shape (n_samples, n_features) or dask DataFrame
        Data, with any chunking.

    Returns
    -------
    posterior : dask Array of shape (n_samples, n_classes) or (n_samples, \
            n_labels)
        One block per row block of ``X``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalLogisticRegression
    >>> from imbweight.dask import predict_posterior
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLogisticRegression(class_weight="balanced").fit(X, y)
    >>> posterior = predict_posterior(clf, da.from_array(X, chunks=(100, 5)))
    >>> bool(abs(posterior.sum(axis=1) - 1).max().compute() < 1e-12)
    True
    """
    return _blockwise(estimator, "predict_posterior", X)


def _blockwise(estimator, method, X):
    check_is_fitted(estimator)
    if not hasattr(estimator, method):
        raise AttributeError(f"{type(estimator).__name__} has no method {method}.")
    pieces, lengths = _row_blocks(X, "X", ndims=(2,))
    if isinstance(X, da.Array):
        X = X.rechunk({1: -1})
        probe = np.zeros((1, X.shape[1]), dtype=X.dtype)
    else:
        from dask.dataframe.utils import meta_nonempty

        probe = meta_nonempty(X._meta).iloc[:1]
    # One row through the method gives the dtype and trailing shape.
    sample = np.asarray(getattr(estimator, method)(probe))
    tail, dtype = sample.shape[1:], sample.dtype
    model = dask.delayed(estimator, pure=True)
    if isinstance(X, da.Array):
        return X.map_blocks(
            _apply,
            model,
            method,
            tail,
            dtype,
            dtype=dtype,
            chunks=(X.chunks[0], *((size,) for size in tail)),
            drop_axis=[] if tail else [1],
            token=method,
            meta=np.empty((0,) * (1 + len(tail)), dtype=dtype),
        )
    apply = dask.delayed(_apply, pure=True)
    return da.concatenate(
        [
            da.from_delayed(
                apply(piece, model, method, tail, dtype),
                shape=(n_rows, *tail),
                dtype=dtype,
                meta=np.empty((0,) * (1 + len(tail)), dtype=dtype),
            )
            for piece, n_rows in zip(pieces, lengths, strict=True)
        ]
    )


def _apply(block, model, method, tail, dtype):
    """``model.method(block)``; an empty block gives an empty result."""
    if _n_rows(block) == 0:
        return np.empty((0, *tail), dtype=dtype)
    return np.asarray(getattr(model, method)(_aligned(block)))


# ------------------------------------------------------------ row blocks
def _is_dask_frame(obj):
    """A dask DataFrame or Series (only possible once dask.dataframe is imported)."""
    if "dask.dataframe" not in sys.modules:
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def _row_blocks(data, name, ndims):
    """The row blocks of a dask collection (Delayed pieces) and their lengths.

    A dask array is first rechunked to one column block; a DataFrame's blocks
    are its partitions, of unknown length (nan).
    """
    if _is_dask_frame(data):
        pieces = list(data.to_delayed())
        return pieces, (math.nan,) * len(pieces)
    if isinstance(data, da.Array):
        if data.ndim not in ndims:
            raise ValueError(
                f"{name} must be a {' or '.join(f'{d}-D' for d in ndims)} dask "
                f"array; got {data.ndim} dimensions, shape {data.shape}."
            )
        if data.ndim == 2:
            data = data.rechunk({1: -1})
        return list(data.to_delayed().ravel()), data.chunks[0]
    if name == "X":
        raise TypeError(
            f"X must be a dask Array or DataFrame; got {type(data).__name__}. For "
            f"data in memory call the estimator's own methods."
        )
    data = data if hasattr(data, "iloc") else np.asarray(data)
    return [data], (data.shape[0],)


def _aligned_blocks(X, y, sample_weight):
    x_pieces, lengths = _row_blocks(X, "X", ndims=(2,))
    y_pieces = _split_like(y, x_pieces, lengths, "y", "X")
    w_pieces = _split_like(sample_weight, x_pieces, lengths, "sample_weight", "X")
    return [
        _Block(*pieces, n_rows)
        for *pieces, n_rows in zip(x_pieces, y_pieces, w_pieces, lengths, strict=True)
    ]


def _known(lengths):
    return not any(math.isnan(length) for length in lengths)


def _split_like(data, pieces, lengths, name, like):
    """``data`` cut along the row blocks of ``like`` (given by pieces, lengths)."""
    n_blocks = len(pieces)
    if data is None:
        return [None] * n_blocks
    if _is_dask_frame(data):
        if data.npartitions == n_blocks:
            return list(data.to_delayed())
        data = data.to_dask_array(lengths=True)
    if isinstance(data, da.Array):
        if data.ndim == 2:
            data = data.rechunk({1: -1})
        if _known(lengths) and _known(data.chunks[0]):
            _check_rows(data.shape[0], sum(lengths), name, like)
            return list(data.rechunk({0: tuple(lengths)}).to_delayed().ravel())
        if data.numblocks[0] == n_blocks:
            return list(data.to_delayed().ravel())
        raise ValueError(
            f"{name} has {data.numblocks[0]} row blocks and {like} has {n_blocks}, "
            f"and the row lengths of one of them are unknown, so {name} cannot be "
            f"cut along the blocks of {like}. Give both the same partitions, or "
            f"compute the lengths (compute_chunk_sizes() on a dask array)."
        )
    if not _known(lengths):
        raise ValueError(
            f"{name} is in memory but the row blocks of {like} have unknown "
            f"lengths, so {name} cannot be cut along them. Pass {name} as a dask "
            f"collection with the same partitions as {like}."
        )
    data = data if hasattr(data, "iloc") else np.asarray(data)
    _check_rows(data.shape[0], sum(lengths), name, like)
    bounds = np.cumsum((0, *lengths)).tolist()
    rows = data.iloc if hasattr(data, "iloc") else data
    return [rows[start:stop] for start, stop in itertools.pairwise(bounds)]


def _check_rows(n_data, n_like, name, like):
    if n_data != n_like:
        raise ValueError(
            f"{name} has {n_data} rows but {like} has {n_like}; they must match."
        )


def _n_rows(block):
    return block.shape[0]


def _aligned(array):
    """An aligned copy of a NumPy array whose buffer is not aligned.

    Arrays that reach a worker inside a task's message can start at any byte
    (seen with distributed 2026.8). NumPy then cannot hand them to BLAS and
    falls back to slower loops that also round differently, so the result
    would depend on where the bytes landed.
    """
    if isinstance(array, np.ndarray) and not array.flags.aligned:
        return array.copy()
    return array
