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

import numpy as np
from scipy.special import expit, log_softmax, logsumexp, softmax

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


def posterior_proba(estimator, X):
    """P(y | x) from an imbweight classifier, bare or inside a pipeline.

    scikit-learn's :class:`~sklearn.pipeline.Pipeline` (and imbalanced-learn's)
    forwards only the prediction methods it knows, so ``predict_posterior``
    of a final imbweight step is out of reach through the pipeline itself.
    This function transforms ``X`` through the earlier steps (samplers act
    in ``fit`` only and are skipped, as the pipeline does when predicting)
    and asks the final step. It also looks inside fitted searches
    (``best_estimator_``) and meta-estimators that expose
    ``predict_posterior``.

    Parameters
    ----------
    estimator : fitted estimator
        An imbweight classifier, or a Pipeline / GridSearchCV ending in one.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)

    Returns
    -------
    posterior : ndarray of shape (n_samples, n_classes)
        P(y | x), columns ordered like the final classifier's ``classes_``.

    Raises
    ------
    TypeError
        If the final estimator has no ``predict_posterior``.

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
    final, X = final_step(estimator, X)
    if not hasattr(final, "predict_posterior"):
        raise TypeError(
            f"{type(final).__name__} has no predict_posterior; posterior_proba "
            f"needs an imbweight classifier, bare or as the last step of a "
            f"pipeline or search."
        )
    return final.predict_posterior(X)


def final_step(estimator, X):
    """The estimator that predicts, and ``X`` as it reaches it."""
    while not hasattr(estimator, "predict_posterior"):
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            for _, step in estimator.steps[:-1]:
                # "passthrough" and samplers (which act in fit only) leave X.
                if step not in (None, "passthrough") and not hasattr(
                    step, "fit_resample"
                ):
                    X = step.transform(X)
            estimator = estimator[-1]
        else:
            break
    return estimator, X
