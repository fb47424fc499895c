"""Recover P(y | x) from a model trained with class weights, α or γ > 0.

Conventions
-----------
A class ``k`` whose loss term is ``a_k f(q_k)``, with ``f(q) = -(1 - q)^γ
log q``, ``q`` the model's probability of the class and ``a_k = α_k c_k``
(its focal α times its class weight), is minimised in the population by
the ``q`` that satisfies ``p_k a_k f'(q_k) = λ`` for all ``k``. With
``u(q) = -f'(q) = (1 - q)^γ / q - γ (1 - q)^(γ-1) log q``::

    P(y = k | x)  ∝  1 / (a_k u(q_k))

and for one sigmoid, with ``q = σ(z)``::

    logit P(y = 1 | x) = log(a_0 / a_1) + log u(σ(-z)) - log u(σ(z)).

For ``γ = 0``, ``u(q) = 1 / q`` and this is the prior correction
``p_k ∝ q_k / a_k``. Everything is computed from the logit ``t`` of ``q_k``
(for a softmax, the margin of class ``k`` over the others), in log space, so
``q`` near 0 or 1 loses nothing. Per-sample weights do not enter: they do
not depend on the class.
"""

from numbers import Real

import numpy as np
from scipy.special import expit, log_softmax, logsumexp, softmax

from imbweight._compat import Interval, validate_params
from imbweight._targets import MULTICLASS, MULTILABEL
from imbweight.class_weight import class_weight_array


def log_u(logit, gamma):
    """``log u(σ(t))`` for the focal loss with focusing parameter ``gamma``.

    ``u(q) = (1 - q)^(γ-1) / q · ((1 - q) + γ q (-log q))``; each factor is
    taken in log space from ``t``.

    Parameters
    ----------
    logit : ndarray
        ``t = log(q / (1 - q))``.
    gamma : float
        Focusing parameter, ``gamma >= 0``.

    Returns
    -------
    ndarray of the shape of ``logit``

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._posterior import log_u
    >>> float(log_u(np.array(0.0), 0.0)) == float(np.log(2.0))
    True
    """
    logit = np.asarray(logit, dtype=np.float64)
    log1p_exp = np.log1p(np.exp(-np.abs(logit)))
    log_q = np.minimum(logit, 0) - log1p_exp
    if gamma == 0:
        return -log_q
    log_one_minus_q = np.minimum(-logit, 0) - log1p_exp
    log_focal_term = np.log(gamma) + log_q + _log_neg_log_sigmoid(logit)
    return (
        (gamma - 1) * log_one_minus_q
        - log_q
        + np.logaddexp(log_one_minus_q, log_focal_term)
    )


def _log_neg_log_sigmoid(logit):
    """``log(-log σ(t))``, accurate where ``-log σ(t)`` underflows."""
    result = np.empty_like(logit)
    positive = logit >= 0
    # For t >= 0, -log σ(t) = log1p(e) with e = exp(-t) -> 0, so
    # log(-log σ(t)) = -t + log(log1p(e) / e), whose last term tends to 0.
    exp_neg = np.exp(-logit[positive])
    ratio = np.ones_like(exp_neg)
    nonzero = exp_neg > 0
    ratio[nonzero] = np.log1p(exp_neg[nonzero]) / exp_neg[nonzero]
    result[positive] = -logit[positive] + np.log(ratio)
    negative = logit[~positive]
    result[~positive] = np.log(-negative + np.log1p(np.exp(negative)))
    return result


def check_recoverable(weights, labels):
    """Raise if a class weighs zero in the loss: its posterior is undefined.

    A class whose samples all weigh ``a_k = α_k c_k = 0`` contributed nothing
    to training; the model says nothing about how likely it is, and the
    recovery would divide by zero.

    Parameters
    ----------
    weights : ndarray
        ``a_k`` per class, or per (label, value) pair for multi-label.
    labels : list
        A name for each entry of ``weights``, for the message.
    """
    weights = np.asarray(weights, dtype=np.float64).ravel()
    zero = [label for label, weight in zip(labels, weights, strict=True) if weight <= 0]
    if zero:
        raise ValueError(
            f"predict_posterior cannot recover P(y | x): {zero} weighed zero in "
            f"training (alpha times class_weight is 0), so the model learned "
            f"nothing about how likely they are. Give every class a positive "
            f"weight, or use predict_proba."
        )


def sigmoid_posterior_logit(raw_prediction, gamma, negative_weight, positive_weight):
    """Logit of P(y = 1 | x) for a sigmoid focal model, per output.

    Parameters
    ----------
    raw_prediction : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The model's logits.
    gamma : float
        Focusing parameter.
    negative_weight, positive_weight : float or ndarray of shape (n_labels,)
        ``a_0 = (1 - α) c_0`` and ``a_1 = α c_1``.

    Returns
    -------
    ndarray of the shape of ``raw_prediction``
    """
    with np.errstate(divide="ignore"):
        prior = np.log(negative_weight) - np.log(positive_weight)
    return prior + log_u(-raw_prediction, gamma) - log_u(raw_prediction, gamma)


def softmax_posterior(raw_prediction, gamma, class_weight):
    """P(y = k | x) for a softmax focal model.

    Parameters
    ----------
    raw_prediction : ndarray of shape (n_samples, n_classes)
        The model's logits.
    gamma : float
        Focusing parameter.
    class_weight : ndarray of shape (n_classes,)
        ``a_k = α_k c_k``.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    log_proba = log_softmax(np.asarray(raw_prediction, dtype=np.float64), axis=1)
    # log(1 - q_k) by log1p(-q_k) is exact for q_k <= 1/2; the one class a
    # row may have above that gets the log-sum of the others instead.
    with np.errstate(divide="ignore"):
        log_rest = np.log1p(-np.exp(log_proba))
    rows = np.arange(log_proba.shape[0])
    top = log_proba.argmax(axis=1)
    others = log_proba.copy()
    others[rows, top] = -np.inf
    log_rest[rows, top] = logsumexp(others, axis=1)
    margin = log_proba - log_rest
    with np.errstate(divide="ignore"):
        log_weight = np.log(class_weight)
    return softmax(-log_weight - log_u(margin, gamma), axis=1)


def recover_posterior(raw_prediction, target_kind, gamma, alpha, class_weight, classes):
    """P(y | x) from the raw scores of a model trained with weights, α and γ.

    What ``predict_posterior`` of every imbweight classifier returns: the
    sigmoid recovery per output for binary and multi-label targets, the
    softmax one for multiclass targets.

    Parameters
    ----------
    raw_prediction : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The model's raw scores (one column for binary targets).
    target_kind : {"binary", "multiclass", "multilabel-indicator"}
        The kind of target.
    gamma : float
        Focusing parameter.
    alpha : None, float or ndarray of shape (n_outputs,)
        The loss's focal α.
    class_weight : ndarray of shape (n_classes,) or (n_labels, 2)
        The class weights, as
        :func:`imbweight.class_weight.class_weight_array` gives them.
    classes : ndarray of shape (n_classes,) or (n_labels,)
        The classes (labels), for the messages.

    Returns
    -------
    posterior : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
        P(y | x), columns ordered like ``classes``.

    Raises
    ------
    ValueError
        If a class weighed zero in training (see :func:`check_recoverable`).
    """
    if target_kind == MULTICLASS:
        if alpha is not None:
            class_weight = class_weight * alpha
        check_recoverable(class_weight, [f"class {c!r}" for c in classes.tolist()])
        return softmax_posterior(raw_prediction, gamma, class_weight)
    negative_weight, positive_weight = class_weight.reshape(-1, 2).T
    if alpha is not None:
        negative_weight = negative_weight * (1 - alpha)
        positive_weight = positive_weight * alpha
    if target_kind == MULTILABEL:
        names = [f"label {j} = {v}" for j in classes.tolist() for v in (0, 1)]
    else:
        names = [f"class {c!r}" for c in classes.tolist()]
    pairs = np.column_stack(np.broadcast_arrays(negative_weight, positive_weight))
    check_recoverable(pairs, names)
    logit = sigmoid_posterior_logit(
        raw_prediction, gamma, negative_weight.squeeze(), positive_weight.squeeze()
    )
    if target_kind == MULTILABEL:
        return expit(logit)
    return np.column_stack([expit(-logit), expit(logit)])


def fitted_posterior(estimator, X):
    """``predict_posterior`` of a fitted imbweight classifier.

    :func:`recover_posterior` of its ``decision_function(X)``, with the
    γ and α of its loss (``_loss_``), its kind of target (``_target_kind_``)
    and its ``class_weight_``.
    """
    return recover_posterior(
        estimator.decision_function(X),
        estimator._target_kind_,
        estimator._loss_.gamma,
        estimator._loss_.alpha,
        class_weight_array(estimator.class_weight_, estimator.classes_),
        estimator.classes_,
    )


@validate_params(
    {
        "proba": ["array-like"],
        "source_prior": ["array-like"],
        "target_prior": [None, "array-like"],
        "tau": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def adjust_prior(proba, source_prior, target_prior=None, *, tau=1.0):
    """Shift class probabilities from one class prior to another.

    A model whose probabilities ``q`` are right for a population with class
    frequencies ``source_prior`` gives, for a population that differs only
    in its class frequencies (the same ``P(x | y)``), the probabilities::

        p_k  ∝  q_k · (target_k / source_k) ^ tau

    renormalised over the classes. With ``tau=1`` this is Bayes' rule, exact
    for any model whose ``q`` estimates the posterior under ``source_prior``:
    use it when the class frequencies in production differ from those in
    training, or to undo a resampling of the training set (``source_prior``
    the counts after the sampler, ``target_prior`` those before;
    :func:`posterior_proba` does this for an :class:`imbweight.pipeline.Pipeline`).

    ``target_prior=None`` means equal frequencies: ``p_k ∝ q_k / π_k^τ`` is
    the post-hoc logit adjustment of Menon et al. (2021), whose ``argmax``
    minimises the balanced error at ``tau=1``; ``tau`` tunes its strength
    (0 leaves ``q`` unchanged).

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities (``predict_proba``, or a recovered posterior),
        one column per class. Rows need not sum to one.
    source_prior : array-like of shape (n_classes,)
        Class frequencies ``proba`` refers to, ordered like its columns; only
        their ratios matter, so class counts will do. Must be positive.
    target_prior : array-like of shape (n_classes,), default=None
        Class frequencies to shift to (counts will do); ``None`` for equal
        frequencies. Must be non-negative: a class of frequency 0 gets
        probability 0.
    tau : float >= 0, default=1.0
        Strength of the shift, the exponent of the prior ratio.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        The shifted probabilities; every row sums to one.

    Raises
    ------
    ValueError
        If the priors do not have one positive (source) or non-negative
        (target) finite entry per column of ``proba``, if ``proba`` is not
        finite and non-negative, or if a row has no probability left on any
        class the target prior keeps.

    See Also
    --------
    posterior_proba : Applies the shift a pipeline's samplers call for.

    Notes
    -----
    **Logit-adjusted and balanced-softmax losses.** The logit-adjusted loss
    (Menon et al. 2021) trains the softmax of ``z_k + τ log π_k`` by
    cross-entropy, and the balanced softmax (Ren et al. 2020) is its
    ``τ = 1`` case. For a model with a fitted, unpenalised intercept (a
    linear model; boosting started from a fitted init score, which every
    tree then builds on) the constant ``τ log π_k`` is absorbed by the
    intercept: the minimiser of those losses is the plain cross-entropy
    minimiser with its intercepts shifted by ``-τ log π_k``. Training with
    them is therefore the same as training by plain cross-entropy and
    calling ``adjust_prior(model.predict_proba(X), π, tau=τ)`` on its
    output, which keeps the calibrated ``predict_proba`` available as well.

    References
    ----------
    A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit and S. Kumar,
    "Long-tail learning via logit adjustment", ICLR 2021.
    J. Ren, C. Yu, S. Sheng, X. Ma, H. Zhao, S. Yi and H. Li, "Balanced
    Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020.

    Examples
    --------
    A model trained where 10 % of the rows were positive, deployed where
    1 % are:

    >>> import numpy as np
    >>> from imbweight import adjust_prior
    >>> proba = np.array([[0.5, 0.5], [0.9, 0.1]])
    >>> adjust_prior(proba, [0.9, 0.1], [0.99, 0.01]).round(4)
    array([[0.9167, 0.0833],
           [0.99  , 0.01  ]])

    The logit adjustment towards equal class frequencies:

    >>> adjust_prior(proba, [0.9, 0.1]).round(4)
    array([[0.1, 0.9],
           [0.5, 0.5]])
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or not np.all(np.isfinite(proba)) or np.any(proba < 0):
        raise ValueError(
            f"proba must be a 2-D array of finite, non-negative probabilities, "
            f"one column per class; got an array of shape {proba.shape}."
        )
    n_classes = proba.shape[1]
    source = _check_prior(source_prior, n_classes, "source_prior", positive=True)
    if target_prior is None:
        target = np.ones(n_classes)
    else:
        target = _check_prior(target_prior, n_classes, "target_prior", positive=False)
    with np.errstate(divide="ignore"):
        log_ratio = tau * (np.log(target) - np.log(source))
    # Scaled by the largest ratio, so that no finite prior overflows.
    shifted = proba * np.exp(log_ratio - log_ratio.max())
    total = shifted.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        rows = np.flatnonzero(total <= 0)[:5].tolist()
        raise ValueError(
            f"Rows {rows} of proba put no probability on any class that "
            f"target_prior keeps; they cannot be shifted to it."
        )
    return shifted / total


def _check_prior(prior, n_classes, name, *, positive):
    accepted = "positive" if positive else "non-negative (not all zero)"
    message = (
        f"{name} must hold one finite, {accepted} frequency or count per column "
        f"of proba ({n_classes}), in the order of the columns; got {prior!r}."
    )
    try:
        prior = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    bad = ~np.isfinite(prior) | ((prior <= 0) if positive else (prior < 0))
    if prior.shape != (n_classes,) or np.any(bad) or not np.any(prior > 0):
        raise ValueError(message)
    return prior


def posterior_proba(estimator, X):
    """P(y | x) from any fitted classifier, bare or inside a pipeline or search.

    scikit-learn's :class:`~sklearn.pipeline.Pipeline` (and
    imbalanced-learn's) forwards only the prediction methods it knows, and a
    search only those of its best estimator. This function reaches the
    final classifier through fitted searches (``best_estimator_``) and
    pipelines, transforming ``X`` through the earlier steps, and returns:

    - its ``predict_posterior`` when it has one: every imbweight classifier,
      :class:`~imbweight.ClassWeightedClassifier` and
      :class:`~imbweight.CostSensitiveClassifier` undo the class weights,
      focal ``alpha`` and ``gamma`` they were trained with, and an
      :class:`imbweight.pipeline.Pipeline` also undoes its samplers;
    - otherwise its ``predict_proba``, taken to be P(y | x) already.

    A sampler (any step with ``fit_resample``) changes the class balance the
    final classifier learns, and its probabilities with it. Only an
    :class:`imbweight.pipeline.Pipeline` records the class counts before
    and after each sampler, which the correction ``P(y = k | x) ∝
    q_k n_k / n'_k`` needs; a plain imbalanced-learn ``Pipeline`` with a
    sampler is an error.

    Parameters
    ----------
    estimator : fitted estimator
        A classifier, or a Pipeline or search ending in one.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, as ``estimator.predict`` takes them.

    Returns
    -------
    posterior : ndarray of shape (n_samples, n_classes)
        P(y | x), columns ordered like the final classifier's ``classes_``.

    Raises
    ------
    TypeError
        If the final estimator has neither ``predict_posterior`` nor
        ``predict_proba``, or if a pipeline with a sampler did not record
        the class counts (use :class:`imbweight.pipeline.Pipeline`).

    See Also
    --------
    adjust_prior : Shift posteriors to other class frequencies.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from imbweight import FocalLogisticRegression, posterior_proba
    >>> X, y = make_classification(weights=[0.9], random_state=0)
    >>> pipe = make_pipeline(
    ...     StandardScaler(), FocalLogisticRegression(class_weight="balanced")
    ... ).fit(X, y)
    >>> posterior_proba(pipe, X).shape
    (100, 2)
    """
    final, X = posterior_source(estimator, X)
    if hasattr(final, "predict_posterior"):
        return final.predict_posterior(X)
    return final.predict_proba(X)


def posterior_source(estimator, X=None):
    """The estimator :func:`posterior_proba` asks, and ``X`` as it reaches it.

    Also a check, before any fit, that ``posterior_proba`` will work on
    ``estimator`` once fitted (with ``X=None``, nothing is transformed).

    Raises
    ------
    TypeError
        If the estimator reached has neither ``predict_posterior`` nor
        ``predict_proba``, reweighs its classes itself without undoing it, or
        sits behind a sampler whose counts were not recorded.
    """
    final, X = final_step(estimator, X)
    if hasattr(final, "predict_posterior"):
        return final, X
    if not hasattr(final, "predict_proba"):
        raise TypeError(
            f"{type(final).__name__} has neither predict_posterior nor "
            f"predict_proba; P(y | x) needs a classifier with probabilities, bare "
            f"or as the last step of a pipeline or search."
        )
    _check_unweighted(final)
    return final, X


# Parameters by which a classifier reweighs its classes without undoing it
# in predict_proba (scikit-learn's class_weight; LightGBM's and XGBoost's
# positive-class weights), and the values at which they do nothing.
_REWEIGHTING_PARAMS = {
    "class_weight": (None,),
    "is_unbalance": (None, False),
    "scale_pos_weight": (None, 1, 1.0),
}


def _check_unweighted(classifier):
    """Raise if ``classifier`` reweighed its classes: its proba is not P(y | x)."""
    params = {}
    if hasattr(classifier, "get_params"):
        params = classifier.get_params(deep=False)
    for name, neutral in _REWEIGHTING_PARAMS.items():
        value = params.get(name)
        if not any(value is v or value == v for v in neutral):
            kind = type(classifier).__name__
            raise TypeError(
                f"{kind} was trained with {name}={value!r}, and its predict_proba "
                f"does not undo it, so it is not P(y | x). Leave {name} at its "
                f"default and weigh the classes with "
                f"imbweight.ClassWeightedClassifier({kind}(...), class_weight=...), "
                f"whose predict_posterior undoes the weights."
            )


def final_step(estimator, X):
    """The estimator whose probabilities answer for ``estimator``, and ``X`` for it.

    Goes into fitted searches and pipelines until it meets an estimator with
    ``predict_posterior`` (which includes an :class:`imbweight.pipeline.Pipeline`:
    it undoes its own samplers) or one that is neither.

    Raises
    ------
    TypeError
        If a pipeline it goes into has a sampler: its final step learned the
        resampled class balance, and the pipeline did not record it.
    """
    while not hasattr(estimator, "predict_posterior"):
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            # An imbweight Pipeline whose final step has no probabilities
            # recorded its samplers: the error is then about that step.
            recorded = hasattr(estimator, "class_counts_")
            X = transform_to_final_step(estimator, X, samplers_recorded=recorded)
            estimator = estimator[-1]
        else:
            break
    return estimator, X


def transform_to_final_step(pipeline, X, *, samplers_recorded):
    """``X`` transformed by every step of ``pipeline`` but the last.

    Samplers (steps with ``fit_resample``) act in ``fit`` only and are
    skipped, as the pipeline skips them when it predicts; unless
    ``samplers_recorded``, meeting one is an error. ``X=None`` only checks.
    """
    for name, step in pipeline.steps[:-1]:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if hasattr(step, "fit_resample"):
            if not samplers_recorded:
                raise TypeError(
                    f"Cannot recover P(y | x) through this {type(pipeline).__name__}"
                    f": its step {name!r} ({type(step).__name__}) resampled the "
                    f"training data, so the final step learned another class "
                    f"balance, and the pipeline did not record which. Build it "
                    f"with imbweight.pipeline.Pipeline or "
                    f"imbweight.pipeline.make_pipeline (drop-in subclasses of "
                    f"imbalanced-learn's that record the class counts around "
                    f"each sampler) and fit it again."
                )
            continue
        if X is not None:
            X = step.transform(X)
    return X
