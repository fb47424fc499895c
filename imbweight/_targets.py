"""Classification targets: their kind, and the (sample-weighted) class counts.

Conventions
-----------
A target is one of three kinds, named as by
:func:`sklearn.utils.multiclass.type_of_target`: ``"binary"`` and
``"multiclass"`` (a 1-D array of labels of any type) and
``"multilabel-indicator"`` (a 2-D 0/1 matrix, one column per label).
:func:`check_target` is the one check of which kind a target is; every
estimator, the class-weight resolver and :mod:`imbweight.dask` call it.
:class:`ClassCounts` is the one record of how much of each class a target
holds; class weights are a function of it.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from imbweight._compat import num_samples

BINARY, MULTICLASS, MULTILABEL = "binary", "multiclass", "multilabel-indicator"

__all__ = [
    "BINARY",
    "MULTICLASS",
    "MULTILABEL",
    "ClassCounts",
    "check_target",
    "target_kind_of_classes",
]


def check_target(y, caller, *, multilabel=True):
    """``y`` as 1-D labels or a 0/1 indicator matrix, and its kind.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multi-label indicator matrix (dense or sparse).
    caller : str
        Who asks, for the messages.
    multilabel : bool, default=True
        Whether a multi-label indicator is accepted.

    Returns
    -------
    y : ndarray
        1-D labels, or the indicator matrix as a dense ``intp`` array.
    kind : {"binary", "multiclass", "multilabel-indicator"}
        Binary means two distinct labels in ``y``; ``multiclass`` more (or,
        for a single label, one: the caller decides whether that is
        enough).

    Raises
    ------
    ValueError
        If ``y`` is empty, continuous, multi-output other than a 0/1
        indicator, or multi-label when ``multilabel=False``.

    Examples
    --------
    >>> from imbweight._targets import check_target
    >>> check_target(["a", "b", "a"], "demo")
    (array(['a', 'b', 'a'], dtype='<U1'), 'binary')
    >>> check_target([[0, 1], [1, 1]], "demo")[1]
    'multilabel-indicator'
    >>> check_target([[1, 2], [2, 1]], "demo")
    Traceback (most recent call last):
    ...
    ValueError: A multi-label y must be a 0/1 indicator matrix; got the values [1, 2].
    """
    if y is None:
        raise ValueError(f"{caller} requires y to be passed, but the target y is None.")
    if sparse.issparse(y):
        y = y.toarray()
    if num_samples(y) == 0:
        raise ValueError(f"{caller} needs a non-empty y.")
    kind = type_of_target(y, input_name="y")
    if kind == MULTILABEL:
        # type_of_target calls any 2-D array of two integer values an
        # indicator; only 0/1 is one.
        values = np.unique(y)
        if not np.all((values == 0) | (values == 1)):
            raise ValueError(
                f"A multi-label y must be a 0/1 indicator matrix; got the values "
                f"{values.tolist()}."
            )
        if not multilabel:
            raise ValueError(
                f"{caller} supports binary and multiclass targets; got a "
                f"{kind!r} target."
            )
        return np.asarray(y, dtype=np.intp), kind
    if kind not in (BINARY, MULTICLASS):
        supported = (
            "binary, multiclass and multi-label indicator"
            if multilabel
            else "binary and multiclass"
        )
        raise ValueError(
            f"{caller} supports {supported} targets; got a {kind!r} target."
        )
    return column_or_1d(y), kind


def target_kind_of_classes(n_classes):
    """The kind of a single-label target with ``n_classes`` classes."""
    return BINARY if n_classes == 2 else MULTICLASS


@dataclass(frozen=True)
class ClassCounts:
    """How many samples, and how much sample weight, each class holds.

    Attributes
    ----------
    classes : ndarray of shape (n_classes,)
        The sorted labels; ``arange(n_labels)`` for a multi-label target.
    rows : ndarray
        Samples per class, shape ``(n_classes,)``; for a multi-label target
        ``(n_labels, 2)``, the samples with 0 and with 1 in each label.
    weighted : ndarray of the shape of ``rows``
        The same counts weighted by ``sample_weight`` (equal to ``rows``
        without it), float64.
    multilabel : bool
        Whether the target was a multi-label indicator.

    Examples
    --------
    >>> from imbweight._targets import ClassCounts
    >>> counts = ClassCounts.of(["b", "a", "b"], sample_weight=[1.0, 2.0, 0.5])
    >>> counts.classes.tolist(), counts.rows.tolist(), counts.weighted.tolist()
    (['a', 'b'], [1, 2], [2.0, 1.5])
    """

    classes: np.ndarray
    rows: np.ndarray
    weighted: np.ndarray
    multilabel: bool = False

    @classmethod
    def of(cls, y, sample_weight=None, *, classes=None):
        """Counts of a target checked by :func:`check_target`.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            1-D labels or a 0/1 indicator matrix.
        sample_weight : None or array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.
        classes : None or ndarray, default=None
            The sorted classes to count (``partial_fit``'s full set, of which
            ``y`` may hold a subset); the labels of ``y`` when None.

        Returns
        -------
        counts : ClassCounts
        """
        y = np.asarray(y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if y.ndim == 2:
            # Label by label, as the counts of each column alone would be.
            columns = [
                cls.of_codes(column, np.array([0, 1]), sample_weight)
                for column in (y == 1).T.view(np.uint8)
            ]
            return cls(
                np.arange(y.shape[1]),
                np.array([column.rows for column in columns]).reshape(-1, 2),
                np.array([column.weighted for column in columns]).reshape(-1, 2),
                multilabel=True,
            )
        if classes is None:
            classes, codes = np.unique(y, return_inverse=True)
            codes = codes.ravel()
        else:
            codes = np.searchsorted(classes, y)
        return cls.of_codes(codes, classes, sample_weight)

    @classmethod
    def of_codes(cls, codes, classes, sample_weight=None):
        """Counts of a target encoded as indices into ``classes``.

        Parameters
        ----------
        codes : ndarray of shape (n_samples,)
            ``classes[codes]`` are the labels; for two classes a boolean or
            0/1 array also does.
        classes : ndarray of shape (n_classes,)
            The sorted classes.
        sample_weight : None or ndarray of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        counts : ClassCounts
        """
        if classes.size == 2 and codes.dtype.itemsize == 1:
            # A boolean binary target: counted without an intp copy of it.
            n_positive = np.count_nonzero(codes)
            rows = np.array([codes.size - n_positive, n_positive])
        else:
            rows = np.bincount(codes, minlength=classes.size)
        if sample_weight is None:
            weighted = rows.astype(np.float64)
        else:
            weighted = np.bincount(
                codes.view(np.uint8) if codes.dtype == bool else codes,
                weights=sample_weight,
                minlength=classes.size,
            ).astype(np.float64, copy=False)
        return cls(np.asarray(classes), rows, weighted)

    @classmethod
    def merge(cls, parts):
        """The counts of a target cut in pieces, from the counts of each piece.

        Parameters
        ----------
        parts : list of ClassCounts
            Counts of the pieces, all single-label or all multi-label with
            the same number of labels.

        Returns
        -------
        counts : ClassCounts

        Raises
        ------
        ValueError
            If ``parts`` is empty, or if the pieces disagree on the kind of
            target or on the number of labels.
        """
        if not parts:
            raise ValueError("y is empty: class counts need at least one label.")
        shapes = {
            (part.multilabel, part.rows.shape if part.multilabel else ())
            for part in parts
        }
        if len(shapes) > 1:
            raise ValueError(
                "The blocks of y disagree on the kind of target: some hold "
                "labels, others a multi-label indicator matrix, or different "
                "numbers of labels."
            )
        if parts[0].multilabel:
            return cls(
                parts[0].classes,
                sum(part.rows for part in parts),
                sum(part.weighted for part in parts),
                multilabel=True,
            )
        classes, codes = np.unique(
            np.concatenate([part.classes for part in parts]), return_inverse=True
        )
        codes = codes.ravel()
        rows = np.bincount(
            codes, weights=np.concatenate([part.rows for part in parts])
        ).astype(np.int64)
        weighted = np.bincount(
            codes, weights=np.concatenate([part.weighted for part in parts])
        )
        return cls(classes, rows, weighted)

    def label(self, index):
        """The counts of one label of a multi-label target, as a binary target.

        Only the values (0, 1) the label takes are classes of the result.
        """
        present = self.rows[index] > 0
        return ClassCounts(
            np.array([0, 1])[present],
            self.rows[index][present],
            self.weighted[index][present],
        )
