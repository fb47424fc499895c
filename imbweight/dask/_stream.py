"""Training by streaming the row blocks of a dask collection through ``partial_fit``."""

import copy
import uuid
from collections import deque
from numbers import Integral

import dask
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from imbweight._compat import HasMethods, Interval, validate_params
from imbweight.class_weight import resolve_class_weight
from imbweight.dask._blocks import aligned, aligned_blocks, current_client, n_rows
from imbweight.dask._counts import label_counts

__all__ = ["stream_fit"]


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
    blocks = aligned_blocks(X, y, sample_weight)
    if all(block.n_rows == 0 for block in blocks):
        raise ValueError(_NO_ROWS)
    model, classes = _prepared_copy(estimator, blocks, classes)
    rng = check_random_state(random_state)
    # Blocks known to be empty are skipped; blocks of unknown length are
    # checked in the task.
    nonempty = [index for index, block in enumerate(blocks) if block.n_rows != 0]
    order = []
    for _ in range(n_epochs):
        order.extend(rng.permutation(nonempty) if shuffle_blocks else nonempty)
    client = current_client()
    if client is None:
        trained = _fit_here(model, blocks, order, classes)
    else:
        trained = _fit_on_workers(client, model, blocks, order, classes, prefetch)
    try:
        check_is_fitted(trained)
    except NotFittedError:
        raise ValueError(_NO_ROWS) from None  # blocks of unknown length, all empty
    return trained


_NO_ROWS = "X has no rows: stream_fit has nothing to train on."


def _fit_block(model, X, y, sample_weight, classes):
    """``partial_fit`` on one block, on a copy: a task must not mutate its input."""
    if n_rows(X) == 0:
        return model
    X, y, sample_weight = aligned(X), aligned(y), aligned(sample_weight)
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
        counts = label_counts([block.y for block in blocks], [b.w for b in blocks])
        if classes is None:
            classes = counts.classes
        if needs_counts:
            model.set_params(class_weight=resolve_class_weight(class_weight, counts))
    return model, classes


def _needs_counts(class_weight):
    if class_weight is None or isinstance(class_weight, dict):
        return False
    if isinstance(class_weight, list):
        return any(_needs_counts(per_label) for per_label in class_weight)
    return True
