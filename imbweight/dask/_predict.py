"""A fitted estimator's methods applied block by block, as dask arrays."""

import dask
import dask.array as da
import numpy as np
from sklearn.utils.validation import check_is_fitted

from imbweight.dask._blocks import aligned, n_rows, row_blocks

__all__ = ["decision_function", "predict", "predict_posterior", "predict_proba"]


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
        A fitted :class:`~imbweight.FocalLogisticRegression`,
        :class:`~imbweight.WeightedSGDClassifier` or
        :class:`~imbweight.FocalBoostingClassifier` (e.g. from
        :func:`fit_boosting`; its init score is added before the recovery).
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
    pieces, lengths = row_blocks(X, "X", ndims=(2,))
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
    if n_rows(block) == 0:
        return np.empty((0, *tail), dtype=dtype)
    return np.asarray(getattr(model, method)(aligned(block)))
