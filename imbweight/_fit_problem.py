"""The fit problem of a linear classifier, built from ``fit``'s arguments.

:func:`build_fit_problem` validates the data, encodes the target, resolves
the class weights (through the one resolver,
:func:`imbweight.class_weight.resolve_class_weight`) and ``alpha``, and
returns a :class:`FitProblem`: everything a solver needs, and the fitted
attributes the estimator stores once the solver has succeeded. It reads the
estimator's parameters and (for ``partial_fit``) its fitted state, and
writes nothing on it: a fit that fails leaves the estimator as it was.
"""

from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from imbweight._compat import check_sample_weight
from imbweight._objective import LinearObjective
from imbweight._targets import (
    BINARY,
    MULTICLASS,
    MULTILABEL,
    ClassCounts,
    check_target,
    target_kind_of_classes,
)
from imbweight._validation import check_sparse_structure
from imbweight.class_weight import class_weight_array, resolve_class_weight
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

__all__ = ["FitProblem", "build_fit_problem", "resolve_alpha", "shallow_copy"]


@dataclass(frozen=True)
class FitProblem:
    """The data, targets, weights and objective of one fit.

    Attributes
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated data, float32 or float64.
    target : ndarray
        The encoded target: ``uint8`` (1 for ``classes[1]``) for binary,
        ``intp`` class codes for multiclass, the 0/1 indicator in the dtype
        of ``X`` for multi-label.
    sample_weight : ndarray
        Full per-sample weights (``sample_weight`` times class weight), or
        per element for multi-label; a read-only broadcast of 1 when every
        weight is 1.
    objective : LinearObjective
        The loss lifted to the coefficients.
    classes : ndarray
        The classes; ``arange(n_labels)`` for multi-label.
    target_kind : {"binary", "multiclass", "multilabel-indicator"}
        The kind of target.
    class_weight : dict or list of dict
        The resolved class weights.
    n_features_in : int
        Number of features.
    feature_names_in : None or ndarray
        Names of the features when ``X`` had string column names.
    """

    X: object
    target: np.ndarray
    sample_weight: np.ndarray
    objective: LinearObjective
    classes: np.ndarray
    target_kind: str
    class_weight: object
    n_features_in: int
    feature_names_in: object = None

    @property
    def weight_sum(self):
        """The normaliser ``S`` of the loss term."""
        return self.objective.weight_sum(self.sample_weight, self.X.shape[0])

    def l2_reg_strength(self, C):
        """``1 / (C S)``, the penalty of the normalised objective (0 for C=inf)."""
        return 1.0 / (C * self.weight_sum)

    def fitted_attributes(self, coef):
        """The fitted attributes of a solution ``coef`` of this problem.

        Raises
        ------
        FloatingPointError
            If a coefficient is not finite.
        """
        if not np.all(np.isfinite(coef)):
            raise FloatingPointError(
                "The solver produced non-finite coefficients; nothing was stored. "
                "Scale the features (e.g. StandardScaler) or lower C."
            )
        coef_, intercept_ = self.objective.unpack(
            coef, self.n_features_in, self.X.dtype
        )
        attributes = {
            "classes_": self.classes,
            "class_weight_": self.class_weight,
            "coef_": coef_,
            "intercept_": intercept_,
            "n_features_in_": self.n_features_in,
            "_target_kind_": self.target_kind,
            "_loss_": self.objective.loss,
        }
        if self.feature_names_in is not None:
            attributes["feature_names_in_"] = self.feature_names_in
        return attributes


def build_fit_problem(
    estimator, X, y, sample_weight, *, classes=None, reset=True, allow_zero_weight=False
):
    """Validate ``fit``'s arguments and build the :class:`FitProblem`.

    Parameters
    ----------
    estimator : FocalLinearClassifierMixin
        Its parameters (``gamma``, ``alpha``, ``class_weight``,
        ``fit_intercept``) are read; nothing is written on it.
    X, y, sample_weight
        As given to ``fit``.
    classes : array-like, default=None
        ``partial_fit``'s full set of classes, of which ``y`` may hold a
        subset.
    reset : bool, default=True
        False for a ``partial_fit`` after the first: ``X`` is checked against
        the fitted features, and the target must be of the fitted kind.
    allow_zero_weight : bool, default=False
        Whether every sample may weigh 0 (a ``partial_fit`` chunk may);
        otherwise that is an error.

    Returns
    -------
    problem : FitProblem
    """
    name = type(estimator).__name__
    if reset:
        # validate_data records n_features_in_ and feature_names_in_ on the
        # estimator it is given: a shallow copy, read back below, so that the
        # estimator itself changes only once the fit has succeeded.
        record = shallow_copy(estimator)
    else:
        record = estimator
    # Before validate_data: a format conversion would read out of bounds too.
    check_sparse_structure(X)
    X, y = validate_data(
        record,
        X,
        y,
        accept_sparse=estimator._accept_sparse,
        dtype=[np.float64, np.float32],
        order=getattr(estimator, "_input_order", None),
        multi_output=True,
        reset=reset,
    )
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    y, target_kind = check_target(y, name)
    if not reset and (target_kind == MULTILABEL) != (
        estimator._target_kind_ == MULTILABEL
    ):
        raise ValueError(
            f"y is a {target_kind!r} target, but {name} was fitted on a "
            f"{estimator._target_kind_!r} one; a partial_fit must keep the kind of "
            f"target (call fit to start afresh)."
        )
    classes = _checked_classes(name, y, target_kind, classes)
    if target_kind != MULTILABEL:
        target_kind = target_kind_of_classes(classes.size)
    if sample_weight is not None:
        sample_weight = check_sample_weight(
            sample_weight,
            X,
            dtype=X.dtype,
            ensure_non_negative=True,
            allow_all_zero=allow_zero_weight,
        )
    # The n-sized arrays are made one at a time, in their final dtype, after
    # scikit-learn's target checks have freed theirs: the peak memory of a
    # fit stays a few vectors of length n_samples.
    if target_kind == MULTILABEL:
        target, weights, class_weight = _encode_multilabel(
            estimator.class_weight, y, X.dtype, sample_weight
        )
    else:
        target, weights, class_weight = _encode_single_output(
            estimator.class_weight, y, classes, X.dtype, sample_weight
        )
    alpha = resolve_alpha(estimator.alpha, target_kind, classes)
    if not allow_zero_weight:
        _check_some_weight(target, weights, alpha, target_kind)
    objective = LinearObjective(
        _loss(estimator.gamma, alpha, target_kind),
        fit_intercept=estimator.fit_intercept,
        n_outputs=1 if target_kind == BINARY else classes.size,
    )
    return FitProblem(
        X=X,
        target=target,
        sample_weight=weights,
        objective=objective,
        classes=classes,
        target_kind=target_kind,
        class_weight=class_weight,
        n_features_in=X.shape[1],
        feature_names_in=getattr(record, "feature_names_in_", None),
    )


def shallow_copy(estimator):
    """A new instance sharing ``estimator``'s attributes.

    ``copy.copy`` would go through pickling's ``__reduce_ex__``, which an
    estimator holding a lock or a connection may refuse.
    """
    duplicate = object.__new__(type(estimator))
    duplicate.__dict__.update(vars(estimator))
    return duplicate


def _checked_classes(name, y, target_kind, classes):
    """The classes of the fit: inferred from ``y``, or checked against it."""
    if target_kind == MULTILABEL:
        n_labels = y.shape[1]
        if classes is not None and len(classes) != n_labels:
            raise ValueError(
                f"classes has {len(classes)} entries, but the multi-label y "
                f"has {n_labels} columns; pass classes=range({n_labels})."
            )
        return np.arange(n_labels)
    if classes is None:
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes.tolist()[0]!r}."
            )
        return classes
    classes = np.unique(classes)
    if classes.size < 2:
        raise ValueError(
            f"classes must hold at least 2 classes; got {classes.tolist()}."
        )
    unseen = np.setdiff1d(np.unique(y), classes)
    if unseen.size:
        raise ValueError(
            f"y contains labels {unseen.tolist()} that are not in classes "
            f"{classes.tolist()}."
        )
    return classes


def _encode_single_output(class_weight, y, classes, dtype, sample_weight):
    """Target, full per-sample weights and class weights of a 1-D ``y``.

    With every weight 1 (no ``sample_weight``, unit class weights) the
    weights are a read-only broadcast of one 1, which costs no memory.
    """
    if classes.size == 2:
        target = np.asarray(y == classes[1], dtype=bool).view(np.uint8)
    else:
        target = np.searchsorted(classes, y)
    counts = ClassCounts.of_codes(target, classes, sample_weight)
    class_weight = resolve_class_weight(
        class_weight, counts, y=y, sample_weight=sample_weight
    )
    per_class = class_weight_array(class_weight, classes).astype(dtype)
    if sample_weight is None:
        if np.all(per_class == 1):
            ones = np.broadcast_to(np.ones(1, dtype=dtype), target.shape)
            return target, ones, class_weight
    if classes.size == 2:
        weights = np.where(target, per_class[1], per_class[0])
    else:
        weights = per_class.take(target)
    if sample_weight is not None:
        weights *= sample_weight
    return target, weights, class_weight


def _encode_multilabel(class_weight, indicator, dtype, sample_weight):
    """Target, per-element weights and per-label class weights."""
    counts = ClassCounts.of(indicator, sample_weight)
    class_weight = resolve_class_weight(
        class_weight, counts, y=indicator, sample_weight=sample_weight
    )
    negative, positive = class_weight_array(class_weight, counts.classes).T
    target = indicator.astype(dtype)
    weights = np.where(indicator == 1, positive, negative).astype(dtype, copy=False)
    if sample_weight is not None:
        weights = sample_weight[:, None] * weights
    return target, weights, class_weight


def _check_some_weight(target, weights, alpha, target_kind):
    """Raise unless some sample (or element) weighs more than 0 in the loss.

    Its weight is ``sample_weight × class weight × α_t``; ``α_t`` is the
    loss's factor (``α`` for a positive, ``1 - α`` for a negative).
    """
    if alpha is not None:
        alpha = np.asarray(alpha)
        if target_kind == MULTICLASS:
            factor = alpha[target]
        else:
            factor = np.where(target == 1, alpha, 1 - alpha)
        weights = weights * factor
    if not np.any(weights > 0):
        alpha = "" if alpha is None else " times alpha"
        raise ValueError(
            f"sample_weight times class_weight{alpha} is zero for every sample; "
            f"at least one sample needs a positive weight."
        )


def _loss(gamma, alpha, target_kind):
    """The pointwise loss of a target kind."""
    if target_kind == MULTICLASS:
        return MultinomialFocalLoss(gamma=float(gamma), alpha=alpha)
    return BinaryFocalLoss(gamma=float(gamma), alpha=alpha)


def resolve_alpha(alpha, target_kind, classes):
    """``alpha`` as the losses expect it: None, a float or one value per output.

    Parameters
    ----------
    alpha : None, float, array-like or dict
        The estimator's ``alpha`` parameter.
    target_kind : {"binary", "multiclass", "multilabel-indicator"}
        The kind of target.
    classes : ndarray
        The classes (``arange(n_labels)`` for multi-label).

    Returns
    -------
    alpha : None, float or ndarray of shape (n_classes,) or (n_labels,)

    Raises
    ------
    ValueError
        If ``alpha`` has no meaning for the target: a float for a softmax,
        an array or dict for a binary target, the wrong length or keys, or a
        value outside [0, 1].
    """
    if alpha is None:
        return None
    if target_kind == BINARY:
        if not isinstance(alpha, Real):
            raise ValueError(
                f"For a binary target alpha must be None or a float in [0, 1] "
                f"(the weight of the positive class {classes[1]!r}); got "
                f"{alpha!r}."
            )
        return float(alpha)
    if isinstance(alpha, Real):
        if target_kind == MULTILABEL:
            return float(alpha)
        raise ValueError(
            f"alpha={alpha!r} is a float, but y has {classes.size} classes. A "
            f"float alpha is the positive-class weight of the binary (sigmoid) "
            f"focal loss and has no meaning for a softmax over "
            f"{classes.size} classes: pass one value per class, an array of "
            f"shape ({classes.size},) ordered like classes_ or a dict "
            f"{{class: alpha}}."
        )
    if isinstance(alpha, dict):
        if target_kind == MULTILABEL or set(alpha) != set(classes.tolist()):
            raise ValueError(
                f"A dict alpha must have exactly the classes as keys, "
                f"{classes.tolist()}; got keys {list(alpha)}."
            )
        alpha = [alpha[label] for label in classes.tolist()]
    alpha = np.asarray(alpha, dtype=np.float64)
    if alpha.shape != (classes.size,):
        raise ValueError(
            f"alpha must have one value per class or label, shape "
            f"({classes.size},); got shape {alpha.shape}."
        )
    if not np.all((alpha >= 0) & (alpha <= 1)):
        raise ValueError(f"Every alpha must lie in [0, 1]; got {alpha.tolist()}.")
    return alpha
