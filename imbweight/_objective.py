"""The penalised objective of a linear classifier, in coefficient space."""

import numpy as np


class LinearObjective:
    """A pointwise loss lifted to the coefficients of a linear model.

    The objective, for ``raw = X @ W + b`` (DESIGN §1), is::

        J(coef) = 1/S Σ_i s_i ℓ(y_i, raw_i) + 1/2 l2_reg_strength ‖W‖²_F

    Conventions
    -----------
    * ``coef`` is a flat vector of length ``n_dof * n_outputs`` where
      ``n_dof = n_features + fit_intercept``; it reshapes, C-order, to
      ``(n_dof, n_outputs)``: row ``j < n_features`` holds the weights of
      feature ``j`` for every output, the last row (if ``fit_intercept``) the
      intercepts. This is the memory layout of scikit-learn's
      ``LinearModelLoss`` (``coef.reshape((n_outputs, -1), order="F")``), so
      L-BFGS walks the same path on the same problem. ``n_outputs`` is 1 for
      a binary problem, ``n_classes`` for softmax, ``n_labels`` for
      multi-label.
    * ``sample_weight`` is the full per-sample weight ``s_i`` (sample weight
      times class weight), shape ``(n_samples,)``, or ``(n_samples,
      n_labels)`` for multi-label (a weight per element). ``None`` means 1.
    * ``S`` is the sum of the weights, divided by ``n_labels`` when they are
      given per element, so the loss term is a weighted mean and gradients
      stay O(1). The intercepts are not penalised. Callers pass
      ``l2_reg_strength = 1 / (C S)`` to minimise ``C Σ s_i ℓ_i + ½‖W‖²``.
    * Computation happens in the dtype of ``X``; ``X`` is never copied and
      temporaries are O(n_samples × n_outputs).

    Parameters
    ----------
    loss : BinaryFocalLoss or MultinomialFocalLoss
        The pointwise loss.
    fit_intercept : bool
        Whether the last row of ``coef`` holds intercepts.
    n_outputs : int
        Number of columns of the raw prediction.
    """

    def __init__(self, loss, fit_intercept, n_outputs):
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.n_outputs = n_outputs

    def init_zero_coef(self, n_features):
        """Zero coefficients, as a flat float64 vector."""
        n_dof = n_features + int(self.fit_intercept)
        return np.zeros(n_dof * self.n_outputs)

    def weight_intercept(self, coef, n_features):
        """Split ``coef`` into ``W`` of shape (n_features, n_outputs) and ``b``.

        ``b`` has shape ``(n_outputs,)`` (zeros without intercept).
        """
        matrix = coef.reshape(-1, self.n_outputs)
        if self.fit_intercept:
            return matrix[:n_features], matrix[n_features]
        return matrix, np.zeros(self.n_outputs, dtype=coef.dtype)

    def raw_prediction(self, coef, X):
        """``X @ W + b`` of shape (n_samples, n_outputs), in the dtype of X."""
        weights, intercept = self.weight_intercept(
            coef.astype(X.dtype, copy=False), X.shape[1]
        )
        return X @ weights + intercept

    def loss_gradient(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, weight_sum=None
    ):
        """Objective value and its gradient with respect to ``coef``.

        Parameters
        ----------
        coef : ndarray of shape (n_dof * n_outputs,)
            Flat coefficients (see Conventions).
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data, float32 or float64, dense, CSR or CSC.
        y : ndarray
            Targets in the form the loss expects.
        sample_weight : None or ndarray, default=None
            Full per-sample (or per-element) weights.
        l2_reg_strength : float, default=0.0
            Strength of the L2 penalty on ``W``.
        weight_sum : float, default=None
            The normaliser ``S`` of the loss term; ``None`` computes it from
            ``sample_weight``. A stochastic solver passes ``len(batch)`` times
            the mean weight of the whole data, which makes the batch gradient
            an unbiased estimate of the full one.

        Returns
        -------
        value : float
        gradient : ndarray of the shape and dtype of ``coef``
        """
        n_samples, n_features = X.shape
        coef_in_x_dtype = coef.astype(X.dtype, copy=False)
        weights, intercept = self.weight_intercept(coef_in_x_dtype, n_features)
        raw = X @ weights + intercept
        raw_for_loss = raw if self.n_outputs > 1 else raw[:, 0]
        loss, raw_gradient = self.loss.loss_gradient(y, raw_for_loss, sample_weight)
        if weight_sum is None:
            weight_sum = self.weight_sum(sample_weight, n_samples)
        raw_gradient = raw_gradient.reshape(n_samples, self.n_outputs)
        raw_gradient /= weight_sum

        weights64 = weights.astype(np.float64, copy=False)
        value = float(loss.sum(dtype=np.float64) / weight_sum)
        value += 0.5 * l2_reg_strength * float(np.vdot(weights64, weights64))

        gradient = np.empty_like(coef).reshape(-1, self.n_outputs)
        gradient[:n_features] = X.T @ raw_gradient
        gradient[:n_features] += l2_reg_strength * weights64
        if self.fit_intercept:
            gradient[n_features] = raw_gradient.sum(axis=0)
        return value, gradient.ravel()

    def weight_sum(self, sample_weight, n_samples):
        """The normaliser ``S`` of the loss term (see Conventions)."""
        if sample_weight is None:
            return float(n_samples)
        sample_weight = np.asarray(sample_weight)
        per_element = sample_weight.ndim == 2
        total = float(sample_weight.sum(dtype=np.float64))
        return total / sample_weight.shape[1] if per_element else total
