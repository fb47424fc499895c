"""Class counts and class weights of a dask target, in one pass over its blocks."""

import dask
import numpy as np

from imbweight._compat import check_sample_weight
from imbweight._targets import ClassCounts, check_target
from imbweight.class_weight import ClassWeights, resolve_class_weight
from imbweight.dask._blocks import row_blocks, split_like

__all__ = ["compute_class_weight", "label_counts"]


def compute_class_weight(y, strategy="balanced", *, sample_weight=None, **params):
    """:func:`imbweight.compute_class_weight` on a dask ``y``, in one pass.

    Each block of ``y`` is reduced to its (sample-weighted) class counts on
    the workers; only those counts come back, and the strategy,
    ``ClassWeights(strategy, **params)``, is applied to their sums (see
    :class:`~imbweight.ClassWeights` for the strategies and their
    parameters). The result equals :func:`imbweight.compute_class_weight` on
    the same data in memory: exactly without ``sample_weight`` (or with
    integer weights), to round-off otherwise (the sums are added in another
    order).

    Parameters
    ----------
    y : dask Array, dask Series or DataFrame, or array-like
        Labels of shape (n_samples,), or a 0/1 indicator matrix of shape
        (n_samples, n_labels) for a multi-label target; any chunking.
    strategy : str, default="balanced"
        A strategy of :class:`~imbweight.ClassWeights`.
    sample_weight : dask Array, dask Series, array-like or None, default=None
        Non-negative weights of the samples; the class counts are sums of
        them. Cut along the row blocks of ``y``.
    **params : dict
        The other parameters of :class:`~imbweight.ClassWeights` (``beta``,
        ``power``, ``clip``, ``normalize``).

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
    y_pieces, lengths = row_blocks(y, "y", ndims=(1, 2))
    weight_pieces = split_like(sample_weight, y_pieces, lengths, "sample_weight", "y")
    strategy = ClassWeights(strategy, **params)
    return resolve_class_weight(strategy, label_counts(y_pieces, weight_pieces))


def label_counts(y_pieces, weight_pieces):
    """One pass over the blocks of y: the class counts of the whole target."""
    count = dask.delayed(_block_counts, pure=False)
    parts = dask.compute(
        *[count(y, w) for y, w in zip(y_pieces, weight_pieces, strict=True)]
    )
    return ClassCounts.merge([part for part in parts if part is not None])


def _block_counts(y, sample_weight):
    """The (sample-weighted) class counts of one block of y; None if empty."""
    if np.shape(y)[0] == 0:
        return None
    y, _ = check_target(y, "imbweight.dask")
    sample_weight = check_sample_weight(
        sample_weight, y, dtype=np.float64, ensure_non_negative=True
    )
    return ClassCounts.of(y, sample_weight)
