"""Pointwise focal losses on raw predictions.

Conventions
-----------
A loss knows nothing of ``X``: it maps targets and raw predictions (logits)
to a per-sample loss and its gradient with respect to the raw prediction, in
one fused call, ``loss_gradient(y_true, raw_prediction, sample_weight=None)``.
``gradient_hessian(y_true, raw_prediction, sample_weight=None)`` gives the
gradient and the second derivative instead (for a softmax, the diagonal of
its Hessian): what gradient-boosted trees need.

* :class:`BinaryFocalLoss` -- ``raw_prediction`` of any shape, ``y_true`` of
  the same shape with values in {0, 1}. A 1-D or ``(n_samples, 1)`` array is a
  binary problem; ``(n_samples, n_labels)`` is multi-label (one sigmoid per
  label), whose per-sample loss is the sum over labels.
* :class:`MultinomialFocalLoss` -- ``raw_prediction`` of shape
  ``(n_samples, n_classes)`` (softmax), ``y_true`` integer class codes of shape
  ``(n_samples,)``.

``sample_weight`` multiplies both outputs; it has shape ``(n_samples,)`` or,
for multi-label, the shape of ``raw_prediction`` (one weight per element).
The returned per-sample loss has shape ``(n_samples,)``; the gradient and
the Hessian (diagonal) have the shape of ``raw_prediction``. Computation
stays in the dtype of ``raw_prediction`` (float32 in, float32 out).

Both losses reduce to one function of the *margin* ``t`` of the true class:
``ℓ(t) = -(1 - σ(t))^γ log σ(t)``. For a sigmoid, ``t = z`` for a positive
and ``t = -z`` for a negative; for a softmax, ``t = z_y - logsumexp_{j≠y} z_j``
(then ``σ(t)`` is exactly the softmax probability of the true class). Working
with the margin keeps every quantity in log space, so loss and derivatives
are finite and accurate for any finite logit and any ``γ >= 0``.

The focal loss is not convex for ``γ > 0``: its second derivative is negative
for badly classified samples (``p_t < 0.058`` at ``γ = 2``). The Hessians here
are exact unless a ``curvature_floor`` is asked for (see
:func:`focal_margin_gradient_hessian`).
"""

import numpy as np
from scipy.special import logsumexp

__all__ = [
    "WORKSPACE_ARRAYS",
    "BinaryFocalLoss",
    "MultinomialFocalLoss",
    "focal_margin_gradient_hessian",
    "focal_margin_loss",
    "focal_margin_loss_gradient",
]


def focal_margin_loss(margin, gamma):
    """Focal loss of the true-class margin, without its derivative.

    ``ℓ(t) = -(1 - σ(t))^γ log σ(t)``, in log space: ``-log σ(t) =
    log1p(exp(-|t|)) - min(t, 0)`` and ``(1 - σ(t))^γ = exp(-γ (log1p(exp(-|t|))
    + max(t, 0)))``. Equal to the first output of
    :func:`focal_margin_loss_gradient`, at about half its cost.

    Parameters
    ----------
    margin, gamma : ndarray and float
        As for :func:`focal_margin_loss_gradient`.

    Returns
    -------
    loss : ndarray
        ``ℓ(t)``, of the shape and dtype of ``margin``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.losses import focal_margin_loss
    >>> focal_margin_loss(np.array([0.0, 1e4]), gamma=0.0).round(6)
    array([0.693147, 0.      ])
    """
    margin = np.asarray(margin)
    if margin.dtype.kind != "f":
        margin = margin.astype(np.float64)
    log1p_exp = np.log1p(np.exp(-np.abs(margin)))
    loss = log1p_exp - np.minimum(margin, 0)
    if gamma != 0:
        loss *= np.exp(-gamma * (log1p_exp + np.maximum(margin, 0)))
    return loss


def focal_margin_loss_gradient(margin, gamma):
    """Focal loss of the true-class margin and its derivative.

    ``ℓ(t) = -(1 - p)^γ log p`` with ``p = σ(t)``, and
    ``ℓ'(t) = -(1 - p)^γ ((1 - p) + γ p (-log p))``.

    The derivative is written so that both terms in the bracket are
    non-negative: no cancellation, and no ``(1 - p)^(γ - 1) log p`` product
    that is ``∞ · 0`` for ``0 < γ < 1`` as ``p → 1``. ``log p`` and
    ``log(1 - p)`` come from ``log1p(exp(-|t|))``, ``1 - p`` and ``p`` from
    ``1 / (1 + exp(±t))``: none is a difference of nearly equal numbers.

    Parameters
    ----------
    margin : ndarray
        Margin ``t`` of the true class, any shape, float32 or float64.
    gamma : float
        Focusing parameter, ``gamma >= 0``.

    Returns
    -------
    loss : ndarray
        ``ℓ(t)``, same shape and dtype as ``margin``.
    gradient : ndarray
        ``dℓ/dt``, same shape and dtype as ``margin``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.losses import focal_margin_loss_gradient
    >>> loss, grad = focal_margin_loss_gradient(np.array([0.0, 1e4]), gamma=0.0)
    >>> loss.round(6), grad.round(6)
    (array([0.693147, 0.      ]), array([-0.5, -0. ]))
    """
    # The formulas in the comments, evaluated in place: each temporary is
    # reused once its value is no longer needed (the objective calls this on
    # blocks of rows, where fewer and smaller temporaries stay in cache).
    # No np.where: on this hot path it costs as much as four arithmetic
    # passes.
    margin = np.asarray(margin)
    if margin.dtype.kind != "f":
        margin = margin.astype(np.float64)
    if margin.ndim == 0:
        loss, gradient = focal_margin_loss_gradient(margin.reshape(1), gamma)
        return loss[0], gradient[0]
    # exp may overflow to inf (silently): 1 / (1 + inf) is 0, not a NaN,
    # where σ of minus its argument is below the smallest normal number.
    with np.errstate(over="ignore"):
        # q = 1 - p = σ(-t) = 1 / (1 + exp(t)), never formed by subtraction;
        # for γ = 0 the gradient is -q, which the division gives directly
        # (one pass fewer, the same bits: IEEE division is sign-symmetric).
        q = np.exp(margin)
        q += 1
        np.divide(-1 if gamma == 0 else 1, q, out=q)
        # log1p_exp = log1p(exp(-|t|)); neg_log_p = log1p_exp - min(t, 0)
        log1p_exp = np.abs(margin)
        np.negative(log1p_exp, out=log1p_exp)
        np.exp(log1p_exp, out=log1p_exp)
        np.log1p(log1p_exp, out=log1p_exp)
        neg_log_p = np.minimum(margin, 0)
        np.subtract(log1p_exp, neg_log_p, out=neg_log_p)
        if gamma == 0:
            return neg_log_p, q
        # p = σ(t) = 1 / (1 + exp(-t))
        p = np.negative(margin)
        np.exp(p, out=p)
        p += 1
        np.divide(1, p, out=p)
    # modulating = (1 - p)^γ = exp(γ log q), -log q = log1p_exp + max(t, 0)
    modulating = np.maximum(margin, 0)
    modulating += log1p_exp
    modulating *= -gamma
    np.exp(modulating, out=modulating)
    # gradient = -modulating * (q + γ p neg_log_p)
    gradient = p
    gradient *= gamma
    gradient *= neg_log_p
    gradient += q
    gradient *= modulating
    np.negative(gradient, out=gradient)
    # loss = modulating * neg_log_p
    loss = np.multiply(modulating, neg_log_p, out=neg_log_p)
    return loss, gradient


#: Number of scratch arrays :func:`focal_margin_gradient_hessian` computes in.
WORKSPACE_ARRAYS = 5


def focal_margin_gradient_hessian(
    margin, gamma, curvature_floor=None, *, workspace=None
):
    """First and second derivative of the focal loss of the true-class margin.

    With ``p = σ(t)``, ``q = 1 - p = σ(-t)`` and ``L = -log p``, the loss is
    ``ℓ = q^γ L`` and ``ℓ' = -q^γ (q + γ p L)`` (see
    :func:`focal_margin_loss_gradient`). Differentiating once more
    (``dp/dt = p q``, ``dL/dt = -q``)::

        ℓ''(t) = p q^γ ((2γ + 1) q + γ L (γ p - q))
               = p q^γ (γ (γ p L - L q + 2 q) + q)

    One exponential, ``e = exp(t)``, gives ``q = 1 / (1 + e)``, ``p = e q``
    and ``exp(-|t|) = min(e, 1 / e)``, and
    ``L = log1p(exp(-|t|)) - min(t, 0)``: each is accurate to a few ulps
    for any finite margin, none a difference of nearly equal numbers (the
    IEEE rules for 0 and inf settle the extremes, where a result below the
    smallest normal number may come out as 0), and ``q^γ`` has no
    negative exponent (no ``0 · ∞`` for ``0 < γ < 1``). In the bracket
    only ``q L`` is subtracted; the terms cancel only where ``ℓ''`` changes
    sign. For ``γ = 0`` it is ``p q``, the log-loss curvature, and ``L`` is
    never formed.

    For ``γ > 0``, ``ℓ''`` is negative for badly classified margins
    (``p < 0.058`` at ``γ = 2``, ``t < -2.79``). ``curvature_floor = ε``
    raises it to at least ``ε p q^(γ+1)``: ``ε`` times the curvature the loss
    would have if its modulating factor ``q^γ`` were a constant weight. That
    curvature is positive, and the exact one exceeds it (by ``(γ + 1)²`` as
    ``p → 1``) except near and inside the non-convex region, so a floor
    ``ε <= 1`` changes only badly classified margins. ``None`` returns the
    exact second derivative.

    Parameters
    ----------
    margin, gamma : ndarray and float
        As for :func:`focal_margin_loss_gradient`.
    curvature_floor : None or float, default=None
        ``ε > 0``: the second derivative is at least ``ε p q^(γ+1)``.
    workspace : None or sequence of ndarray, default=None
        ``WORKSPACE_ARRAYS`` distinct arrays of the shape and float dtype of
        ``margin``, none of them sharing its memory, to compute in; the
        results are two of them (for a 0-d margin, two scalars). A caller
        working through many blocks of rows passes the same arrays each
        time: fresh ones cost more than the arithmetic (the allocator hands
        their pages back to the system between calls, and faults them in
        again). ``None`` allocates them.

    Returns
    -------
    gradient : ndarray
        ``dℓ/dt``, same shape and dtype as ``margin``.
    hessian : ndarray
        ``d²ℓ/dt²`` (floored if asked), same shape and dtype as ``margin``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.losses import focal_margin_gradient_hessian
    >>> gradient, hessian = focal_margin_gradient_hessian(
    ...     np.array([0.0, -5.0]), gamma=2.0)
    >>> hessian.round(4)
    array([ 0.3991, -0.032 ])
    >>> focal_margin_gradient_hessian(
    ...     np.array([0.0, -5.0]), gamma=2.0, curvature_floor=0.1)[1].round(4)
    array([0.3991, 0.0007])
    """
    margin = np.asarray(margin)
    if margin.dtype.kind != "f":
        margin = margin.astype(np.float64)
    if margin.ndim == 0:
        gradient, hessian = focal_margin_gradient_hessian(
            margin.reshape(1), gamma, curvature_floor
        )
        return gradient[0], hessian[0]
    workspace = _workspace(
        workspace, WORKSPACE_ARRAYS, margin.shape, margin.dtype, inputs=(margin,)
    )
    # In place, each array named for what it holds at the moment.
    first, second, exp_t, q, p = workspace
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # exp_t overflows to inf above t = 709.78: there q = 0 and p = exp_t q
        # is inf · 0 = NaN, which fmin (fmax) turns into p = 1 (-p = -1).
        # Below t = -708.4, exp_t is subnormal, and so is p = exp_t q; a
        # Hessian p q^γ (... + γ L q) may still be a normal number.
        np.exp(margin, out=exp_t)
        np.add(exp_t, 1, out=q)
        # For γ = 0 both come negated: ℓ' = -q, and ℓ'' = p q = (-p)(-q).
        np.divide(-1 if gamma == 0 else 1, q, out=q)
        np.multiply(exp_t, q, out=p)
        if gamma == 0:
            np.fmax(p, -1, out=p)
            return q, np.multiply(p, q, out=p)
        np.fmin(p, 1, out=p)
        # exp(-|t|) = min(exp_t, 1 / exp_t): where exp_t is 0 or inf, its
        # reciprocal is inf or 0, and the minimum is the right one.
        np.divide(1, exp_t, out=first)
        log1p_exp = np.minimum(exp_t, first, out=exp_t)
    np.log1p(log1p_exp, out=log1p_exp)
    modulating = _modulating_factor(q, log1p_exp, margin, gamma, out=second)
    # neg_log_p = L = log1p(exp(-|t|)) - min(t, 0)
    neg_log_p = np.subtract(log1p_exp, np.minimum(margin, 0, out=first), out=log1p_exp)
    # focal = γ p L; the Hessian's bracket γ (γ p L - L q + 2 q) + q (no
    # division by γ, which may be tiny)
    focal = np.multiply(p, gamma, out=first)
    focal *= neg_log_p
    bracket = np.multiply(neg_log_p, q, out=neg_log_p)
    np.subtract(focal, bracket, out=bracket)
    bracket += q
    bracket += q
    bracket *= gamma
    bracket += q
    # gradient = -q^γ (q + γ p L)
    gradient = np.add(focal, q, out=first)
    gradient *= modulating
    np.negative(gradient, out=gradient)
    if curvature_floor is not None:
        floor = q if curvature_floor == 1 else np.multiply(q, curvature_floor, out=q)
        np.maximum(bracket, floor, out=bracket)
    hessian = np.multiply(bracket, modulating, out=second)
    hessian *= p
    return gradient, hessian


def _workspace(workspace, count, shape, dtype=None, inputs=()):
    """``count`` distinct arrays to compute in: the caller's, checked, or new.

    ``dtype=None`` takes the caller's float dtype (the same for all). The
    checks are those that cost no pass over the data: none of the arrays is
    one of ``inputs`` (a view of one is not detected).
    """
    if workspace is None:
        return [np.empty(shape, dtype=dtype or np.float64) for _ in range(count)]
    workspace = list(workspace)
    if dtype is None and workspace:
        dtype = getattr(workspace[0], "dtype", None)
    ids = {id(array) for array in workspace}
    if (
        len(workspace) != count
        or len(ids) != count
        or any(id(given) in ids for given in inputs)
        or not all(
            isinstance(array, np.ndarray)
            and array.shape == shape
            and array.dtype == dtype
            and array.dtype.kind == "f"
            for array in workspace
        )
    ):
        raise ValueError(
            f"workspace must be {count} distinct float arrays of shape {shape}"
            f"{'' if dtype is None else f' and dtype {dtype}'}, none of them an "
            "input."
        )
    return workspace


def _modulating_factor(q, log1p_exp, margin, gamma, out):
    """``q^γ`` into ``out``: products of ``q``, or ``exp(γ log q)``.

    A small integer ``γ`` (2 is the usual one) takes products, as accurate
    as the exponential of ``log q = -(log1p(exp(-|t|)) + max(t, 0))`` and
    several passes cheaper.
    """
    if gamma <= 4 and gamma == int(gamma):
        np.copyto(out, q)
        for _ in range(int(gamma) - 1):
            out *= q
        return out
    np.maximum(margin, 0, out=out)
    out += log1p_exp
    out *= -gamma
    return np.exp(out, out=out)


def _weighted_sum(loss, factor):
    """``loss`` times ``factor`` (in place), summed over labels when 2-D."""
    if factor is not None:
        loss *= factor
    return loss.sum(axis=1) if loss.ndim == 2 else loss


def _per_sample_weight(sample_weight, shape):
    """Shape ``sample_weight`` to broadcast against an array of ``shape``."""
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim < len(shape):
        return sample_weight.reshape((-1,) + (1,) * (len(shape) - 1))
    return sample_weight


class _FocalLoss:
    """What both focal losses share: the loss alone, from the true-class margin."""

    def __init__(self, gamma=0.0, alpha=None):
        self.gamma = gamma
        self.alpha = alpha

    def loss(self, y_true, raw_prediction, sample_weight=None):
        """Per-sample loss alone (the first output of :meth:`loss_gradient`).

        Parameters
        ----------
        y_true, raw_prediction, sample_weight : ndarray
            As for :meth:`loss_gradient`.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            The same values as :meth:`loss_gradient`'s, without its gradient.
        """
        loss = focal_margin_loss(self._margin(y_true, raw_prediction), self.gamma)
        return _weighted_sum(loss, self._factor(y_true, sample_weight, loss))


class BinaryFocalLoss(_FocalLoss):
    """Sigmoid focal loss for binary and multi-label targets.

    ``ℓ(y, z) = -α_t (1 - p_t)^γ log p_t`` with ``p = σ(z)``; ``p_t = p`` and
    ``α_t = α`` when ``y = 1``, ``p_t = 1 - p`` and ``α_t = 1 - α`` when
    ``y = 0``. ``alpha=None`` means ``α_t = 1``; with ``gamma=0`` the loss is
    then the binary cross-entropy (log-loss). For multi-label targets ``alpha``
    may hold one value per label.

    Parameters
    ----------
    gamma : float, default=0.0
        Focusing parameter, ``gamma >= 0``.
    alpha : None, float or ndarray of shape (n_labels,), default=None
        Weight of the positive class, in [0, 1]; negatives get ``1 - alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.losses import BinaryFocalLoss
    >>> loss, grad = BinaryFocalLoss(gamma=2.0).loss_gradient(
    ...     np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    >>> loss.round(4), grad.round(4)
    (array([0.0676, 0.3774]), array([-0.1379,  0.5262]))
    """

    @staticmethod
    def _sign(y_true, dtype):
        """``2 y - 1`` (±1): arithmetic, several times faster than np.where."""
        sign = np.multiply(y_true, 2, dtype=dtype)
        sign -= 1
        return sign

    def _sign_margin(self, y_true, raw_prediction):
        """``2 y - 1`` and the margin ``(2 y - 1) z``, in the dtype of ``z``."""
        raw_prediction = np.asarray(raw_prediction)
        dtype = raw_prediction.dtype
        if dtype.kind != "f":
            dtype = np.dtype(np.float64)
        sign = self._sign(y_true, dtype)
        return sign, np.multiply(sign, raw_prediction, dtype=dtype)

    @staticmethod
    def _sign_margin_into(y_true, raw_prediction, sign, margin):
        """``_sign_margin`` written into ``sign`` and ``margin`` (their dtype)."""
        np.multiply(y_true, 2, out=sign)
        sign -= 1
        np.multiply(sign, raw_prediction, out=margin)
        return sign, margin

    def _margin(self, y_true, raw_prediction):
        return self._sign_margin(y_true, raw_prediction)[1]

    def _factor(self, y_true, sample_weight, like):
        """``α_t`` times ``sample_weight``, shaped to multiply ``like``; or None."""
        factor = None
        if self.alpha is not None:
            alpha = np.asarray(self.alpha, dtype=like.dtype)
            factor = np.where(y_true == 1, alpha, 1 - alpha)
        if sample_weight is not None:
            weight = _per_sample_weight(sample_weight, like.shape)
            factor = weight if factor is None else factor * weight
        return factor

    def loss_gradient(self, y_true, raw_prediction, sample_weight=None):
        """Per-sample loss and gradient with respect to ``raw_prediction``.

        Parameters
        ----------
        y_true : ndarray of the shape of ``raw_prediction``
            Targets in {0, 1}.
        raw_prediction : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Logits.
        sample_weight : None or ndarray, default=None
            Shape ``(n_samples,)`` or the shape of ``raw_prediction``.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            The weighted loss of each sample (summed over labels).
        gradient : ndarray of the shape of ``raw_prediction``
            Its derivative with respect to each raw prediction.
        """
        sign, margin = self._sign_margin(y_true, raw_prediction)
        loss, gradient = focal_margin_loss_gradient(margin, self.gamma)
        gradient *= sign
        factor = self._factor(y_true, sample_weight, loss)
        if factor is not None:
            gradient *= factor
        return _weighted_sum(loss, factor), gradient

    def gradient_hessian(
        self,
        y_true,
        raw_prediction,
        sample_weight=None,
        curvature_floor=None,
        *,
        workspace=None,
    ):
        """Gradient and second derivative with respect to ``raw_prediction``.

        Each logit enters its own loss term only, so the Hessian is diagonal:
        ``hessian[i]`` is ``d²ℓ_i / dz_i²`` (per label for multi-label).

        Parameters
        ----------
        y_true, raw_prediction, sample_weight : ndarray
            As for :meth:`loss_gradient`.
        curvature_floor : None or float, default=None
            ``None`` gives the exact second derivative, negative for badly
            classified samples when ``gamma > 0``; ``ε > 0`` raises it to at
            least ``ε`` times the curvature with the modulating factor held
            constant (see :func:`focal_margin_gradient_hessian`).
        workspace : None or sequence of ndarray, default=None
            ``WORKSPACE_ARRAYS + 2`` float arrays of the shape of
            ``raw_prediction`` to compute in, in their dtype; the results are
            two of them. For callers working through many blocks of rows
            (see :func:`focal_margin_gradient_hessian`). ``None`` allocates.

        Returns
        -------
        gradient : ndarray of the shape of ``raw_prediction``
            The weighted derivative of each sample's loss.
        hessian : ndarray of the shape of ``raw_prediction``
            The weighted second derivative, ``d²ℓ_i / dz_i²``.

        Examples
        --------
        >>> import numpy as np
        >>> from imbweight.losses import BinaryFocalLoss
        >>> gradient, hessian = BinaryFocalLoss(gamma=0.0).gradient_hessian(
        ...     np.array([1.0, 0.0]), np.array([0.0, 0.0]))
        >>> gradient, hessian
        (array([-0.5,  0.5]), array([0.25, 0.25]))
        """
        if workspace is None:
            sign, margin = self._sign_margin(y_true, raw_prediction)
        else:
            workspace = _workspace(
                workspace,
                WORKSPACE_ARRAYS + 2,
                np.shape(raw_prediction),
                inputs=(y_true, raw_prediction),
            )
            sign, margin, *workspace = workspace
            self._sign_margin_into(y_true, raw_prediction, sign, margin)
        gradient, hessian = focal_margin_gradient_hessian(
            margin, self.gamma, curvature_floor, workspace=workspace
        )
        gradient *= sign
        factor = self._factor(y_true, sample_weight, gradient)
        if factor is not None:
            gradient *= factor
            hessian *= factor
        return gradient, hessian


class MultinomialFocalLoss(_FocalLoss):
    """Softmax focal loss for multiclass targets.

    ``ℓ(y, z) = -α_y (1 - p_y)^γ log p_y`` with ``p = softmax(z)``;
    ``alpha=None`` means ``α_y = 1``, and with ``gamma=0`` the loss is then the
    multinomial cross-entropy (log-loss).

    Parameters
    ----------
    gamma : float, default=0.0
        Focusing parameter, ``gamma >= 0``.
    alpha : None or ndarray of shape (n_classes,), default=None
        Weight of each class, indexed by class code.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.losses import MultinomialFocalLoss
    >>> loss, grad = MultinomialFocalLoss().loss_gradient(
    ...     np.array([0]), np.zeros((1, 4)))
    >>> loss.round(6), grad
    (array([1.386294]), array([[-0.75,  0.25,  0.25,  0.25]]))
    """

    def _margin(self, y_true, raw_prediction):
        codes = np.asarray(y_true, dtype=np.intp)
        others = np.array(raw_prediction, dtype=np.result_type(raw_prediction, 1.0))
        rows = np.arange(others.shape[0])
        true_logit = others[rows, codes]
        others[rows, codes] = -np.inf
        return true_logit - logsumexp(others, axis=1)

    def _factor(self, y_true, sample_weight, like):
        """``α_y`` times ``sample_weight``; or None."""
        factor = None
        if self.alpha is not None:
            factor = np.asarray(self.alpha, dtype=like.dtype)[y_true]
        if sample_weight is not None:
            weight = np.asarray(sample_weight)
            factor = weight if factor is None else factor * weight
        return factor

    def loss_gradient(self, y_true, raw_prediction, sample_weight=None):
        """Per-sample loss and gradient with respect to ``raw_prediction``.

        Parameters
        ----------
        y_true : ndarray of shape (n_samples,)
            Integer class codes in ``range(n_classes)``.
        raw_prediction : ndarray of shape (n_samples, n_classes)
            Logits.
        sample_weight : None or ndarray of shape (n_samples,), default=None
            Weights of the samples; multiply the loss and the gradient.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            The weighted loss of each sample.
        gradient : ndarray of shape (n_samples, n_classes)
            Its derivative with respect to each raw prediction.
        """
        codes = np.asarray(y_true, dtype=np.intp)
        exp_others, flat, true_index, sum_others, margin = _class_major_margin(
            raw_prediction, codes
        )
        loss, dmargin = focal_margin_loss_gradient(margin, self.gamma)
        factor = self._factor(codes, sample_weight, margin)
        if factor is not None:
            loss *= factor
            dmargin *= factor
        return loss, _assemble_gradient(
            exp_others, flat, true_index, sum_others, dmargin
        )

    def gradient_hessian(
        self, y_true, raw_prediction, sample_weight=None, curvature_floor=None
    ):
        """Gradient and diagonal of the Hessian with respect to ``raw_prediction``.

        With ``t`` the margin of the true class ``y`` and
        ``r_j = softmax_{k≠y}(z)_j`` (so ``dt/dz_j = -r_j`` for ``j ≠ y``,
        ``dt/dz_y = 1``), the chain rule gives::

            d²ℓ/dz_y² = ℓ''(t)
            d²ℓ/dz_j² = ℓ''(t) r_j² - ℓ'(t) r_j (1 - r_j)      (j ≠ y)

        where ``-ℓ' > 0``, so only ``ℓ'' < 0`` (badly classified samples,
        ``gamma > 0``) can make an entry negative. ``1 - r_j`` is formed
        without cancellation: as ``(Σ_{k≠y} e_k - e_j) / Σ_{k≠y} e_k``, where
        ``e_j <= 1/2`` of the sum, and as the sum of the remaining terms for
        the largest other class. For ``gamma=0`` the diagonal is
        ``p_j (1 - p_j)``.

        Parameters
        ----------
        y_true, raw_prediction, sample_weight : ndarray
            As for :meth:`loss_gradient`.
        curvature_floor : None or float, default=None
            ``None`` gives the exact diagonal; ``ε > 0`` floors ``ℓ''(t)``
            at ``ε`` times the curvature with the modulating factor held
            constant (see :func:`focal_margin_gradient_hessian`), which makes
            every entry positive.

        Returns
        -------
        gradient : ndarray of shape (n_samples, n_classes)
            The weighted derivative of each sample's loss.
        hessian : ndarray of shape (n_samples, n_classes)
            The weighted diagonal of its Hessian, ``d²ℓ_i / dz_ij²``.

        Examples
        --------
        >>> import numpy as np
        >>> from imbweight.losses import MultinomialFocalLoss
        >>> gradient, hessian = MultinomialFocalLoss().gradient_hessian(
        ...     np.array([0]), np.zeros((1, 4)))
        >>> hessian
        array([[0.1875, 0.1875, 0.1875, 0.1875]])
        """
        codes = np.asarray(y_true, dtype=np.intp)
        exp_others, flat, true_index, sum_others, margin = _class_major_margin(
            raw_prediction, codes
        )
        dmargin, d2margin = focal_margin_gradient_hessian(
            margin, self.gamma, curvature_floor
        )
        factor = self._factor(codes, sample_weight, margin)
        if factor is not None:
            dmargin *= factor
            d2margin *= factor
        # exp_others is 1 at the largest other logit: the other terms of the
        # sum, added without it, give 1 - r there without cancellation.
        n_samples = margin.shape[0]
        top_index = np.argmax(exp_others, axis=0) * n_samples
        top_index += np.arange(n_samples)
        top = flat[top_index]
        flat[top_index] = 0
        rest_top = np.add.reduce(exp_others, axis=0)
        flat[top_index] = top
        one_minus_ratio = np.subtract(sum_others, exp_others)
        one_minus_ratio.reshape(-1)[top_index] = rest_top
        one_minus_ratio /= sum_others
        ratio = np.divide(exp_others, sum_others)
        # hessian = r (ℓ'' r - ℓ' (1 - r)), then ℓ'' at the true class
        hessian = np.multiply(ratio, d2margin)
        one_minus_ratio *= dmargin
        hessian -= one_minus_ratio
        hessian *= ratio
        hessian.reshape(-1)[true_index] = d2margin
        gradient = _assemble_gradient(exp_others, flat, true_index, sum_others, dmargin)
        return gradient, hessian.T


def _class_major_margin(raw_prediction, codes):
    """The softmax margin of the true class, worked class-major.

    Returns ``exp_others`` of shape ``(n_classes, n_samples)`` holding
    ``exp(z_j - max_{k≠y} z_k)`` for ``j ≠ y`` and 0 for the true class,
    ``flat`` (a flat view of it), ``true_index`` (the flat positions of the
    true classes), ``sum_others`` (its column sums) and the margin
    ``t = z_y - logsumexp_{j≠y} z_j``.
    """
    n_samples = raw_prediction.shape[0]
    # The work happens class-major, on a (n_classes, n_samples) copy:
    # reductions over classes and scalings of whole rows are then NumPy
    # loops over contiguous samples, not over a handful of classes.
    exp_others = np.array(raw_prediction.T, order="C")
    # Flat positions of the true classes in the class-major array.
    true_index = codes * n_samples
    true_index += np.arange(n_samples)
    flat = exp_others.reshape(-1)
    true_logit = flat[true_index]
    # exp_others becomes exp(z_j - max_{k≠y} z_k) for j ≠ y and 0 for y.
    # The true class is -inf for the maximum, but 0 (not -inf) for exp:
    # a vector holding a special value sends NumPy's SIMD exp down a
    # scalar path.
    flat[true_index] = -np.inf
    max_other = np.maximum.reduce(exp_others, axis=0)
    exp_others -= max_other
    flat[true_index] = 0
    np.exp(exp_others, out=exp_others)
    flat[true_index] = 0  # exp(0) = 1 there: the true class is left out
    sum_others = np.add.reduce(exp_others, axis=0)
    # margin = true_logit - (max_other + log(sum_others))
    margin = np.log(sum_others)
    margin += max_other
    np.subtract(true_logit, margin, out=margin)
    return exp_others, flat, true_index, sum_others, margin


def _assemble_gradient(exp_others, flat, true_index, sum_others, dmargin):
    """The softmax gradient from ``dℓ/dt``; overwrites its first arguments.

    ``dt/dz_j`` is 1 for the true class and ``-softmax_{k≠y}(z)_j``
    otherwise. Returns a ``(n_samples, n_classes)`` Fortran-ordered view.
    """
    scale = np.divide(dmargin, sum_others, out=sum_others)
    exp_others *= np.negative(scale, out=scale)
    flat[true_index] = dmargin
    return exp_others.T
