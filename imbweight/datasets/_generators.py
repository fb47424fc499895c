"""Synthetic imbalanced classification data with exact class sizes."""

from numbers import Integral, Real

import numpy as np
from sklearn.datasets import make_classification
from sklearn.utils import check_random_state

from imbweight._compat import Interval, validate_params


def _class_sizes(n_samples, imbalance_ratio, n_classes):
    """Class sizes, largest first, in geometric progression.

    Class ``k`` gets a share proportional to ``imbalance_ratio ** (-k / (K -
    1))``; the shares are rounded to integers summing to ``n_samples`` by
    largest remainder, which keeps the sizes non-increasing.
    """
    shares = float(imbalance_ratio) ** (-np.arange(n_classes) / (n_classes - 1))
    exact = n_samples * shares / shares.sum()
    sizes = np.floor(exact).astype(np.int64)
    order = np.argsort(sizes - exact, kind="stable")
    sizes[order[: n_samples - sizes.sum()]] += 1
    return sizes


@validate_params(
    {
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "imbalance_ratio": [Interval(Real, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "class_sep": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_imbalanced(
    n_samples=1000,
    n_features=20,
    *,
    imbalance_ratio=10.0,
    n_classes=2,
    class_sep=1.0,
    random_state=None,
):
    """Generate an imbalanced classification problem with exact class sizes.

    A wrapper of :func:`sklearn.datasets.make_classification` (Gaussian
    clusters at the vertices of a hypercube, no label noise) whose knob is
    the imbalance ratio: the size of the largest class over that of the
    smallest.

    Class sizes decrease geometrically from class ``0`` (the majority) to
    class ``n_classes - 1`` (the smallest): class ``k`` gets a share
    proportional to ``imbalance_ratio ** (-k / (n_classes - 1))``, rounded
    to integers that sum to ``n_samples`` (largest remainder). For two
    classes this is ``n_samples / (1 + imbalance_ratio)`` samples of class
    ``1``, the minority, as in the binary datasets of :func:`load_dataset`;
    for more, every pair of consecutive classes has the same ratio
    ``imbalance_ratio ** (1 / (n_classes - 1))``. The realised ratio is
    ``imbalance_ratio`` up to that rounding.

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of samples.
    n_features : int, default=20
        Number of features. ``max(2, 1 + ceil(log2(n_classes)))`` of them
        (at most ``n_features``) are informative, up to two more are linear
        combinations of those, the rest is noise. Each class is made of two
        Gaussian clusters, or of one when ``n_features`` is too small for
        two.
    imbalance_ratio : float, default=10.0
        Size of the largest class over the size of the smallest, at least 1
        (1 gives balanced classes).
    n_classes : int, default=2
        Number of classes, labelled ``0`` to ``n_classes - 1`` from the
        largest to the smallest.
    class_sep : float, default=1.0
        Spread of the cluster centres, passed to ``make_classification``:
        larger values make the problem easier.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator; an int gives reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The features, float64.
    y : ndarray of shape (n_samples,)
        The labels, int64, in random order.

    Raises
    ------
    ValueError
        If a parameter is out of range, if ``n_samples`` is too small to give
        every class at least one sample at this ratio, or if ``n_features``
        cannot tell ``n_classes`` classes apart (``2 ** n_features <
        n_classes``).

    See Also
    --------
    sklearn.datasets.make_classification : The underlying generator.
    load_dataset : Real imbalanced datasets.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.datasets import make_imbalanced
    >>> X, y = make_imbalanced(1000, 5, imbalance_ratio=9, random_state=0)
    >>> X.shape
    (1000, 5)
    >>> np.bincount(y)
    array([900, 100])

    Three classes with an overall ratio of 16 shrink by a factor 4 each:

    >>> X, y = make_imbalanced(210, imbalance_ratio=16, n_classes=3, random_state=0)
    >>> np.bincount(y)
    array([160,  40,  10])
    """
    sizes = _class_sizes(n_samples, imbalance_ratio, n_classes)
    if sizes[-1] < 1:
        raise ValueError(
            f"n_samples={n_samples} is too small for imbalance_ratio="
            f"{imbalance_ratio!r} and n_classes={n_classes}: class sizes would "
            f"be {sizes.tolist()}, with an empty smallest class. Increase "
            "n_samples or lower imbalance_ratio."
        )
    # Bits needed to give each class its own hypercube vertex.
    class_bits = (n_classes - 1).bit_length()
    if class_bits > n_features:
        raise ValueError(
            f"n_features={n_features} is too small for n_classes={n_classes}: "
            f"{n_classes} classes need at least {class_bits} features."
        )
    n_informative = min(n_features, max(2, class_bits + 1))
    n_clusters_per_class = 2 if 2 * n_classes <= 2**n_informative else 1
    n_redundant = min(2, n_features - n_informative)

    # make_classification rounds the class sizes it is given; ask for a few
    # more samples per class than needed, then keep the first ones of each
    # class (its rows come shuffled, so these are a random subset).
    requested = sizes + n_clusters_per_class + 1
    X, y = make_classification(
        n_samples=int(requested.sum()),
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=n_redundant,
        n_repeated=0,
        n_classes=n_classes,
        n_clusters_per_class=n_clusters_per_class,
        weights=requested / requested.sum(),
        flip_y=0.0,
        class_sep=class_sep,
        random_state=check_random_state(random_state),
    )
    rank_in_class = np.zeros_like(y)
    for k in range(n_classes):
        members = y == k
        rank_in_class[members] = np.arange(np.count_nonzero(members))
    keep = rank_in_class < sizes[y]
    if np.count_nonzero(keep) != n_samples:  # pragma: no cover - a bug guard
        raise RuntimeError(
            "make_classification returned fewer samples per class than "
            f"requested: {np.bincount(y, minlength=n_classes).tolist()} for "
            f"{sizes.tolist()}."
        )
    return X[keep], y[keep].astype(np.int64, copy=False)
