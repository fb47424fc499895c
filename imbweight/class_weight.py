"""Class-weight strategies and their resolution inside ``fit``."""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight as _sklearn_class_weight

__all__ = ["resolve_class_weight"]


def resolve_class_weight(class_weight, y, classes, sample_weight=None):
    """Resolve a ``class_weight`` parameter on the labels ``fit`` received.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        ``None`` gives every class weight 1; ``"balanced"`` gives class ``k``
        the weight ``n / (n_classes n_k)`` with (sample-weighted) counts, as
        scikit-learn does; a dict maps labels to weights, classes it omits
        get 1.
    y : ndarray of shape (n_samples,)
        Labels.
    classes : ndarray of shape (n_classes,)
        The sorted distinct labels of ``y``.
    sample_weight : None or ndarray of shape (n_samples,), default=None
        Weights of the samples, used for the "balanced" counts.

    Returns
    -------
    class_weight : dict
        Label to weight, one entry per class in ``classes``.

    Raises
    ------
    ValueError
        If a dict names a label that is not a class, if a class has zero
        total sample weight under "balanced", or if a weight is negative or
        not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.class_weight import resolve_class_weight
    >>> resolve_class_weight("balanced", np.array([0, 0, 0, 1]), np.array([0, 1]))
    {0: 0.666..., 1: 2.0}
    """
    classes = np.asarray(classes)
    if isinstance(class_weight, dict):
        unknown = [label for label in class_weight if label not in set(classes)]
        if unknown:
            raise ValueError(
                f"class_weight names labels {unknown} that are not classes of y; "
                f"the classes are {classes.tolist()}."
            )
    if isinstance(class_weight, str) and class_weight == "balanced":
        _check_balanced_counts(y, classes, sample_weight)
    weights = _sklearn_class_weight(
        class_weight, classes=classes, y=y, sample_weight=sample_weight
    )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"class_weight must give finite, non-negative weights; got "
            f"{dict(zip(classes.tolist(), weights.tolist()))}."
        )
    return dict(zip(classes.tolist(), weights.tolist()))


def _check_balanced_counts(y, classes, sample_weight):
    if sample_weight is None:
        return
    codes = np.searchsorted(classes, y)
    totals = np.bincount(codes, weights=sample_weight, minlength=len(classes))
    empty = classes[totals <= 0]
    if empty.size:
        raise ValueError(
            f'class_weight="balanced" needs every class to carry sample weight, '
            f"but classes {empty.tolist()} have total sample_weight 0."
        )
