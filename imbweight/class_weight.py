"""Class-weight strategies, :class:`ClassWeights` and their resolution in ``fit``.

Conventions
-----------
A strategy maps the counts of the classes to one weight per class. Throughout,
``n_c = Σ_{i: y_i = c} s_i`` is the count of class ``c`` weighted by
``sample_weight`` ``s`` (the plain count without it; it need not be an
integer), ``n = Σ_c n_c`` and ``k`` is the number of classes present in
``y``. ``w_c`` is the weight of class ``c``; a sample of class ``y_i`` enters
the loss with weight ``s_i · w_{y_i}`` (see the objective in
:class:`~imbweight.FocalLogisticRegression`). Strategies are looked up by
name in one table, ``_STRATEGIES``; the weights are then clipped (``clip``),
then rescaled (``normalize``).
"""

from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from imbweight._compat import (
    Interval,
    StrOptions,
    check_sample_weight,
    validate_parameter_constraints,
)
from imbweight._targets import MULTILABEL, ClassCounts, check_target

__all__ = [
    "ClassWeights",
    "class_weight_array",
    "compute_class_weight",
    "resolve_class_weight",
]


# ------------------------------------------------------------------ strategies
# Each strategy takes the weighted counts (float ndarray, all > 0) and the
# strategy parameters, and returns the raw weights, one per class.


def _balanced(counts, *, beta, power):
    """``n / (k n_c)``, in the arithmetic of scikit-learn's compute_class_weight."""
    return np.sum(counts) / (counts.size * counts)


def _inverse(counts, *, beta, power):
    """``1 / n_c``."""
    return 1.0 / counts


def _sqrt_inverse(counts, *, beta, power):
    """``1 / sqrt(n_c)``."""
    return 1.0 / np.sqrt(counts)


def _power(counts, *, beta, power):
    """``n_c ** -power``: 0 is uniform, 0.5 "sqrt_inverse", 1 "inverse"."""
    return np.power(counts, -float(power))


def _effective_number(counts, *, beta, power):
    """``(1 - β) / (1 - β^n_c)``, the inverse effective number of samples.

    ``1 - β^n_c`` is ``-expm1(n_c log β)``, accurate when ``β^n_c`` is close
    to 1 (``β`` near 1, small or fractional counts), where the subtraction
    would cancel. The endpoints are the limits: ``β = 0`` is uniform,
    ``β = 1`` is ``1 / n_c``.
    """
    beta = float(beta)
    if beta == 0.0:
        return np.ones_like(counts)
    if beta == 1.0:
        return 1.0 / counts
    return (1.0 - beta) / -np.expm1(counts * np.log(beta))


_STRATEGIES = {
    "balanced": _balanced,
    "inverse": _inverse,
    "sqrt_inverse": _sqrt_inverse,
    "power": _power,
    "effective_number": _effective_number,
}

# Strategies whose raw weights already satisfy normalize="samples" exactly in
# exact arithmetic: rescaling them would only add round-off, so it is skipped
# (unless clipping changed them) and "balanced" reproduces scikit-learn bit
# for bit.
_SAMPLES_SCALED = frozenset({"balanced"})

_PARAMETER_CONSTRAINTS = {
    "strategy": [StrOptions(set(_STRATEGIES))],
    "beta": [Interval(Real, 0, 1, closed="both")],
    "power": [Interval(Real, 0, None, closed="left")],
    "clip": [None, Interval(Real, 1, None, closed="left")],
    "normalize": [None, StrOptions({"samples", "classes"})],
}


def _weights_from_counts(counts, strategy, beta, power, clip, normalize):
    """Strategy, then clip, then normalisation; ``counts`` all positive."""
    # Extreme counts (a sample_weight of 5e-324) overflow: checked below and
    # raised as an error that says so, not leaked as NumPy's RuntimeWarnings.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        weights = _rescaled(counts, strategy, beta, power, clip, normalize)
    if not np.all(np.isfinite(weights) & (weights > 0)):
        raise ValueError(
            f"strategy={strategy!r} gives weights that are not finite and "
            f"positive for the class counts {counts.tolist()} (power={power!r}, "
            f"beta={beta!r}): they overflow or underflow. Use a smaller power or "
            f"rescale sample_weight."
        )
    return weights


def _rescaled(counts, strategy, beta, power, clip, normalize):
    weights = _STRATEGIES[strategy](counts, beta=beta, power=power)
    rescale = strategy not in _SAMPLES_SCALED
    if clip is not None:
        ceiling = clip * np.min(weights)
        if np.any(weights > ceiling):
            weights = np.minimum(weights, ceiling)
            rescale = True
    if normalize == "samples" and rescale:
        weights = weights * (np.sum(counts) / np.dot(counts, weights))
    elif normalize == "classes":
        weights = weights * (weights.size / np.sum(weights))
    return weights


def _strategy_weights(counts, params, where=""):
    """``{label: weight}`` of a strategy on single-label ``counts``.

    ``params`` are the (validated) parameters of :class:`ClassWeights`.
    """
    empty = counts.weighted <= 0
    if np.any(empty):
        raise ValueError(
            f"{where}classes {counts.classes[empty].tolist()} have total "
            f"sample_weight 0, so their class weight is undefined (every strategy "
            f"divides by the count). Drop those samples or give them a positive "
            f"sample_weight."
        )
    weights = _weights_from_counts(counts.weighted, **params)
    return dict(zip(counts.classes.tolist(), weights.tolist(), strict=True))


def _fit_class_weight(y, sample_weight, params, caller):
    """``(classes_, class_weight_)`` of a strategy on the labels ``y``.

    A multi-label indicator is treated as one binary target per column.
    """
    y, kind = check_target(y, caller)
    sample_weight = check_sample_weight(sample_weight, y, ensure_non_negative=True)
    counts = ClassCounts.of(y, sample_weight)
    if kind != MULTILABEL:
        return counts.classes, _strategy_weights(counts, params)
    return counts.classes, [
        _strategy_weights(counts.label(label), params, f"Label {label}: ")
        for label in counts.classes.tolist()
    ]


def _per_sample(y, class_weight, where=""):
    """The weight of each sample's class; a label without weight is an error."""
    labels, codes = np.unique(y, return_inverse=True)
    unseen = [label for label in labels.tolist() if label not in class_weight]
    if unseen:
        raise ValueError(
            f"{where}y contains labels {unseen} that were not seen in fit; the "
            f"fitted classes are {list(class_weight)}."
        )
    table = np.array([class_weight[label] for label in labels.tolist()])
    return table.astype(np.float64)[codes.ravel()]


# ---------------------------------------------------------------- public API
class ClassWeights(BaseEstimator):
    """A class-weight strategy, fitted on the labels an estimator receives.

    ``fit`` turns the (sample-weighted) class counts of ``y`` into one weight
    per class, ``class_weight_``; ``transform`` gives each sample the weight
    of its class. Pass an instance as ``class_weight=`` to an imbweight
    estimator and it is cloned and fitted inside the estimator's ``fit``, on
    the ``y`` that reaches it: after a resampler in an imblearn ``Pipeline``
    the weights follow the resampled counts. Its parameters are tunable
    through nested names (``clf__class_weight__beta``).

    With ``n_c`` the count of class ``c`` (weighted by ``sample_weight``),
    ``n = Σ_c n_c`` and ``k`` classes, the strategies are:

    ====================== =====================================================
    ``"balanced"``          ``n / (k n_c)``, exactly scikit-learn's
                            ``compute_class_weight("balanced", ...)``
    ``"inverse"``           ``1 / n_c``
    ``"sqrt_inverse"``      ``1 / sqrt(n_c)``
    ``"power"``             ``n_c ** -power``: from uniform (``power=0``) through
                            ``"sqrt_inverse"`` (0.5) to ``"inverse"`` (1) and
                            beyond
    ``"effective_number"``  ``(1 - β) / (1 - β^n_c)``, the inverse of the
                            "effective number of samples" of Cui et al. (2019);
                            uniform at ``β = 0``, ``"inverse"`` as ``β → 1``
    ====================== =====================================================

    ``power`` is a strategy of its own rather than an exponent on the others:
    each parameter then belongs to exactly one strategy (``beta`` to
    ``"effective_number"``, ``power`` to ``"power"``), ``"inverse"`` and
    ``"sqrt_inverse"`` are named points of the ``"power"`` family, and a
    single grid over ``power`` interpolates between no weighting and inverse
    frequency.

    The weights are then clipped, then rescaled.

    **Scale.** Multiplying every class weight by ``a`` multiplies the data
    term of the objective ``C Σ_i s_i w_{y_i} ℓ_i + ½‖W‖²`` by ``a``, exactly
    like replacing ``C`` by ``a C``: the scale of the weights is part of the
    regularisation. ``normalize`` fixes it:

    - ``"samples"`` (default): ``Σ_c n_c w_c = n``, i.e. the mean weight per
      (weighted) sample is 1, so the data term carries the same total weight
      as without class weights and ``C`` keeps the meaning it has in an
      unweighted model. This is the scale of scikit-learn's ``"balanced"``
      (which is ``"inverse"`` at this scale, up to round-off).
    - ``"classes"``: the mean over classes of ``w_c`` is 1, as in Cui et al.
      (2019). On imbalanced data this puts less total weight on the data
      (the majority classes, which hold most samples, weigh less than 1), so
      the model is regularised more: the effective ``C`` is
      ``C Σ_c n_c w_c / n``.
    - ``None``: the raw formula. For ``"inverse"`` the total weight is ``k``
      whatever ``n``, so the effective ``C`` is ``C k / n``.

    **Clip.** ``clip`` bounds the ratio of the largest to the smallest weight:
    weights above ``clip · min(w)`` are lowered to it, before the rescaling
    (which keeps ratios). ``clip=1`` gives uniform weights.

    **Multi-label.** A 2-D 0/1 indicator ``y`` of ``L`` labels is treated as
    ``L`` binary targets: ``class_weight_`` is a list with, for label ``j``,
    the dict ``{0: w0, 1: w1}`` that fitting on the column ``y[:, j]`` would
    give (the form imbweight estimators take for multi-label targets). So
    ``"balanced"`` here is exactly the estimators' own per-label
    ``class_weight="balanced"``; the ratio ``w1 / w0`` is what other libraries
    call the positive weight (``n_neg / n_pos`` for ``"inverse"``); and with
    ``normalize="samples"`` every label keeps a total weight of ``n``. The
    alternative of fixing ``w0 = 1`` and ``w1 = w1 / w0`` has the same ratio
    but gives a rare label a total weight of about ``2 n_neg``, up to twice
    that of a common one, i.e. a per-label ``C`` that depends on the
    imbalance rather than on the user's choice. A label that is constant in
    ``y`` gets a one-entry dict, as its column alone would (the estimators
    weigh an absent class 1).

    A class present in ``y`` whose samples all have ``sample_weight`` 0 is an
    error: its weight would be infinite.

    Parameters
    ----------
    strategy : {"balanced", "inverse", "sqrt_inverse", "power", \
            "effective_number"}, default="balanced"
        How class counts become weights; see the table above.
    beta : float in [0, 1], default=0.999
        ``β`` of ``"effective_number"``; ignored by the other strategies. Cui
        et al. use values between 0.9 and 0.9999; the closer to 1, the closer
        to ``"inverse"``.
    power : float >= 0, default=1.0
        Exponent of ``"power"``; ignored by the other strategies.
    clip : None or float >= 1, default=None
        Upper bound on ``max(w) / min(w)``; ``None`` does not clip.
    normalize : {"samples", "classes"} or None, default="samples"
        Scale of the weights: mean weight 1 per sample, mean weight 1 per
        class, or the raw formula. See **Scale** above.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or (n_labels,)
        The sorted classes of ``y``; ``arange(n_labels)`` for a multi-label
        target.
    class_weight_ : dict or list of dict
        Class label (a Python scalar) to weight; for a multi-label target, a
        list of one dict ``{0: w0, 1: w1}`` per label.

    See Also
    --------
    compute_class_weight : The same computation as a function.
    sklearn.utils.class_weight.compute_class_weight : The "balanced" strategy
        of scikit-learn.

    References
    ----------
    Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced Loss
    Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from imbweight.class_weight import ClassWeights
    >>> y = ["a"] * 6 + ["b"] * 2
    >>> ClassWeights().fit(y).class_weight_
    {'a': 0.666..., 'b': 2.0}
    >>> weights = ClassWeights("sqrt_inverse").fit(y)
    >>> {label: round(w, 4) for label, w in weights.class_weight_.items()}
    {'a': 0.8453, 'b': 1.4641}
    >>> weights.transform(["b", "a", "b"]).round(4)
    array([1.4641, 0.8453, 1.4641])

    Clipping bounds the ratio of the weights:

    >>> y = [0] * 99 + [1]
    >>> ClassWeights("inverse", clip=10, normalize="classes").fit(y).class_weight_
    {0: 0.1818..., 1: 1.8181...}

    Inside an estimator, on whatever ``y`` reaches its ``fit``:

    >>> from imbweight import FocalLogisticRegression
    >>> clf = FocalLogisticRegression(
    ...     class_weight=ClassWeights("effective_number", beta=0.99)
    ... )
    >>> clf.set_params(class_weight__beta=0.9).class_weight.beta
    0.9
    """

    _parameter_constraints: dict = _PARAMETER_CONSTRAINTS

    def __init__(
        self,
        strategy="balanced",
        *,
        beta=0.999,
        power=1.0,
        clip=None,
        normalize="samples",
    ):
        self.strategy = strategy
        self.beta = beta
        self.power = power
        self.clip = clip
        self.normalize = normalize

    def fit(self, y, sample_weight=None):
        """Compute the weight of each class of ``y``.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for a multi-label target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples; the class counts are sums
            of them.

        Returns
        -------
        self : ClassWeights
            The fitted strategy.
        """
        # Validated here, not through @_fit_context: inside an estimator's fit
        # (which skips nested validation) the parameters would go unchecked.
        self._validate_params()
        self.classes_, self.class_weight_ = _fit_class_weight(
            y, sample_weight, self.get_params(deep=False), type(self).__name__
        )
        return self

    def transform(self, y):
        """The weight of each sample's class.

        Only the class weight: multiply by ``sample_weight`` yourself if you
        have one.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels seen in ``fit`` (an indicator matrix with as many labels
            if ``fit`` saw one).

        Returns
        -------
        weights : ndarray of shape (n_samples,) or (n_samples, n_labels)
            ``weights[i]`` is the weight of the class of sample ``i``; for a
            multi-label target ``weights[i, j]`` is the weight of sample
            ``i``'s value of label ``j``.
        """
        check_is_fitted(self)
        y, kind = check_target(y, type(self).__name__)
        multilabel = kind == MULTILABEL
        fitted_multilabel = isinstance(self.class_weight_, list)
        if multilabel != fitted_multilabel:
            seen = "a multi-label" if fitted_multilabel else "a single-label"
            got = "a multi-label" if multilabel else "a single-label"
            raise ValueError(
                f"{type(self).__name__} was fitted on {seen} y; got {got} y."
            )
        if not multilabel:
            return _per_sample(y, self.class_weight_)
        if y.shape[1] != len(self.class_weight_):
            raise ValueError(
                f"y has {y.shape[1]} labels; {type(self).__name__} was fitted on "
                f"{len(self.class_weight_)}."
            )
        return np.column_stack(
            [
                _per_sample(y[:, label], weights, f"Label {label}: ")
                for label, weights in enumerate(self.class_weight_)
            ]
        )

    def fit_transform(self, y, sample_weight=None):
        """Fit on ``y``, then return the weight of each sample's class.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for a multi-label target.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, used for the class counts only; they are
            not multiplied into the result.

        Returns
        -------
        weights : ndarray of shape (n_samples,) or (n_samples, n_labels)
            As :meth:`transform`.
        """
        return self.fit(y, sample_weight=sample_weight).transform(y)


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
    """Weight of each class of ``y`` under a strategy; ``ClassWeights`` as a function.

    See :class:`ClassWeights` for the strategies, ``clip``, ``normalize`` and
    the multi-label convention.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a 0/1 indicator matrix for a multi-label target.
    strategy : {"balanced", "inverse", "sqrt_inverse", "power", \
            "effective_number"}, default="balanced"
        How class counts become weights.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the samples; the class counts are sums of them.
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
        Class label (a Python scalar) to weight; for a multi-label target one
        dict ``{0: w0, 1: w1}`` per label.

    Raises
    ------
    ValueError
        If a parameter is invalid, if a class of ``y`` has total sample
        weight 0, or if the target is neither binary, multiclass nor a
        multi-label indicator.

    Examples
    --------
    >>> from imbweight.class_weight import compute_class_weight
    >>> y = [0] * 90 + [1] * 10
    >>> compute_class_weight(y)
    {0: 0.555..., 1: 5.0}
    >>> compute_class_weight(y, "effective_number", beta=0.99)
    {0: 0.6567..., 1: 4.0888...}
    >>> compute_class_weight([[0, 1], [0, 1], [1, 1], [0, 0]], "inverse")
    [{0: 0.666..., 1: 2.0}, {0: 2.0, 1: 0.666...}]
    """
    params = {
        "strategy": strategy,
        "beta": beta,
        "power": power,
        "clip": clip,
        "normalize": normalize,
    }
    validate_parameter_constraints(
        _PARAMETER_CONSTRAINTS, params, caller_name="compute_class_weight"
    )
    return _fit_class_weight(y, sample_weight, params, "compute_class_weight")[1]


# ------------------------------------------------------------------ resolver
def resolve_class_weight(class_weight, counts, *, y=None, sample_weight=None):
    """Resolve any form of a ``class_weight`` parameter into one weight per class.

    The one place where imbweight turns ``class_weight`` into numbers: every
    estimator, :class:`~imbweight.ClassWeightedClassifier` and
    :mod:`imbweight.dask` call it, on the labels (or only the class counts)
    that reach their ``fit``.

    Parameters
    ----------
    class_weight : None, "balanced", dict, list of dict, ClassWeights or callable
        ``None`` gives every class weight 1; ``"balanced"`` gives class ``k``
        the weight ``n / (n_classes n_k)`` with (sample-weighted) counts, as
        scikit-learn does; a dict maps labels to weights, classes it omits
        get 1. A :class:`ClassWeights` is evaluated on ``counts`` (exactly as
        fitting a clone of it on the labels would); any other object with
        ``fit(y, sample_weight=None)`` that sets a dict ``class_weight_`` is
        cloned and fitted on ``y`` and ``sample_weight``. A callable is
        called as ``class_weight(y)`` and returns a dict. Both must weigh
        every class. For a multi-label target each label is a binary target
        with classes 0 and 1: a list gives one entry (of any of these forms)
        per label, any other form applies to every label, and a single dict
        is an error (it would be ambiguous).
    counts : ClassCounts
        The classes and their counts (see :class:`imbweight._targets.ClassCounts`).
    y : None or ndarray, default=None
        The labels behind ``counts``; needed only by callables and strategy
        objects other than :class:`ClassWeights`.
    sample_weight : None or ndarray of shape (n_samples,), default=None
        The sample weights behind ``counts``, passed to a strategy object's
        ``fit``.

    Returns
    -------
    class_weight : dict or list of dict
        Label to weight, one entry per class of ``counts``; for a multi-label
        target one dict per label, over the values (0, 1) that label takes
        (both for a dict).

    Raises
    ------
    ValueError
        If a dict names a label that is not a class, if a class has zero
        total sample weight under "balanced" or a strategy, if a strategy or
        callable leaves out a class, or if a weight is negative or not finite.
    TypeError
        If ``class_weight`` is of none of the accepted kinds, a strategy or
        callable gives something other than a dict, or needs the labels and
        only counts were given.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._targets import ClassCounts
    >>> from imbweight.class_weight import ClassWeights, resolve_class_weight
    >>> y = np.array([0, 0, 0, 1])
    >>> counts = ClassCounts.of(y)
    >>> resolve_class_weight("balanced", counts)
    {0: 0.666..., 1: 2.0}
    >>> resolve_class_weight(ClassWeights("inverse", normalize=None), counts)
    {0: 0.333..., 1: 1.0}
    >>> resolve_class_weight(lambda y: {0: 1.0, 1: float(np.sum(y == 0))}, counts, y=y)
    {0: 1.0, 1: 3.0}
    """
    if counts.multilabel:
        return _resolve_per_label(class_weight, counts, y, sample_weight)
    return _resolve_one(class_weight, counts, y, sample_weight)


def class_weight_array(class_weight, classes):
    """Resolved class weights as float64 numbers, ordered like ``classes``.

    Parameters
    ----------
    class_weight : dict or list of dict
        A resolved ``class_weight_``.
    classes : ndarray of shape (n_classes,)
        The classes; for a list (multi-label), ``arange(n_labels)``.

    Returns
    -------
    weights : ndarray of shape (n_classes,) or (n_labels, 2)
        For a multi-label table, the weights of 0 and of 1 in each label; a
        value a label never took weighs 1.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.class_weight import class_weight_array
    >>> class_weight_array({"a": 0.5, "b": 3.0}, np.array(["a", "b"]))
    array([0.5, 3. ])
    >>> class_weight_array([{0: 0.5, 1: 3.0}, {0: 1.0}], np.arange(2))
    array([[0.5, 3. ],
           [1. , 1. ]])
    """
    if isinstance(class_weight, list):
        return np.array(
            [(weights.get(0, 1.0), weights.get(1, 1.0)) for weights in class_weight],
            dtype=np.float64,
        ).reshape(-1, 2)
    return np.array(
        [class_weight[label] for label in classes.tolist()], dtype=np.float64
    )


def _resolve_per_label(class_weight, counts, y, sample_weight):
    n_labels = counts.classes.size
    per_label = class_weight
    if isinstance(per_label, list):
        if len(per_label) != n_labels:
            raise ValueError(
                f"class_weight is a list of {len(per_label)} entries, but y has "
                f"{n_labels} labels; give one (e.g. a dict {{0: w0, 1: w1}}) per "
                f"label."
            )
    elif isinstance(per_label, dict):
        raise ValueError(
            "For a multi-label target, class_weight must be None, 'balanced', "
            "a ClassWeights, a callable or a list of one dict {0: w0, 1: w1} "
            "per label; got a dict."
        )
    else:
        per_label = [per_label] * n_labels
    resolved = []
    for label, entry in enumerate(per_label):
        label_counts = counts.label(label)
        if isinstance(entry, dict):
            # A dict may name both values of a label that takes only one.
            label_counts = ClassCounts(
                np.array([0, 1]), np.zeros(2, dtype=np.int64), np.zeros(2)
            )
        resolved.append(
            _resolve_one(
                entry,
                label_counts,
                None if y is None else y[:, label],
                sample_weight,
                where=f"Label {label}: ",
            )
        )
    return resolved


def _resolve_one(class_weight, counts, y, sample_weight, where=""):
    """The weights of a single-label target, as a dict over ``counts.classes``."""
    classes = counts.classes
    if class_weight is None:
        return dict.fromkeys(classes.tolist(), 1.0)
    if isinstance(class_weight, dict):
        _check_known_labels(class_weight, classes, "class_weight")
        mapping = {label: class_weight.get(label, 1.0) for label in classes.tolist()}
        return _checked_dict(classes, mapping, "class_weight")
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight={class_weight!r} is not a known string; the only "
                f"one is 'balanced'. For other strategies pass an object, e.g. "
                f"ClassWeights({class_weight!r})."
            )
        empty = classes[counts.weighted <= 0]
        if empty.size:
            raise ValueError(
                f'{where}class_weight="balanced" needs every class to carry '
                f"sample weight, but classes {empty.tolist()} have total "
                f"sample_weight 0."
            )
        weights = _weights_from_counts(
            counts.weighted, "balanced", None, None, None, "samples"
        )
        return dict(zip(classes.tolist(), weights.tolist(), strict=True))
    if isinstance(class_weight, type):
        raise TypeError(
            f"class_weight must be an instance such as {class_weight.__name__}(), "
            f"not the class {class_weight.__name__}."
        )
    if isinstance(class_weight, ClassWeights):
        params = class_weight.get_params(deep=False)
        validate_parameter_constraints(
            ClassWeights._parameter_constraints, params, caller_name="ClassWeights"
        )
        return _strategy_weights(counts, params, where)
    if hasattr(class_weight, "fit"):
        source = f"{type(class_weight).__name__}.fit(y).class_weight_"
    elif callable(class_weight):
        source = "class_weight(y)"
    else:
        raise TypeError(
            f"class_weight must be None, 'balanced', a dict, a ClassWeights (an "
            f"object with fit(y, sample_weight) setting class_weight_) or a "
            f"callable y -> dict; got {class_weight!r}."
        )
    if y is None:
        raise TypeError(
            f"class_weight={class_weight!r} is called on the labels themselves, "
            f"but only their class counts are available here (the labels of a "
            f"dask collection, which imbweight never holds in memory whole): "
            f"pass a ClassWeights instance, 'balanced' or a dict."
        )
    if hasattr(class_weight, "fit"):
        fitted = clone(class_weight, safe=False).fit(y, sample_weight=sample_weight)
        mapping = getattr(fitted, "class_weight_", None)
    else:
        mapping = class_weight(y)
    if not isinstance(mapping, Mapping):
        raise TypeError(
            f"{source} must be a dict label -> weight; got {type(mapping).__name__}."
        )
    _check_known_labels(mapping, classes, source)
    missing = [label for label in classes.tolist() if label not in mapping]
    if missing:
        raise ValueError(
            f"{source} gives no weight to the classes {missing}; it must weigh "
            f"every class of y, {classes.tolist()}."
        )
    return _checked_dict(classes, mapping, source)


def _check_known_labels(mapping, classes, source):
    known = set(classes.tolist())
    unknown = [label for label in mapping if label not in known]
    if unknown:
        name = "class_weight names" if source == "class_weight" else f"{source} has"
        raise ValueError(
            f"{name} labels {unknown} that are not classes of y; "
            f"the classes are {classes.tolist()}."
        )


def _checked_dict(classes, mapping, source):
    """``{label: float weight}`` once every weight is a finite, non-negative number."""
    try:
        weights = np.array(
            [mapping[label] for label in classes.tolist()], dtype=np.float64
        )
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{source} must map labels to numbers; got {dict(mapping)!r}."
        ) from error
    resolved = dict(zip(classes.tolist(), weights.tolist(), strict=True))
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"{source} must give finite, non-negative weights; got {resolved}."
        )
    return resolved
